// RFC 7541 §5.2 and Appendix B: Huffman strings, including the decoding errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { huffmanDecode, huffmanEncode, huffmanEncodedLength } from '../../../../src/wire/h2/hpack/huffman.js';

function encode(s: string): Buffer {
  const out = Buffer.alloc(huffmanEncodedLength(s));
  assert.equal(huffmanEncode(s, out, 0), out.length);
  return out;
}
function decode(hex: string): string | null {
  const input = Buffer.from(hex, 'hex');
  const out = Buffer.alloc(Math.ceil((input.length * 8) / 5));
  const n = huffmanDecode(input, 0, input.length, out);
  return n < 0 ? null : out.toString('latin1', 0, n);
}

// Strings and codes from RFC 7541 C.4 and C.6.
const RFC_STRINGS: Array<[string, string]> = [
  ['www.example.com', 'f1e3c2e5f23a6ba0ab90f4ff'],
  ['no-cache', 'a8eb10649cbf'],
  ['custom-key', '25a849e95ba97d7f'],
  ['custom-value', '25a849e95bb8e8b4bf'],
  ['302', '6402'],
  ['private', 'aec3771a4b'],
  ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07abe941054d444a8200595040b8166e082a62d1bff'],
  ['https://www.example.com', '9d29ad171863c78f0b97c8e9ae82ae43d3'],
  ['gzip', '9bd9ab'],
  ['foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1', '94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007'],
];

test('RFC 7541 Appendix C strings encode and decode exactly', () => {
  for (const [text, hex] of RFC_STRINGS) {
    assert.equal(encode(text).toString('hex'), hex, text);
    assert.equal(decode(hex), text, text);
  }
});

test('every octet 0..255 round-trips, alone and all together (30-bit codes included)', () => {
  let all = '';
  for (let b = 0; b < 256; b++) {
    const s = String.fromCharCode(b);
    assert.equal(decode(encode(s).toString('hex')), s, `octet ${b}`);
    all += s;
  }
  assert.equal(decode(encode(all).toString('hex')), all);
  assert.equal(decode(''), '');
});

test('RFC 7541 §5.2: padding that is not a prefix of EOS (not all ones) is an error', () => {
  // 'a' is 00011 (5 bits): the valid block is 00011|111 = 1f.
  assert.equal(decode('1f'), 'a');
  assert.equal(decode('18'), null); // padding 000
  assert.equal(decode('1e'), null); // padding 110
});

test('RFC 7541 §5.2: padding longer than 7 bits is an error', () => {
  assert.equal(decode('ff'), null); // 8 ones, no symbol
  assert.equal(decode('1fff'), null); // 'a' then 11 ones
  assert.equal(decode('fe3f'), '!'); // '!' = 11111110|00 then 6 ones: fine
});

test('RFC 7541 §5.2: the EOS symbol inside a string is an error', () => {
  assert.equal(decode('ffffffff'), null); // 30-bit EOS + 2 padding ones
  assert.equal(decode('1fffffffff'), null); // 'a' (00011), then 30-bit EOS, then 5 ones
});

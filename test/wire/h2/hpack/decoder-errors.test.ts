// Decoding errors written from RFC 7541: each malformed block is a COMPRESSION_ERROR, the decoder
// refuses every later block, and no other kind of exception escapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackError } from '../../../../src/wire/h2/hpack/index.js';

function compressionError(decoder: HpackDecoder, hex: string, why: RegExp): HpackError {
  let caught: unknown;
  try {
    decoder.decode(Buffer.from(hex, 'hex'));
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof HpackError, `${hex}: expected an HpackError, got ${String(caught)}`);
  assert.equal(caught.code, 'COMPRESSION_ERROR', hex);
  assert.match(caught.message, why, hex);
  return caught;
}
const fails = (hex: string, why: RegExp, decoder = new HpackDecoder()): HpackError => compressionError(decoder, hex, why);

test('RFC 7541 §6.1: index 0 is a decoding error', () => {
  const err = fails('8280', /index 0/);
  assert.equal(err.offset, 1);
});

test('RFC 7541 §2.3.3: an index past both tables is a decoding error', () => {
  fails('be', /index 62 past/); // empty dynamic table
  fails('ff00', /index 127 past/);
  fails('7e0161', /name index 62 past/); // literal with indexing, indexed name 62
  fails('0f2f0161', /name index 62 past/); // literal without indexing, name index 15 + 47 = 62
  // One entry in the table: 62 is valid, 63 is not.
  const decoder = new HpackDecoder();
  assert.deepEqual(decoder.decode(Buffer.from('4001610162', 'hex')), [['a', 'b']]);
  assert.deepEqual(decoder.decode(Buffer.from('be', 'hex')), [['a', 'b']]);
  fails('bf', /index 63 past/, decoder);
});

test('RFC 7541 §5.1, §7.4: integers beyond 2^32 - 1 or over-long encodings are decoding errors', () => {
  fails('ff8080808010', /integer exceeds/); // 127 + 16·2^28 > 2^32 - 1
  fails('ff808080808000', /integer exceeds/); // six continuation octets (zero padding)
  fails('3fffffffff7f', /integer exceeds/); // a size update of 31 + 2^35 - 1
  // 2^32 - 1 itself is representable: as a size update it is only "above the limit".
  fails('3fe0ffffff0f', /above the limit/);
});

test('truncated input is a decoding error wherever it stops', () => {
  fails('ff', /ends inside an integer/);
  fails('ff80', /ends inside an integer/);
  fails('40', /ends before a string/); // literal with new name: no name string
  fails('400161', /ends before a string/); // name, no value
  fails('400561', /runs past the block/); // name of 5 octets, 1 present
  fails('04857f', /runs past the block/); // Huffman value of 5 octets, 1 present
  fails('047f', /ends inside an integer/); // value length 127+ with no continuation
  fails('3f', /ends inside an integer/); // size update cut short
});

test('RFC 7541 §5.2: Huffman EOS and bad padding in a string literal are decoding errors', () => {
  assert.deepEqual(new HpackDecoder().decode(Buffer.from('04811f', 'hex')), [[':path', 'a']]);
  fails('048118', /Huffman/); // padding not all ones
  fails('0481ff', /Huffman/); // 8 bits of padding
  fails('0484ffffffff', /Huffman/); // EOS
  fails('4081ff0161', /Huffman/); // in a literal name too
});

test('RFC 7541 §4.2: a size update after the first field is a decoding error', () => {
  fails('823fe11f', /size update after a header field/);
  fails('8220', /size update after a header field/);
  // At the start, several updates in a row are fine.
  assert.deepEqual(new HpackDecoder().decode(Buffer.from('203fe11f82', 'hex')), [[':method', 'GET']]);
});

test('RFC 7541 §6.3: a size update above the limit (our SETTINGS_HEADER_TABLE_SIZE) is a decoding error', () => {
  assert.deepEqual(new HpackDecoder().decode(Buffer.from('3fe11f', 'hex')), []); // 4096: the limit itself
  fails('3fe21f', /update to 4097 above the limit 4096/);
  const decoder = new HpackDecoder();
  decoder.maxTableSize = 100;
  decoder.decode(Buffer.from('3f4582', 'hex')); // 100: fine (and it was required)
  fails('3f4682', /101 above the limit 100/, decoder);
});

test('RFC 7541 §4.2: after our limit drops, the next block must open with a size update at or below it', () => {
  const lowered = () => {
    const d = new HpackDecoder();
    d.maxTableSize = 1024;
    return d;
  };
  fails('82', /does not open with a dynamic table size update to at most 1024/, lowered());
  fails('', /does not open/, lowered()); // an empty block does not escape the rule
  fails('3fe10f82', /above the limit/, lowered()); // 2048
  const ok = lowered();
  assert.deepEqual(ok.decode(Buffer.from('3fe10782', 'hex')), [[':method', 'GET']]); // 1024
  assert.deepEqual(ok.decode(Buffer.from('82', 'hex')), [[':method', 'GET']]); // only once
  // Lowered then raised before the next block: the smallest value first, then the final one.
  const twice = lowered();
  twice.maxTableSize = 4096;
  fails('3fe11f82', /does not open/, twice);
  const pair = lowered();
  pair.maxTableSize = 4096;
  assert.deepEqual(pair.decode(Buffer.from('3fe1073fe11f82', 'hex')), [[':method', 'GET']]);
  // Raising the limit requires nothing: the table keeps its size until an update.
  const raised = new HpackDecoder();
  raised.maxTableSize = 8192;
  assert.deepEqual(raised.decode(Buffer.from('82', 'hex')), [[':method', 'GET']]);
});

test('a string longer than maxStringLength is a decoding error, raw or after Huffman decoding', () => {
  const decoder = () => new HpackDecoder({ maxStringLength: 4 });
  assert.deepEqual(decoder().decode(Buffer.from('400461626364046566676a', 'hex')), [['abcd', 'efgj']]);
  fails('40056162636465', /exceeds maxStringLength/, decoder());
  // 'aaaaa' in Huffman is 4 octets (25 bits) but decodes to 5.
  fails(`0484${Buffer.from([0b00011000, 0b11000110, 0b00110001, 0b11111111]).toString('hex')}`, /decoded string of 5/, decoder());
});

test('after a compression error the decoder refuses every later block', () => {
  const decoder = new HpackDecoder();
  fails('80', /index 0/, decoder);
  fails('82', /unusable/, decoder);
});

test('local misuse throws node-style errors, not HpackError', () => {
  assert.throws(() => new HpackDecoder().decode('82' as unknown as Uint8Array), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new HpackDecoder({ maxTableSize: -1 }), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => {
    new HpackDecoder().maxTableSize = 1.5;
  }, { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => {
    new HpackDecoder().maxHeaderListSize = Number.NaN;
  }, { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => {
    new HpackDecoder().maxStringLength = 2 ** 32;
  }, { code: 'ERR_OUT_OF_RANGE' });
  // A plain Uint8Array (not a Buffer) is accepted.
  assert.deepEqual(new HpackDecoder().decode(Uint8Array.of(0x82)), [[':method', 'GET']]);
});

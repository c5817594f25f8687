// The static table and the Huffman code are typed from RFC 7541 Appendices A and B: check every
// entry against the RFC text itself, so a typo cannot hide.
import assert from 'node:assert/strict';
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from '../../../../src/wire/h2/hpack/huffman-table.js';
import { STATIC_BY_NAME, STATIC_TABLE } from '../../../../src/wire/h2/hpack/static-table.js';
import { testsNeeding } from '../../../support/conformance.js';
import { rfcLines, RFC_7541 } from './support.js';

const test = testsNeeding(RFC_7541);

test('static table = RFC 7541 Appendix A, all 61 entries', () => {
  const rows = rfcLines()
    .map((l) => /^ \| (\d+) \| (\S+) \|(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), m[2]!, m[3]!.trim()] as const);
  assert.equal(rows.length, 61);
  rows.forEach(([index, name, value], i) => {
    assert.equal(index, i + 1);
    assert.deepEqual(STATIC_TABLE[i], [name, value], `static entry ${index}`);
  });
});

test('static lookups give the lowest index per name and per name+value', () => {
  assert.equal(STATIC_BY_NAME.get(':method')!.index, 2);
  assert.equal(STATIC_BY_NAME.get(':method')!.values.get('POST'), 3);
  assert.equal(STATIC_BY_NAME.get(':status')!.values.get('404'), 13);
  assert.equal(STATIC_BY_NAME.get('www-authenticate')!.index, 61);
  assert.equal(STATIC_BY_NAME.get('x-unknown'), undefined);
});

test('Huffman code = RFC 7541 Appendix B, all 257 symbols (bits, hex and length agree)', () => {
  let seen = 0;
  for (const line of rfcLines()) {
    const m = /\(\s*(\d+)\)\s+((?:\|[01]+)+)\s+([0-9a-f]+)\s+\[\s*(\d+)\]/.exec(line);
    if (!m) continue;
    const sym = Number(m[1]);
    const bits = m[2]!.replaceAll('|', '');
    assert.equal(HUFFMAN_LENGTHS[sym], bits.length, `length of ${sym}`);
    assert.equal(HUFFMAN_LENGTHS[sym], Number(m[4]), `length of ${sym}`);
    assert.equal(HUFFMAN_CODES[sym], parseInt(bits, 2), `code of ${sym}`);
    assert.equal(HUFFMAN_CODES[sym], parseInt(m[3]!, 16), `code of ${sym}`);
    seen++;
  }
  assert.equal(seen, 257);
  assert.equal(HUFFMAN_CODES.length, 257);
});

test('the Huffman code is prefix-free and complete (Kraft sum = 1)', () => {
  let kraft = 0;
  for (let s = 0; s < 257; s++) kraft += 2 ** -HUFFMAN_LENGTHS[s]!;
  assert.equal(kraft, 1);
  const words = [...HUFFMAN_CODES].map((c, s) => c.toString(2).padStart(HUFFMAN_LENGTHS[s]!, '0')).sort();
  for (let i = 1; i < words.length; i++) assert.ok(!words[i]!.startsWith(words[i - 1]!), `${words[i - 1]} prefixes ${words[i]}`);
});

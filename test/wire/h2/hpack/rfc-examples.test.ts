// RFC 7541 Appendix C, parsed from the RFC text itself: every example decodes to its header list
// with the RFC's table size, and our encoder produces the RFC's exact bytes wherever our choices
// are the RFC's.
import assert from 'node:assert/strict';
import { HpackDecoder, HpackEncoder } from '../../../../src/wire/h2/hpack/index.js';
import { decodeInteger, encodeInteger } from '../../../../src/wire/h2/hpack/integer.js';
import { testsNeeding } from '../../../support/conformance.js';
import { rfcExamples, RFC_7541, type RfcExample } from './support.js';

const test = testsNeeding(RFC_7541);

const examples = rfcExamples();
const group = (prefix: string): RfcExample[] => examples.filter((e) => e.id.startsWith(prefix));

test('the RFC text yields all Appendix C.2-C.6 examples', () => {
  assert.deepEqual(
    examples.map((e) => e.id),
    ['C.2.1', 'C.2.2', 'C.2.3', 'C.2.4', 'C.3.1', 'C.3.2', 'C.3.3', 'C.4.1', 'C.4.2', 'C.4.3', 'C.5.1', 'C.5.2', 'C.5.3', 'C.6.1', 'C.6.2', 'C.6.3'],
  );
  assert.equal(group('C.3')[0]!.wire, '828684410f7777772e6578616d706c652e636f6d');
});

test('C.1: integer representation examples', () => {
  const cases: Array<[number, number, string]> = [
    [10, 5, '0a'], // C.1.1
    [1337, 5, '1f9a0a'], // C.1.2
    [42, 8, '2a'], // C.1.3
  ];
  for (const [value, prefix, hex] of cases) {
    const out = Buffer.alloc(8);
    const end = encodeInteger(out, 0, value, prefix, 0);
    assert.equal(out.subarray(0, end).toString('hex'), hex);
    const cur = { pos: 0 };
    assert.equal(decodeInteger(Buffer.from(hex, 'hex'), cur, prefix), value);
    assert.equal(cur.pos, hex.length / 2);
  }
});

test('C.2: each field representation decodes, with the RFC table size', () => {
  for (const ex of group('C.2')) {
    const decoder = new HpackDecoder();
    assert.deepEqual(decoder.decode(Buffer.from(ex.wire, 'hex')), ex.headers, ex.id);
    assert.equal(decoder.tableSize, ex.tableSize, ex.id);
  }
});

test('C.2: the encoder picks the RFC representation for each', () => {
  const [c21, c22, c23, c24] = group('C.2');
  const enc = (ex: RfcExample, sensitive?: Set<string>) =>
    new HpackEncoder({ huffman: 'never' }).encode(ex.headers, sensitive).toString('hex');
  assert.equal(enc(c21!), c21!.wire); // new name: literal with incremental indexing
  assert.equal(enc(c22!), c22!.wire); // :path is never indexed by policy: literal without indexing
  assert.equal(enc(c23!, new Set(['password'])), c23!.wire); // the caller's sensitive name: never indexed
  assert.equal(enc(c24!), c24!.wire); // static exact match
});

for (const [prefix, huffman] of [['C.3', 'never'], ['C.4', 'always']] as const) {
  test(`${prefix}: requests on one connection decode and encode exactly (huffman ${huffman})`, () => {
    const decoder = new HpackDecoder();
    const encoder = new HpackEncoder({ huffman });
    const auto = new HpackEncoder(); // 'auto' picks Huffman wherever it is shorter
    for (const ex of group(prefix)) {
      assert.deepEqual(decoder.decode(Buffer.from(ex.wire, 'hex')), ex.headers, ex.id);
      assert.equal(decoder.tableSize, ex.tableSize, ex.id);
      assert.equal(encoder.encode(ex.headers).toString('hex'), ex.wire, ex.id);
      assert.equal(encoder.tableSize, ex.tableSize, ex.id);
      if (huffman === 'always') assert.equal(auto.encode(ex.headers).toString('hex'), ex.wire, ex.id);
    }
  });
}

for (const [prefix, huffman] of [['C.5', 'never'], ['C.6', 'always']] as const) {
  test(`${prefix}: responses with a 256-octet table decode, with the RFC's evictions`, () => {
    const decoder = new HpackDecoder({ maxTableSize: 256 });
    for (const ex of group(prefix)) {
      assert.deepEqual(decoder.decode(Buffer.from(ex.wire, 'hex')), ex.headers, ex.id);
      assert.equal(decoder.tableSize, ex.tableSize, ex.id);
    }
  });

  test(`${prefix}: our encoder matches the RFC until set-cookie, which we do not index`, () => {
    const [first, second, third] = group(prefix);
    // Our 256 cap is below HTTP/2's initial 4096, so the first block opens with a size update
    // to 256 (3f e1 01); the RFC examples assume both sides start at 256.
    const encoder = new HpackEncoder({ maxTableSize: 256, huffman });
    assert.equal(encoder.encode(first!.headers).toString('hex'), `3fe101${first!.wire}`);
    assert.equal(encoder.encode(second!.headers).toString('hex'), second!.wire);
    assert.equal(encoder.tableSize, second!.tableSize);
    // C.x.3 indexes set-cookie; we send it as a literal without indexing (docs/hpack.md), so the
    // block differs, but it must still decode against the RFC decoder's state.
    const decoder = new HpackDecoder({ maxTableSize: 256 });
    decoder.decode(Buffer.from(first!.wire, 'hex'));
    decoder.decode(Buffer.from(second!.wire, 'hex'));
    const ours = encoder.encode(third!.headers);
    assert.notEqual(ours.toString('hex'), third!.wire);
    assert.deepEqual(decoder.decode(ours), third!.headers);
    assert.equal(decoder.tableSize, encoder.tableSize);
  });
}

// fast-check properties: random header lists round-trip through our encoder and decoder over a
// whole connection (table size changes included); random bytes never make the decoder throw
// anything but HpackError; Huffman round-trips any octet string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HpackDecoder, HpackEncoder, HpackError } from '../../../../src/wire/h2/hpack/index.js';
import { huffmanDecode, huffmanEncode, huffmanEncodedLength } from '../../../../src/wire/h2/hpack/huffman.js';
import { STATIC_TABLE } from '../../../../src/wire/h2/hpack/static-table.js';

type Field = [string, string];

const octets = (maxLength: number) =>
  fc.uint8Array({ maxLength }).map((a) => Buffer.from(a).toString('latin1'));
const name = fc.oneof(
  fc.constantFrom(...STATIC_TABLE.map(([n]) => n), 'authorization', 'cookie', 'set-cookie', 'x-custom'),
  fc.stringMatching(/^[a-z0-9-]{1,12}$/),
);
const value = fc.oneof(
  fc.constantFrom(...STATIC_TABLE.map(([, v]) => v), 'gzip', 'no-cache'),
  fc.stringMatching(/^[ -~]{0,40}$/),
  octets(300),
);
const field = fc.oneof(
  fc.tuple(name, value),
  fc.constantFrom(...STATIC_TABLE).map(([n, v]) => [n, v] as [string, string]),
) as fc.Arbitrary<Field>;
const step = fc.record({
  fields: fc.array(field, { maxLength: 12 }),
  // Sometimes the peer's SETTINGS_HEADER_TABLE_SIZE changes (once or twice) before the block.
  settings: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 8192 })), { maxLength: 2 }),
  sensitive: fc.boolean(),
});

test('random header lists round-trip over a connection, with table size changes', () => {
  fc.assert(
    fc.property(
      fc.record({
        cap: fc.oneof(fc.constant(4096), fc.integer({ min: 0, max: 16384 })),
        huffman: fc.constantFrom('auto', 'always', 'never') as fc.Arbitrary<'auto' | 'always' | 'never'>,
      }),
      fc.array(step, { minLength: 1, maxLength: 12 }),
      ({ cap, huffman }, steps) => {
        const encoder = new HpackEncoder({ maxTableSize: cap, huffman });
        const decoder = new HpackDecoder({ maxHeaderListSize: 1 << 20 });
        for (const { fields, settings, sensitive } of steps) {
          for (const s of settings) {
            // Both sides apply the same acknowledged SETTINGS value.
            decoder.maxTableSize = s;
            encoder.setMaxTableSize(s);
          }
          const names = sensitive && fields.length > 0 ? new Set([fields[0]![0]]) : undefined;
          const never = new Set<string>();
          assert.deepEqual(decoder.decode(encoder.encode(fields, names), never), fields);
          if (names) assert.ok(never.has(fields[0]![0]));
          assert.equal(decoder.tableSize, encoder.tableSize);
          assert.ok(encoder.tableSize <= Math.min(cap, decoder.maxTableSize));
        }
      },
    ),
    { numRuns: 300 },
  );
});

function onlyHpackErrors(decoder: HpackDecoder, block: Uint8Array): void {
  try {
    decoder.decode(block);
  } catch (err) {
    if (!(err instanceof HpackError)) throw err;
    assert.ok(err.code === 'COMPRESSION_ERROR' || err.code === 'HEADER_LIST_TOO_LARGE');
  }
}

test('random bytes never throw anything but HpackError (fresh and primed decoders)', () => {
  const primer = new HpackEncoder().encode([['x-a', 'b'], ['user-agent', 'fc'], ['x-long', 'z'.repeat(500)]]);
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 4 }), fc.boolean(), (blocks, primed) => {
      const decoder = new HpackDecoder({ maxHeaderListSize: 700, maxStringLength: 1000 });
      if (primed) decoder.decode(primer);
      for (const b of blocks) onlyHpackErrors(decoder, b);
    }),
    { numRuns: 3000 },
  );
});

test('mutated valid blocks never throw anything but HpackError', () => {
  const valid = new HpackEncoder().encode([[':method', 'GET'], [':path', '/x'], ['x-custom', 'value'], ['cookie', 'a'.repeat(30)]]);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(valid.length), (edits, cut) => {
      const block = Buffer.from(valid);
      for (const [at, byte] of edits) block[at] = byte;
      onlyHpackErrors(new HpackDecoder(), block.subarray(0, cut));
      onlyHpackErrors(new HpackDecoder(), block);
    }),
    { numRuns: 3000 },
  );
});

test('Huffman round-trips any octet string', () => {
  fc.assert(
    fc.property(octets(200), (s) => {
      const enc = Buffer.alloc(huffmanEncodedLength(s));
      assert.equal(huffmanEncode(s, enc, 0), enc.length);
      const out = Buffer.alloc(Math.ceil((enc.length * 8) / 5));
      const n = huffmanDecode(enc, 0, enc.length, out);
      assert.equal(out.toString('latin1', 0, n), s);
    }),
    { numRuns: 1000 },
  );
});

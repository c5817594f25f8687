// Header-list limits (RFC 9113 §6.5.2 counting) and HPACK bombs: the list limit is crossed, the
// block is still decoded to its end so the dynamic table stays in sync, and the decoder goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_MAX_HEADER_LIST_SIZE,
  HpackDecoder,
  HpackEncoder,
  HpackError,
} from '../../../../src/wire/h2/hpack/index.js';
import { encodeInteger } from '../../../../src/wire/h2/hpack/integer.js';

function listTooLarge(fn: () => unknown): HpackError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof HpackError, `expected an HpackError, got ${String(caught)}`);
  assert.equal(caught.code, 'HEADER_LIST_TOO_LARGE');
  return caught;
}

test('maxHeaderListSize counts name + value + 32 per field: at the limit passes, one octet over fails', () => {
  const fields: Array<[string, string]> = [['x-a', '1234'], ['x-b', '5678']]; // (3 + 4 + 32) × 2 = 78
  const block = new HpackEncoder().encode(fields);
  assert.deepEqual(new HpackDecoder({ maxHeaderListSize: 78 }).decode(block), fields);
  const err = listTooLarge(() => new HpackDecoder({ maxHeaderListSize: 77 }).decode(block));
  assert.equal(err.offset, block.length); // decoded to the end
  assert.equal(DEFAULT_MAX_HEADER_LIST_SIZE, 65536);
});

test('after HEADER_LIST_TOO_LARGE the table is in sync and the next block decodes', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder({ maxHeaderListSize: 200 });
  const big: Array<[string, string]> = [['x-first', 'a'.repeat(100)], ['x-second', 'b'.repeat(100)], ['x-third', 'c']];
  listTooLarge(() => decoder.decode(encoder.encode(big)));
  // The next block refers to all three entries added by the refused block.
  const again = encoder.encode([['x-third', 'c'], ['x-first', 'a'.repeat(100)]]);
  assert.ok(again.length <= 2, 'both fields are table references');
  assert.deepEqual(decoder.decode(again), [['x-third', 'c'], ['x-first', 'a'.repeat(100)]]);
  // The limit is settable between blocks.
  decoder.maxHeaderListSize = 100;
  listTooLarge(() => decoder.decode(again));
});

test('HPACK bomb: 1 MiB of one-octet references to a 4 KB entry stops at the list limit, in bounded memory', () => {
  const decoder = new HpackDecoder();
  // One 4,000-octet entry: name 'x', Huffman-free value.
  const value = 'v'.repeat(3967); // 32 + 1 + 3967 = 4000 ≤ 4096
  // Our encoder would not index an entry this large (over 3/4 of the table); a peer's may.
  const len = Buffer.alloc(6);
  const lenEnd = encodeInteger(len, 0, value.length, 7, 0);
  decoder.decode(Buffer.concat([Buffer.from('400178', 'hex'), len.subarray(0, lenEnd), Buffer.from(value, 'latin1')]));
  assert.equal(decoder.tableSize, 4000);
  // Each 0xbe octet (index 62) would add 4,000 octets to the list: 4 GB for the whole block.
  const bomb = Buffer.alloc(1 << 20, 0xbe);
  const before = process.memoryUsage().heapUsed;
  const err = listTooLarge(() => decoder.decode(bomb));
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(err.offset, bomb.length);
  assert.match(err.message, /header list of 4194304000 octets exceeds maxHeaderListSize 65536/);
  // A list of a million [name, value] pairs would take tens of MB; we keep none past the limit.
  assert.ok(grown < 16 * 1024 * 1024, `heap grew by ${grown} octets`);
  // The decoder is still usable.
  assert.deepEqual(decoder.decode(Buffer.from('be', 'hex')), [['x', value]]);
});

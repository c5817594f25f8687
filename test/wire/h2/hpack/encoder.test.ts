// The encoder's choices: representations, indexing policy, never-indexed fields, Huffman modes and
// dynamic table size updates (RFC 7541 §4.2, §6.3), each checked on the bytes and by decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HpackDecoder,
  HpackEncoder,
  isSensitiveField,
  shouldIndexField,
  SENSITIVE_COOKIE_LENGTH,
} from '../../../../src/wire/h2/hpack/index.js';

type Field = [string, string];
const hex = (b: Buffer) => b.toString('hex');

test('exact matches are one-octet references: static first, then the dynamic table', () => {
  const encoder = new HpackEncoder({ huffman: 'never' });
  assert.equal(hex(encoder.encode([[':method', 'GET'], [':status', '404']])), '828d');
  assert.equal(hex(encoder.encode([['x-id', 'abc']])), '4004782d696403616263'); // new name, indexed
  assert.equal(hex(encoder.encode([['x-id', 'abc']])), 'be'); // now index 62
  assert.equal(hex(encoder.encode([['x-id', 'xyz']])), '7e0378797a'); // name from index 62, value literal
  assert.equal(hex(encoder.encode([['x-id', 'abc'], ['x-id', 'xyz']])), 'bfbe'); // both entries, newest first
  assert.equal(hex(encoder.encode([['accept', 'text/html']])), '5309746578742f68746d6c'); // static name 19
});

test('never-indexed: authorization, proxy-authorization, short cookies, the sensitive set, neverIndex', () => {
  assert.ok(isSensitiveField('authorization', 'x'));
  assert.ok(isSensitiveField('proxy-authorization', 'x'));
  assert.ok(isSensitiveField('cookie', 'a'.repeat(SENSITIVE_COOKIE_LENGTH - 1)));
  assert.ok(!isSensitiveField('cookie', 'a'.repeat(SENSITIVE_COOKIE_LENGTH)));
  const encoder = new HpackEncoder({ huffman: 'never', neverIndex: (name) => name === 'x-token' });
  const decoder = new HpackDecoder();
  const fields: Field[] = [
    ['authorization', 'Bearer abc'],
    ['cookie', 'sid=1'],
    ['x-token', 't'],
    ['x-secret', 's'],
    ['cookie', 'a-much-longer-cookie=value'],
  ];
  for (let round = 0; round < 2; round++) {
    const block = encoder.encode(fields, new Set(['x-secret']));
    // authorization: never indexed, static name 23 → 0x1f 0x08.
    assert.equal(hex(block.subarray(0, 2)), '1f08');
    const never = new Set<string>();
    assert.deepEqual(decoder.decode(block, never), fields);
    assert.deepEqual([...never].sort(), ['authorization', 'cookie', 'x-secret', 'x-token']);
  }
  // Only the long cookie went into the table.
  assert.equal(encoder.tableSize, 32 + 6 + 26);
  assert.equal(decoder.tableSize, encoder.tableSize);
});

test('indexing policy: :path, age, content-length, set-cookie and oversized entries stay out of the table', () => {
  assert.ok(!shouldIndexField(':path', '/', 4096));
  assert.ok(!shouldIndexField('set-cookie', 'a=b', 4096));
  assert.ok(shouldIndexField('x-big', 'v'.repeat(3072 - 32 - 5), 4096)); // exactly 3/4 of the table
  assert.ok(!shouldIndexField('x-big', 'v'.repeat(3072 - 32 - 4), 4096));
  const encoder = new HpackEncoder();
  const fields: Field[] = [[':path', '/a/b'], ['content-length', '12'], ['age', '3'], ['set-cookie', 'a=b'], ['x-big', 'v'.repeat(3500)]];
  encoder.encode(fields);
  assert.equal(encoder.tableSize, 0);
  // Without indexing, a static name: ':path' is 0000 + index 4.
  assert.equal(encoder.encode([[':path', '/a/b']])[0], 0x04);
});

test('huffman: auto uses the code only when strictly shorter; always and never force it', () => {
  const value = 'www.example.com'; // 12 octets in Huffman vs 15
  const opaque = '\x00\x01\x02'; // 13 + 23 + 28 bits: 8 octets in Huffman vs 3
  assert.equal(hex(new HpackEncoder().encode([['x-h', value]])).slice(10, 12), '8c');
  assert.equal(hex(new HpackEncoder({ huffman: 'never' }).encode([['x-h', value]])).slice(10, 12), '0f');
  assert.equal(hex(new HpackEncoder().encode([['x-h', opaque]])).slice(10, 12), '03');
  assert.equal(hex(new HpackEncoder({ huffman: 'always' }).encode([['x-h', opaque]])).slice(10, 12), '88');
  for (const huffman of ['auto', 'always', 'never'] as const) {
    const fields: Field[] = [['x-h', value], ['x-o', opaque], ['x-e', '']];
    assert.deepEqual(new HpackDecoder().decode(new HpackEncoder({ huffman }).encode(fields)), fields);
  }
  assert.throws(() => new HpackEncoder({ huffman: 'maybe' as 'auto' }), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('setMaxTableSize: the next block opens with the update; the table shrinks at once', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const fields: Field[] = [['x-one', 'a'.repeat(600)], ['x-two', 'b'.repeat(600)]];
  decoder.decode(encoder.encode(fields));
  assert.equal(encoder.tableSize, 2 * (32 + 5 + 600));
  encoder.setMaxTableSize(1024);
  decoder.maxTableSize = 1024;
  const block = encoder.encode([['x-two', 'b'.repeat(600)]]);
  assert.equal(hex(block), '3fe107be'); // update to 1024, then x-two still at 62
  assert.deepEqual(decoder.decode(block), [['x-two', 'b'.repeat(600)]]);
  assert.equal(encoder.tableSize, 32 + 5 + 600);
  assert.equal(decoder.tableSize, encoder.tableSize);
  // No change, no update.
  encoder.setMaxTableSize(1024);
  assert.equal(hex(encoder.encode([[':method', 'GET']])), '82');
});

test('setMaxTableSize: shrunk then grown between blocks sends the smallest, then the final size', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decoder.decode(encoder.encode([['x-a', 'b']]));
  encoder.setMaxTableSize(0);
  encoder.setMaxTableSize(2048);
  encoder.setMaxTableSize(4096);
  decoder.maxTableSize = 0;
  decoder.maxTableSize = 4096;
  const block = encoder.encode([['x-a', 'b']]);
  assert.equal(hex(block.subarray(0, 4)), '203fe11f'); // 0, then 4096
  assert.deepEqual(decoder.decode(block), [['x-a', 'b']]);
  assert.equal(encoder.tableSize, 32 + 3 + 1); // re-inserted after the flush
  assert.equal(decoder.tableSize, encoder.tableSize);
});

test('our cap bounds the table whatever the peer allows; a cap under 4096 is announced in the first block', () => {
  const small = new HpackEncoder({ maxTableSize: 100 });
  assert.equal(hex(small.encode([[':method', 'GET']])), '3f4582'); // update to 100
  small.setMaxTableSize(65536);
  assert.equal(hex(small.encode([[':method', 'GET']])), '82'); // still 100: nothing to announce
  const big = new HpackEncoder({ maxTableSize: 65536 });
  assert.equal(hex(big.encode([[':method', 'GET']])), '82'); // the peer's 4096 rules until it says more
  big.setMaxTableSize(16384);
  assert.equal(hex(big.encode([[':method', 'GET']])), '3fe17f82');
  const decoder = new HpackDecoder();
  decoder.maxTableSize = 16384;
  assert.deepEqual(decoder.decode(Buffer.from('3fe17f82', 'hex')), [[':method', 'GET']]);
  assert.throws(() => big.setMaxTableSize(-1), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => big.setMaxTableSize(2 ** 32), { code: 'ERR_OUT_OF_RANGE' });
});

test('a zero-size table indexes nothing and still round-trips', () => {
  const encoder = new HpackEncoder({ maxTableSize: 0 });
  const decoder = new HpackDecoder();
  const fields: Field[] = [['x-a', 'b'], ['x-a', 'b']];
  for (let i = 0; i < 3; i++) assert.deepEqual(decoder.decode(encoder.encode(fields)), fields);
  assert.equal(encoder.tableSize, 0);
  assert.equal(decoder.tableSize, 0);
});

test('eviction keeps the lookup maps right: an evicted entry is never referenced', () => {
  const encoder = new HpackEncoder({ maxTableSize: 200 }); // room for 3 entries of ~50 octets
  const decoder = new HpackDecoder();
  for (let i = 0; i < 50; i++) {
    const fields: Field[] = [['x-k', `value-${i % 7}`], [`x-n${i % 5}`, 'v'], ['x-k', `value-${(i * 3) % 7}`]];
    assert.deepEqual(decoder.decode(encoder.encode(fields)), fields, `round ${i}`);
    assert.equal(decoder.tableSize, encoder.tableSize);
    assert.ok(encoder.tableSize <= 200);
  }
});

test('local misuse: non-string fields throw ERR_INVALID_ARG_TYPE', () => {
  const encoder = new HpackEncoder();
  assert.throws(() => encoder.encode([['x', 1 as unknown as string]]), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => encoder.encode('x' as unknown as Field[]), { code: 'ERR_INVALID_ARG_TYPE' });
});

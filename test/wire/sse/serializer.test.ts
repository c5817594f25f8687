// Serializer: exact bytes for the documented shapes, refusals for injection attempts, and
// round-trips through the parser (property-based, with random chunking).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createEventStreamParser, serializeComment, serializeEvent } from '../../../src/wire/sse/index.js';
import type { ServerSentEvent } from '../../../src/wire/sse/index.js';
import { cutAt } from './support.js';

function parseAll(chunks: (string | Uint8Array)[]): { events: ServerSentEvent[]; retries: number[] } {
  const events: ServerSentEvent[] = [];
  const retries: number[] = [];
  const p = createEventStreamParser({ onEvent: (e) => events.push(e), onRetry: (r) => retries.push(r) });
  for (const c of chunks) p.feed(typeof c === 'string' ? Buffer.from(c) : c);
  p.end();
  return { events, retries };
}

test('exact output for the common shapes', () => {
  assert.equal(serializeEvent({ data: 'hi' }), 'data: hi\n\n');
  assert.equal(serializeEvent({ event: 'tick', id: '7', retry: 2500, data: 'a\nb' }), 'event: tick\nid: 7\nretry: 2500\ndata: a\ndata: b\n\n');
  assert.equal(serializeEvent({ data: '' }), 'data:\n\n');
  assert.equal(serializeEvent({ data: 'x\r\ny\rz\n' }), 'data: x\ndata: y\ndata: z\ndata:\n\n');
  assert.equal(serializeEvent({ id: '' }), 'id\n\n');
  assert.equal(serializeEvent({ event: '', data: 'a' }), 'data: a\n\n');
  assert.equal(serializeComment('keep-alive'), ': keep-alive\n');
  assert.equal(serializeComment(), ':\n');
  assert.equal(serializeComment('a\nb'), ': a\n: b\n');
});

test('CR or LF in event or id throws instead of corrupting the stream', () => {
  for (const bad of ['a\nb', 'a\rb', 'a\r\nb', '\n']) {
    assert.throws(() => serializeEvent({ event: bad, data: 'x' }), { name: 'TypeError', code: 'ERR_INVALID_CHAR' });
    assert.throws(() => serializeEvent({ id: bad, data: 'x' }), { name: 'TypeError', code: 'ERR_INVALID_CHAR' });
  }
  assert.throws(() => serializeEvent({ id: 'a\0b', data: 'x' }), { code: 'ERR_INVALID_CHAR', message: /NULL/ });
});

test('bad types and retry values are refused', () => {
  assert.throws(() => serializeEvent({ data: 5 as unknown as string }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => serializeEvent({ event: {} as unknown as string }), { code: 'ERR_INVALID_ARG_TYPE' });
  for (const r of [-1, 1.5, NaN, Infinity, '5' as unknown as number]) {
    assert.throws(() => serializeEvent({ retry: r }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  }
  assert.throws(() => serializeComment(1 as unknown as string), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('a data value starting with spaces or colons survives', () => {
  const { events } = parseAll([serializeEvent({ data: '  two spaces\n:colon\n' })]);
  assert.deepEqual(events.map((e) => e.data), ['  two spaces\n:colon\n']);
});

const singleLine = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !/[\r\n\0]/.test(s));

test('round-trip: any events, any chunking, parse back to the same events (CR normalised to LF)', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          data: fc.string({ unit: 'grapheme', maxLength: 30 }),
          event: singleLine,
          id: singleLine,
          retry: fc.option(fc.nat(), { nil: undefined }),
          comment: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
        }),
        { maxLength: 8 },
      ),
      fc.array(fc.nat(), { maxLength: 6 }),
      (events, cuts) => {
        const text = events
          .map((e) => (e.comment !== undefined ? serializeComment(e.comment) : '') + serializeEvent({ data: e.data, event: e.event, id: e.id, retry: e.retry }))
          .join('');
        // Cut the UTF-8 bytes (not the UTF-16 text): multi-byte characters get split too.
        const bytes = Buffer.from(text);
        const { events: got, retries } = parseAll(cutAt(bytes, cuts));
        assert.deepEqual(
          got.map((e) => [e.type, e.data, e.lastEventId]),
          events.map((e) => [e.event === '' ? 'message' : e.event, e.data.replace(/\r\n|\r/g, '\n'), e.id]),
        );
        assert.deepEqual(retries, events.flatMap((e) => (e.retry === undefined ? [] : [e.retry])));
      },
    ),
    { numRuns: 300 },
  );
});

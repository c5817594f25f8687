// Event-stream parser transcripts (WHATWG HTML §9.2.5-9.2.6). Every case is run whole, at every
// split point of its UTF-8 bytes (two chunks), at every split point of its text, and one byte at
// a time: chunk boundaries must never change what is dispatched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createEventStreamParser } from '../../../src/wire/sse/index.js';
import type { EventStreamParserOptions } from '../../../src/wire/sse/index.js';
import { cutAt } from './support.js';

type Extra = Omit<EventStreamParserOptions, 'onEvent'>;

function run(chunks: (Uint8Array | string)[], extra: Extra = {}): string[] {
  const log: string[] = [];
  const p = createEventStreamParser({
    ...extra,
    onEvent: (e) => log.push(`${e.type}|${JSON.stringify(e.data)}|${JSON.stringify(e.lastEventId)}`),
    onRetry: (ms) => log.push(`retry ${ms}`),
    onComment: (c) => log.push(`comment ${JSON.stringify(c)}`),
    onError: (err) => log.push(`error ${err.code}`),
  });
  for (const c of chunks) p.feed(c);
  p.end();
  log.push(`last ${JSON.stringify(p.lastEventId)}`);
  return log;
}

/** Run `input` every way it can be chunked and check the log is always `expected`. */
function transcript(name: string, input: string | Uint8Array, expected: string[], extra: Extra = {}): void {
  test(name, () => {
    const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
    const want = [...expected];
    assert.deepEqual(run([bytes], extra), want, 'whole');
    for (let i = 0; i <= bytes.length; i++) {
      assert.deepEqual(run([bytes.subarray(0, i), bytes.subarray(i)], extra), want, `bytes split at ${i}`);
    }
    assert.deepEqual(run(Array.from(bytes, (b) => Uint8Array.of(b)), extra), want, 'byte by byte');
    if (typeof input === 'string') {
      for (let i = 0; i <= input.length; i++) {
        assert.deepEqual(run([input.slice(0, i), input.slice(i)], extra), want, `text split at ${i}`);
      }
    }
  });
}

const last = (id: string) => `last ${JSON.stringify(id)}`;

transcript('one event, LF', 'data: hello\n\n', ['message|"hello"|""', last('')]);
transcript('CRLF line ends', 'data: a\r\ndata: b\r\n\r\n', ['message|"a\\nb"|""', last('')]);
transcript('bare CR line ends', 'data: a\rdata: b\r\r', ['message|"a\\nb"|""', last('')]);
transcript('mixed line ends', 'data: 1\r\n\rdata: 2\n\r\ndata: 3\r\n', ['message|"1"|""', 'message|"2"|""', last('')]);
transcript('CR then LF is one break, CR CR is two', 'data: x\r\r\ndata: y\r\n\r\n', ['message|"x"|""', 'message|"y"|""', last('')]);
transcript('BOM skipped once at the start', '\uFEFFdata: a\n\n\uFEFFdata: b\n\n', ['message|"a"|""', last('')]);
transcript('second BOM makes an unknown field name', '\uFEFF\uFEFFdata: a\n\n', [last('')]);
transcript('only one leading space removed', 'data:  two\ndata:none\ndata: \n\n', ['message|" two\\nnone\\n"|""', last('')]);
transcript('line without colon is a field with empty value', 'data\ndata\n\n', ['message|"\\n"|""', last('')]);
transcript('data: with empty value dispatches an empty string', 'data:\n\n', ['message|""|""', last('')]);
transcript('no data: blank line dispatches nothing', 'event: x\n\ndata: y\n\n', ['message|"y"|""', last('')]);
transcript('event type applies to one event, then resets', 'event: ping\ndata: 1\n\ndata: 2\n\n', ['ping|"1"|""', 'message|"2"|""', last('')]);
transcript('empty event field means message', 'event:\ndata: 1\n\n', ['message|"1"|""', last('')]);
transcript('field names are case-sensitive', 'Data: no\nDATA: no\nEvent: x\ndata: yes\n\n', ['message|"yes"|""', last('')]);
transcript('unknown fields ignored', 'foo: bar\nx\ndata: ok\n\n', ['message|"ok"|""', last('')]);
transcript('colon inside value kept', 'data: a:b: c\n\n', ['message|"a:b: c"|""', last('')]);
transcript('comments', ': hi\n:no space\n:\ndata: x\n\n', ['comment "hi"', 'comment "no space"', 'comment ""', 'message|"x"|""', last('')]);
transcript('id persists across events', 'id: 1\ndata: a\n\ndata: b\n\n', ['message|"a"|"1"', 'message|"b"|"1"', last('1')]);
transcript('empty id resets', 'id: 1\ndata: a\n\nid\ndata: b\n\n', ['message|"a"|"1"', 'message|"b"|""', last('')]);
transcript('id containing NULL ignored', 'id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\n', ['message|"a"|"1"', 'message|"b"|"1"', last('1')]);
transcript('id-only event updates last event ID without dispatch', 'id: 9\n\n', [last('9')]);
transcript('id of an unfinished event is not kept at EOF', 'id: 1\ndata: a\n\nid: 2\ndata: b\n', ['message|"a"|"1"', last('1')]);
transcript('retry digits only', 'retry: 1500\nretry: 15x\nretry: -1\nretry:\nretry: 1.5\nretry:  20\nretry:007\n', ['retry 1500', 'retry 7', last('')]);
transcript('incomplete event dropped at EOF', 'data: a\n\ndata: b\n', ['message|"a"|""', last('')]);
transcript('unterminated last line dropped', 'data: a\n\ndata: b', ['message|"a"|""', last('')]);
transcript('multi-byte characters', 'data: ação 😀 日本\n\n', ['message|"ação 😀 日本"|""', last('')]);
transcript('invalid UTF-8 becomes U+FFFD', Uint8Array.from([...Buffer.from('data: a'), 0xff, 0xc3, ...Buffer.from('\n\n')]), [
  'message|"a\uFFFD\uFFFD"|""',
  last(''),
]);
transcript('garbage never dispatches', '\u0000\u0001zzz\n:::\n\t\n  \nnotdata: q\n', ['comment "::"', last('')]);
transcript('trailing LF rule removes one LF only', 'data: a\ndata:\ndata:\n\n', ['message|"a\\n\\n"|""', last('')]);

test('initial last event ID is used until the stream sets one', () => {
  assert.deepEqual(run(['data: a\n\nid: 4\ndata: b\n\n'], { lastEventId: '3' }), ['message|"a"|"3"', 'message|"b"|"4"', last('4')]);
});

test('the BOM rule counts the first character of the stream, whatever chunk brings it', () => {
  assert.deepEqual(run(['', new Uint8Array(0), '\uFEFFdata: a\n\n']), ['message|"a"|""', last('')]);
  assert.deepEqual(run([Uint8Array.of(0xef), Uint8Array.of(0xbb), Uint8Array.of(0xbf), 'data: a\n\n']), ['message|"a"|""', last('')]);
});

test('an endless line crosses maxBufferSize: one error, then input is ignored, memory stays bounded', () => {
  const log: string[] = [];
  const p = createEventStreamParser({ maxBufferSize: 1000, onEvent: (e) => log.push(e.data), onError: (e) => log.push(e.code) });
  const chunk = 'x'.repeat(100);
  for (let i = 0; i < 100; i++) p.feed(chunk);
  assert.deepEqual(log, ['ERR_SSE_BUFFER_OVERFLOW']);
  assert.equal(p.failed, true);
  p.feed('\n\ndata: later\n\n');
  assert.deepEqual(log, ['ERR_SSE_BUFFER_OVERFLOW']);
  p.reset();
  p.feed('data: again\n\n');
  assert.deepEqual(log, ['ERR_SSE_BUFFER_OVERFLOW', 'again']);
});

test('an endless event (many data lines, no blank line) crosses maxBufferSize', () => {
  const log: string[] = [];
  const p = createEventStreamParser({ maxBufferSize: 1000, onEvent: (e) => log.push(e.data), onError: (e) => log.push(e.code) });
  for (let i = 0; i < 200; i++) p.feed('data: 0123456789\n');
  assert.deepEqual(log, ['ERR_SSE_BUFFER_OVERFLOW']);
});

test('just under maxBufferSize still dispatches', () => {
  const log: string[] = [];
  const p = createEventStreamParser({ maxBufferSize: 1000, onEvent: (e) => log.push(e.data), onError: (e) => log.push(e.code) });
  const data = 'y'.repeat(990);
  for (let i = 0; i < data.length; i += 7) p.feed(`${i === 0 ? 'data: ' : ''}${data.slice(i, i + 7)}`);
  p.feed('\n\n');
  assert.deepEqual(log, [data]);
});

test('a long line fed in tiny chunks is linear (fragments joined once)', () => {
  const p = createEventStreamParser({ onEvent: (e) => got.push(e.data.length) });
  const got: number[] = [];
  p.feed('data: ');
  for (let i = 0; i < 200_000; i++) p.feed('ab');
  p.feed('\n\n');
  assert.deepEqual(got, [400_000]);
});

test('many colon-less lines in one chunk are processed in linear time', () => {
  const p = createEventStreamParser({ onEvent: () => assert.fail('nothing to dispatch') });
  const start = process.hrtime.bigint();
  p.feed('a\n'.repeat(200_000) + 'z:');
  // Generous bound: a quadratic scan of 400 KB would take tens of seconds.
  assert.ok(process.hrtime.bigint() - start < 2_000_000_000n);
});

test('invalid maxBufferSize is a local misuse error', () => {
  assert.throws(() => createEventStreamParser({ onEvent() {}, maxBufferSize: 0 }), RangeError);
});

test('property: any bytes, any chunking: never throws, same log as one chunk, bounded', () => {
  // Bytes drawn mostly from the characters that matter to the grammar, plus anything.
  const interesting = fc.constantFrom(...Buffer.from('data:event:id:retry: \r\n\r\n:0123\u0000'), 0xef, 0xbb, 0xbf, 0xc3, 0xa7, 0xff);
  fc.assert(
    fc.property(fc.array(
        fc.oneof(
          { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 6 },
          { arbitrary: interesting, weight: 3 },
          { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 },
        ),
        { maxLength: 300, size: 'max' },
      ), fc.array(fc.nat(), { maxLength: 8, size: 'max' }), (arr, cuts) => {
      const bytes = Uint8Array.from(arr);
      // A small limit, so that overflows are common and must not depend on chunking either.
      const whole = run([bytes], { maxBufferSize: 24 });
      assert.deepEqual(run(cutAt(bytes, cuts), { maxBufferSize: 24 }), whole);
    }),
    { numRuns: 400 },
  );
});

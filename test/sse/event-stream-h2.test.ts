// The server helper over HTTP/2 (node:http2's compatibility API): it writes no connection-specific
// field (node:http2 would throw ERR_HTTP2_INVALID_CONNECTION_HEADERS), flushes the head at once,
// reads Last-Event-ID, and closes when the client resets the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createEventStreamParser } from '../../src/wire/sse/index.js';
import type { ServerSentEvent } from '../../src/wire/sse/index.js';
import { eventStream } from '../../src/sse/event-stream.js';
import type { EventStream } from '../../src/sse/event-stream.js';
import { ReplayBuffer } from '../../src/sse/replay-buffer.js';

test('over HTTP/2: headers, replay after Last-Event-ID, live events, close on stream reset', { timeout: 15_000 }, async () => {
  const replay = new ReplayBuffer();
  for (const d of ['a', 'b', 'c']) replay.push({ data: d });
  let stream: EventStream | undefined;
  const server = http2.createServer((req, res) => {
    stream = eventStream(req, res, { keepAlive: 0, replay });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const req = client.request({ ':path': '/events', accept: 'text/event-stream', 'last-event-id': '1' });
    const [head] = (await once(req, 'response')) as [http2.IncomingHttpHeaders];
    assert.equal(head[':status'], 200);
    assert.equal(head['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(head['cache-control'], 'no-store');
    assert.equal(head['x-accel-buffering'], 'no');
    const events: ServerSentEvent[] = [];
    let wake = (): void => {};
    const parser = createEventStreamParser({
      onEvent: (e) => {
        events.push(e);
        wake();
      },
    });
    req.on('data', (c: Buffer) => parser.feed(c));
    const until = (n: number) =>
      new Promise<void>((resolve) => {
        wake = () => events.length >= n && resolve();
        wake();
      });
    await until(2);
    assert.deepEqual(events.map((e) => [e.data, e.lastEventId]), [['b', '2'], ['c', '3']]);
    assert.equal(stream!.lastEventId, '1');
    stream!.send(replay.push({ event: 'live', data: 'd' }));
    await until(3);
    assert.deepEqual(events[2], { type: 'live', data: 'd', lastEventId: '4' });
    const closed = once(stream!, 'close');
    req.close(http2.constants.NGHTTP2_CANCEL);
    await closed;
    assert.equal(stream!.send({ data: 'late' }), false);
  } finally {
    client.close();
    server.close();
  }
});

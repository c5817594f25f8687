// Through a real reverse proxy: nginx (its default proxy_buffering on) in front of `eventStream`,
// trama's EventSource on the other side. Events must pass while the stream is open (the helper's
// X-Accel-Buffering: no turns nginx's buffering off), and Last-Event-ID must survive the hop on
// reconnection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventSource } from '../../src/sse/event-source.js';
import { eventStream } from '../../src/sse/event-stream.js';
import type { EventStream } from '../../src/sse/event-stream.js';
import { ReplayBuffer } from '../../src/sse/replay-buffer.js';
import { closeAllServers, listen, nextEvent, SERVER_FLAVOURS } from './support.js';
import { startNginx, type NginxInstance } from '../support/nginx.js';

const found = spawnSync('sh', ['-c', 'command -v nginx']).status === 0;
if (!found && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error('nginx is required (TRAMA_REQUIRE_PEERS=1) but not installed');
const skip = found ? false : 'nginx is not installed (apt-get install nginx-light)';

after(closeAllServers);

/** nginx as a reverse proxy to `upstreamPort`, with its default (buffering) proxy settings. */
function startProxy(upstreamPort: number): Promise<NginxInstance> {
  return startNginx(() => ({
    server: `    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout 60s;
    }`,
  }));
}

for (const flavour of SERVER_FLAVOURS) {
  test(`[${flavour.name}] through nginx: events flow while open, Last-Event-ID survives a reconnect`, { skip, timeout: 20_000 }, async () => {
    const replay = new ReplayBuffer();
    const streams = new Set<EventStream>();
    const seenIds: string[] = [];
    const upstream = await listen(
      flavour.createServer((req, res) => {
        const st = eventStream(req, res, { keepAlive: 0, replay });
        seenIds.push(st.lastEventId);
        streams.add(st);
        st.on('close', () => streams.delete(st));
      }),
    );
    const proxy = await startProxy(upstream.port);
    const es = new EventSource(`http://127.0.0.1:${proxy.port}/events`, { reconnectionTime: 10, jitter: 0 });
    try {
      await nextEvent(es, 'open');
      const got: string[] = [];
      es.onmessage = (e) => got.push(`${(e as MessageEvent).data}#${(e as MessageEvent).lastEventId}`);
      for (const s of streams) s.send(replay.push({ data: 'small' }));
      // One small event, the stream still open: a buffering proxy would sit on it.
      await nextEvent(es, 'message');
      assert.deepEqual(got, ['small#1']);
      replay.push({ data: 'missed' });
      for (const s of streams) s.close();
      await nextEvent(es, 'error');
      await nextEvent(es, 'message');
      assert.deepEqual(got, ['small#1', 'missed#2']);
      assert.deepEqual(seenIds, ['', '1']);
    } finally {
      es.close();
      await proxy.stop();
      await upstream.close();
    }
  });
}

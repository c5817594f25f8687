// Through a real reverse proxy: nginx (its default proxy_buffering on) in front of `eventStream`,
// trama's EventSource on the other side. Events must pass while the stream is open (the helper's
// X-Accel-Buffering: no turns nginx's buffering off), and Last-Event-ID must survive the hop on
// reconnection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import { EventSource } from '../../src/sse/event-source.js';
import { eventStream } from '../../src/sse/event-stream.js';
import type { EventStream } from '../../src/sse/event-stream.js';
import { ReplayBuffer } from '../../src/sse/replay-buffer.js';
import { closeAllServers, listen, nextEvent, SERVER_FLAVOURS } from './support.js';

const found = spawnSync('sh', ['-c', 'command -v nginx']).status === 0;
if (!found && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error('nginx is required (TRAMA_REQUIRE_PEERS=1) but not installed');
const skip = found ? false : 'nginx is not installed (apt-get install nginx-light)';

after(closeAllServers);

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function startNginx(upstreamPort: number): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'trama-sse-nginx-'));
  chmodSync(dir, 0o755); // workers may run as another user when we are root
  mkdirSync(join(dir, 'tmp'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')};
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'tmp')};
  proxy_temp_path ${join(dir, 'tmp')};
  fastcgi_temp_path ${join(dir, 'tmp')};
  uwsgi_temp_path ${join(dir, 'tmp')};
  scgi_temp_path ${join(dir, 'tmp')};
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout 60s;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn('nginx', ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
    const proxy = await startNginx(upstream.port);
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

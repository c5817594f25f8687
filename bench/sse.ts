/**
 * SSE broadcast benchmark (`npm run bench:sse`): one server holding 2,000 open event streams.
 *
 * Rows, in one run, same clients:
 * - `node:http hand-written`: the anchor, a minimal SSE endpoint on node:http (`writeHead`,
 *   one pre-built string written to every response);
 * - `trama eventStream on node:http`: trama's helper (`prepareEvent` once, `send` per stream);
 * - `trama eventStream on trama server`: the same on trama's own server.
 *
 * Measured per row:
 * - broadcast latency: one event written to every stream → the last client has it (median and
 *   max of BENCH_BROADCASTS single broadcasts, each waited for);
 * - sustained rate: BENCH_BURST broadcasts back to back (one per macrotask), deliveries/s;
 * - memory per open stream: (heap + external) and RSS given back when the streams close (both
 *   after a GC), divided by the streams. RSS barely shrinks after a GC (freed pages are kept), so
 *   the heap figure is the one to compare.
 *
 * Second part, the client side: one EventSource receiving BENCH_CLIENT_EVENTS events as fast as a
 * server (a child process, pinned to core 1) can push them: trama's EventSource on trama's client,
 * the same on node's `http.request`, and undici's EventSource (the anchor), in one run.
 *
 * The clients live in a child process (raw sockets that count blank lines; no parsing cost to
 * speak of), pinned to core 1; this process (the servers) is pinned to core 0, with `taskset`
 * when available. The machine may be shared: figures are noisy, compare rows of one run.
 * Env: BENCH_STREAMS (2000), BENCH_BROADCASTS (20), BENCH_BURST (50), BENCH_ROUNDS (2), BENCH_CLIENT_EVENTS (200000),
 * BENCH_SSE_PART (`server`, `client`, or both when unset).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EventSource as UndiciEventSource } from 'undici';
import { eventStream, prepareEvent } from '../src/sse/index.js';
import { EventSource } from '../src/sse/event-source.js';
import { createServer as tramaCreateServer } from '../src/http/server.js';
import type { EventStream } from '../src/sse/index.js';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 2000);
const BROADCASTS = Number(process.env.BENCH_BROADCASTS ?? 20);
const BURST = Number(process.env.BENCH_BURST ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CLIENT_EVENTS = Number(process.env.BENCH_CLIENT_EVENTS ?? 200_000);
const SELF = fileURLToPath(import.meta.url);
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

type Msg = { type: 'ready' } | { type: 'got'; count: number } | { type: 'closed' };

// ---------------------------------------------------------------- client role (child process)

function clientRole(port: number, n: number): void {
  const request = Buffer.from(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  const reached: number[] = []; // reached[c] = how many connections have seen at least c events
  const sockets: net.Socket[] = [];
  let ready = 0;
  const send = (m: Msg): void => void process.send!(m);
  const bump = (c: number): void => {
    reached[c] = (reached[c] ?? 0) + 1;
    if (reached[c] === n) send({ type: 'got', count: c });
  };
  const open = (): void => {
    if (sockets.length >= n) return;
    const s = net.connect(port, '127.0.0.1');
    sockets.push(s);
    let headersDone = false;
    let count = 0;
    let lastWasLF = false;
    s.on('data', (chunk: Buffer) => {
      let i = 0;
      if (!headersDone) {
        const end = chunk.indexOf('\r\n\r\n');
        if (end === -1) return; // (heads arrive in one segment on loopback)
        headersDone = true;
        i = end + 4;
        if (++ready === n) send({ type: 'ready' });
        setImmediate(open);
      }
      // Count "\n\n" (the blank line ending each event), across chunk boundaries too.
      for (; i < chunk.length; i++) {
        const isLF = chunk[i] === 0x0a;
        if (isLF && lastWasLF) {
          bump(++count);
          lastWasLF = false;
        } else lastWasLF = isLF;
      }
    });
    s.on('error', () => {});
    s.write(request);
  };
  // A few connections in flight at a time: the accept queue never overflows.
  for (let i = 0; i < Math.min(50, n); i++) open();
  process.on('message', (m: { type: string }) => {
    if (m.type === 'close') {
      for (const s of sockets) s.destroy();
      send({ type: 'closed' });
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------- push server role (child process)

function pushRole(): void {
  // 1,000 events serialized once; the stream is that block written until `n` events went out.
  const block = Array.from({ length: 1000 }, (_, i) => `id: ${i}\ndata: {"seq":${i},"symbol":"EURUSD","bid":1.0842}\n\n`).join('');
  const server = http.createServer((req, res) => {
    const n = Number(new URL(req.url!, 'http://x').searchParams.get('n'));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    let left = Math.ceil(n / 1000);
    const pump = (): void => {
      while (left > 0) {
        left--;
        if (!res.write(block)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

interface Receiver {
  name: string;
  open(url: string, onMessage: () => void): { close(): void };
}

async function clientSide(): Promise<void> {
  const args = [...process.execArgv, SELF, 'push'];
  const child = hasTaskset
    ? spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [{ port }] = (await once(child, 'message')) as [{ port: number }];
  const receivers: Receiver[] = [
    {
      name: 'undici EventSource',
      open(url, onMessage) {
        const es = new UndiciEventSource(url);
        es.onmessage = onMessage;
        return es;
      },
    },
    {
      name: 'trama EventSource (trama client)',
      open(url, onMessage) {
        const es = new EventSource(url);
        es.onmessage = onMessage;
        return es;
      },
    },
    {
      name: 'trama EventSource (node http.request)',
      open(url, onMessage) {
        const es = new EventSource(url, { request: http.request });
        es.onmessage = onMessage;
        return es;
      },
    },
  ];
  const run = (r: Receiver, n: number): Promise<number> =>
    new Promise((resolve) => {
      let got = 0;
      const t0 = process.hrtime.bigint();
      const es = r.open(`http://127.0.0.1:${port}/?n=${n}`, () => {
        if (++got === n) {
          es.close();
          resolve(Number(process.hrtime.bigint() - t0) / 1e9);
        }
      });
    });
  for (const r of receivers) await run(r, Math.min(20_000, CLIENT_EVENTS)); // warm-up
  const bestS = receivers.map(() => Infinity);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < receivers.length; i++) bestS[i] = Math.min(bestS[i]!, await run(receivers[i]!, CLIENT_EVENTS));
  }
  const rows = receivers.map((r, i) => ({ client: r.name, 'events/s': Math.round(CLIENT_EVENTS / bestS[i]!), 'ms total': +(bestS[i]! * 1000).toFixed(1) }));
  child.kill();
  console.log(`\nOne EventSource receiving ${CLIENT_EVENTS} events, best of ${ROUNDS} rounds (server core 1, client core 0)`);
  console.table(rows);
  const anchor = Number(rows[0]!['events/s']);
  for (const r of rows.slice(1)) console.log(`${r.client} vs ${rows[0]!.client}: ×${(Number(r['events/s']) / anchor).toFixed(2)}`);
}

// ---------------------------------------------------------------- server side (this process)

interface Flavour {
  name: string;
  start(): Promise<{ server: http.Server; broadcast(seq: number): void; open(): number }>;
}

const payload = (seq: number): string => JSON.stringify({ seq, symbol: 'EURUSD', bid: 1.0842, ask: 1.0844 });

const handWritten: Flavour = {
  name: 'node:http hand-written',
  async start() {
    const clients = new Set<http.ServerResponse>();
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.flushHeaders();
      clients.add(res);
      res.on('close', () => clients.delete(res));
    });
    return {
      server,
      broadcast(seq) {
        const text = `id: ${seq}\ndata: ${payload(seq)}\n\n`;
        for (const r of clients) r.write(text);
      },
      open: () => clients.size,
    };
  },
};

function helperOn(name: string, createServer: (h: http.RequestListener) => http.Server): Flavour {
  return {
    name,
    async start() {
      const streams = new Set<EventStream>();
      const server = createServer((req, res) => {
        const st = eventStream(req, res, { keepAlive: 0 });
        streams.add(st);
        st.on('close', () => streams.delete(st));
      });
      return {
        server,
        broadcast(seq) {
          const ev = prepareEvent({ id: String(seq), data: payload(seq) });
          for (const s of streams) s.send(ev);
        },
        open: () => streams.size,
      };
    },
  };
}

function memory(): { heap: number; rss: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

async function runFlavour(f: Flavour, STREAMS: number, BROADCASTS: number, BURST: number): Promise<Record<string, string | number>> {
  const { server, broadcast, open } = await f.start();
  server.listen(0, '127.0.0.1', 4096);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const args = [SELF, 'client', String(port), String(STREAMS)];
  const child: ChildProcess = hasTaskset
    ? spawn('taskset', ['-c', '1', process.execPath, ...process.execArgv, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    : spawn(process.execPath, [...process.execArgv, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters = new Map<string, () => void>();
  child.on('message', (m: Msg) => {
    const key = m.type === 'got' ? `got ${m.count}` : m.type;
    waiters.get(key)?.();
    waiters.delete(key);
  });
  const wait = (key: string): Promise<void> => new Promise((r) => waiters.set(key, r));

  await wait('ready');
  const after = memory();
  if (open() !== STREAMS) throw new Error(`${f.name}: ${open()} streams open, expected ${STREAMS}`);

  let seq = 0;
  const lat: number[] = [];
  for (let i = 0; i < BROADCASTS; i++) {
    seq++;
    const got = wait(`got ${seq}`);
    const t0 = process.hrtime.bigint();
    broadcast(seq);
    await got;
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  lat.sort((a, b) => a - b);

  const last = seq + BURST;
  const done = wait(`got ${last}`);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < BURST; i++) {
    broadcast(++seq);
    await new Promise((r) => setImmediate(r));
  }
  await done;
  const burstS = Number(process.hrtime.bigint() - t0) / 1e9;

  const closed = wait('closed');
  child.send({ type: 'close' });
  await closed;
  server.close();
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  await once(server, 'close');
  // Per-stream memory = what closing the streams gave back (after GC). Measuring against the
  // state before opening would charge the first row for pools node fills once (parsers, …).
  await new Promise((r) => setTimeout(r, 50));
  const released = memory();
  return {
    server: f.name,
    'broadcast p50 ms': +lat[Math.floor(lat.length / 2)]!.toFixed(2),
    'broadcast max ms': +lat[lat.length - 1]!.toFixed(2),
    'deliveries/s': Math.round((BURST * STREAMS) / burstS),
    'heap+ext KB/stream': +((after.heap - released.heap) / STREAMS / 1024).toFixed(2),
    'rss KB/stream': +((after.rss - released.rss) / STREAMS / 1024).toFixed(2),
  };
}

async function main(): Promise<void> {
  const part = process.env.BENCH_SSE_PART;
  if (part !== 'client') await serverSide();
  if (part !== 'server') await clientSide();
}

async function serverSide(): Promise<void> {
  const flavours: Flavour[] = [
    handWritten,
    helperOn('trama eventStream on node:http', (h) => http.createServer(h)),
    helperOn('trama eventStream on trama server', (h) => tramaCreateServer(h as never) as unknown as http.Server),
  ];
  console.log(`SSE broadcast: ${STREAMS} streams, ${BROADCASTS} timed broadcasts, burst of ${BURST}, best of ${ROUNDS} rounds; server core 0, clients core 1${hasTaskset ? '' : ' (no taskset: unpinned)'}`);
  // Warm-up (JIT, lazy module state) with a tenth of the load, not reported: the first row would
  // otherwise pay for it.
  for (const f of flavours) await runFlavour(f, Math.ceil(STREAMS / 10), 5, 10);
  // Rounds alternate the servers; each row keeps its best round (the least disturbed one on a
  // shared machine): lowest latency, highest rate, lowest memory.
  const rounds: Record<string, string | number>[][] = flavours.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < flavours.length; i++) rounds[i]!.push(await runFlavour(flavours[i]!, STREAMS, BROADCASTS, BURST));
  }
  const best = (runs: Record<string, string | number>[]): Record<string, string | number> => {
    const pick = (k: string, f: (...v: number[]) => number) => f(...runs.map((x) => Number(x[k])));
    return {
      server: runs[0]!.server!,
      'broadcast p50 ms': pick('broadcast p50 ms', Math.min),
      'broadcast max ms': pick('broadcast max ms', Math.min),
      'deliveries/s': pick('deliveries/s', Math.max),
      'heap+ext KB/stream': pick('heap+ext KB/stream', Math.min),
      'rss KB/stream': pick('rss KB/stream', Math.min),
    };
  };
  const rows = rounds.map(best);
  console.table(rows);
  const anchor = rows[0]!;
  for (const r of rows.slice(1)) {
    const ratio = (k: string): string => (Number(r[k]) / Number(anchor[k])).toFixed(2);
    console.log(
      `${r.server} vs ${anchor.server}: latency p50 ×${ratio('broadcast p50 ms')}, deliveries/s ×${ratio('deliveries/s')}, heap+ext/stream ×${ratio('heap+ext KB/stream')}`,
    );
  }
}

if (process.argv[2] === 'client') {
  clientRole(Number(process.argv[3]), Number(process.argv[4]));
} else if (process.argv[2] === 'push') {
  pushRole();
} else if (hasTaskset && process.env.BENCH_SSE_PINNED !== '1') {
  // Re-run pinned to core 0, with gc exposed for the memory figures.
  const child = spawn('taskset', ['-c', '0', process.execPath, ...process.execArgv, '--expose-gc', SELF], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_SSE_PINNED: '1' },
  });
  child.on('close', (code) => process.exit(code ?? 1));
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

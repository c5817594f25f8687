// `npm run bench:server`: node:http and trama serving the same handler, plus a node:net server that
// answers without parsing (the ceiling for any Node HTTP server), all in one run — for each of the
// handler shapes real programs have (issue 16), not only the synchronous hello world:
//   sync       answers in the 'request' listener
//   end        answers on the request's 'end' (what a body-reading handler does)
//   await      answers after `await` of a resolved promise (an async handler)
//   immediate  answers from a setImmediate callback (a handler that waited on I/O)
//   echo       a 1 KiB POST read whole and echoed back
//   express    Express 5's hello route: on node:http, and on trama through trama/register
// The ceiling runs with the GET shapes (it does not care which one). BENCH_SHAPES=sync,end picks.
//
// - Throughput: wrk (pinned to core 1) against each server (pinned to core 0), 50 connections,
//   keep-alive, then 16-deep pipelining (a Lua script).
// - Server CPU per request: h2load --h1 -n 100000 -c 50 with -m 1 and -m 16, reading the server
//   process's utime+stime from /proc/PID/stat before and after.
// - Memory per idle keep-alive connection: measured in a fresh server process of its own, started
//   with keepAliveTimeout 60 s (node and trama alike) and never put under load, so that the heap
//   and the malloc arenas have not already grown to a size where new connections fit unnoticed.
//   Warm-up: 8 connections make 50 requests each, then 500 connections make one each; they stay
//   open to the end. Then RSS is read after GC (baseline), N more connections from the driver
//   process each make one keep-alive request and read the whole response, RSS is read again after
//   GC; the figure is the growth divided by N. RSS here is RssAnon (/proc/PID/status): pages of
//   node's binary mapped in on first use (several MB when TurboFan first runs) are shared, one-off
//   and not per connection. The young generation is held at its initial 1 MB semi-spaces
//   (--min/--max-semi-space-size=1): V8 grows it while many objects survive, which they do while
//   connections pile up, by up to 32 MB whatever N is, which is no per-connection cost (heapUsed
//   is the same either way); let grow, it made node:http's figure 11.1 KiB at N=1000 and 8.9 at
//   N=4000 (Node 20), held, ~6.2 at both. The JS heap (heapUsed) and `external` growth per
//   connection are printed too, for insight; the ratio is the RSS one. Kernel socket buffers are
//   in no process's RSS.
// - Memory per open event stream (issue 16 item 4): the same, with IDLE_CONNS connections that
//   each hold a text/event-stream response open — a plain res.write stream on node:http and on
//   trama, and trama's eventStream() helper — each in a fresh server process.
//
// The machine may be shared: numbers are noisy; the ratios (same run, same conditions) are what
// to read. The servers run side by side and each measure is taken for all of them back to back
// (see main); figures are medians over rounds, ratios medians of each round's own ratios.
// Env: BENCH_SECONDS (default 5), BENCH_ROUNDS (default 3), BENCH_CONNS_IDLE (default 2000),
// BENCH_SHAPES (default all; the memory measure runs with the first shape),
// BENCH_ONLY=mem (only the memory measure; wrk and h2load are then not needed), BENCH_ONLY=load
// (no memory measure). BENCH_BASE=<another build's bench/server.js>: its trama runs too, as
// `base`, side by side in the same rounds (a before/after of a change in one run).
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as net from 'node:net';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createServer as tramaCreateServer } from '../src/index.js';
import { eventStream } from '../src/sse/index.js';
import { CLK_TCK, cpuTicks, median, rssAnon, run, startPinned, stop, type Running } from './support.js';

type Kind = 'node' | 'trama' | 'ceiling' | 'base';
const SHAPES = ['sync', 'end', 'await', 'immediate', 'echo', 'express'] as const;
type Shape = (typeof SHAPES)[number];
const BODY = 'hello world';
/** The echo shape's request body. */
const POST_BODY = 'x'.repeat(1024);
/** trama/register as built for the package (the express shape loads it into the trama server's process). */
const REGISTER = fileURLToPath(new URL('../../dist/esm/register.js', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const IDLE_CONNS = Number(process.env.BENCH_CONNS_IDLE ?? 2000);
const ONLY_MEM = process.env.BENCH_ONLY === 'mem';
const NO_MEM = process.env.BENCH_ONLY === 'load';
/** The before build of a before/after run (see the top comment). */
const BASE = process.env.BENCH_BASE ?? null;
/** keepAliveTimeout of the memory-measure servers: idle connections must outlive the measure. */
const MEM_KEEP_ALIVE_MS = 60_000;
/** Idle connections opened before the memory baseline (JIT and one-off allocations settle). */
const WARM_CONNS = 500;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

// ---------------------------------------------------------------------------------------------
// Server mode (a child process): `node server.js --serve <kind> [--mem]`; prints the port, answers
// 'mem' IPC messages with memory figures after GC. `--mem`: the server of the memory measure.

interface Mem {
  rss: number;
  heapUsed: number;
  external: number;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

function hello(res: http.ServerResponse): void {
  res.setHeader('Content-Type', 'text/plain');
  res.end(BODY);
}

/** The request handler of each shape (express: built on the http module the process has). */
function handlerFor(shape: Shape): Handler {
  switch (shape) {
    case 'sync':
      return (_req, res) => hello(res);
    case 'end':
      return (req, res) => {
        req.on('end', () => hello(res));
        req.resume();
      };
    case 'await':
      return async (_req, res) => {
        await Promise.resolve();
        hello(res);
      };
    case 'immediate':
      return (_req, res) => setImmediate(hello, res);
    case 'echo':
      return (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.setHeader('Content-Type', 'application/octet-stream');
          res.end(Buffer.concat(chunks));
        });
      };
    case 'express': {
      const express = createRequire(import.meta.url)('express') as () => Handler & { get(path: string, h: Handler): void };
      const app = express();
      app.get('/', (_req, res) => (res as unknown as { send(b: string): void }).send(BODY));
      return app;
    }
  }
}

/**
 * The memory servers also hold event streams: `/events` a plain `res.write` stream of
 * text/event-stream (what a hand-written SSE endpoint does), `/events-helper` trama's
 * `eventStream` helper; each sends one comment and stays open.
 */
function withEventStreams(handler: Handler): Handler {
  const open = new Set<unknown>(); // the helper's streams, as an app would keep them to broadcast
  return (req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(':ok\n\n');
    } else if (req.url === '/events-helper') {
      const stream = eventStream(req, res);
      open.add(stream);
      stream.on('close', () => open.delete(stream));
      stream.comment('ok');
    } else handler(req, res);
  };
}

function serve(kind: Kind, shape: Shape, forMem: boolean): void {
  let server: net.Server;
  if (kind === 'ceiling') {
    // Answers one canned response per request terminator seen, without parsing anything else.
    const res = `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nContent-Type: text/plain\r\n\r\n${BODY}`;
    const cache: string[] = [''];
    server = net.createServer({ noDelay: true }, (sock) => {
      sock.on('error', () => {});
      let carry = 0; // bytes of a possible "\r\n\r\n" split across reads
      sock.on('data', (d: Buffer) => {
        let n = 0;
        let i = d.indexOf('\r\n\r\n');
        while (i !== -1) {
          n++;
          i = d.indexOf('\r\n\r\n', i + 4);
        }
        if (n === 0 && carry > 0 && d.length < 4) n = 0;
        carry = d.length;
        if (n === 0) return;
        while (cache.length <= n) cache.push(cache[cache.length - 1] + res);
        sock.write(cache[n]!);
      });
    });
  } else {
    // Express on trama runs in a process started with trama/register: its `http` is trama's.
    const create = (kind === 'node' || shape === 'express' ? http.createServer : tramaCreateServer) as typeof http.createServer;
    server = create(forMem ? { keepAliveTimeout: MEM_KEEP_ALIVE_MS } : {}, forMem ? withEventStreams(handlerFor(shape)) : handlerFor(shape));
  }
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
  });
  process.on('message', (msg) => {
    if (msg === 'mem') {
      for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
      const { heapUsed, external } = process.memoryUsage();
      // Anonymous resident memory: RSS less the pages of files (node's binary) mapped in.
      const rss = rssAnon();
      process.send!({ rss, heapUsed, external } satisfies Mem);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// Driver.

function start(kind: Kind, shape: Shape, forMem = false): Promise<Running> {
  const args = ['--expose-gc'];
  // The young generation held at its initial size (see the top comment).
  if (forMem) args.push('--min-semi-space-size=1', '--max-semi-space-size=1');
  if (kind === 'trama' && shape === 'express') args.push('--import', REGISTER);
  // The before build's own trama/register (its dist/ beside its build/), not this one's.
  if (kind === 'base' && shape === 'express') args.push('--import', join(dirname(BASE!), '../../dist/esm/register.js'));
  if (kind === 'base') args.push(BASE!, '--serve', 'trama', shape);
  else args.push(process.argv[1]!, '--serve', kind, shape);
  if (forMem) args.push('--mem');
  return startPinned(args, kind);
}

async function wrk(port: number, script: string | null): Promise<number> {
  const args = ['-c', '1', 'wrk', '-t1', '-c50', `-d${SECONDS}s`];
  if (script) args.push('-s', script);
  args.push(`http://127.0.0.1:${port}/`);
  const out = await run('taskset', args);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`wrk output: ${out}`);
  return Number(m[1]);
}

async function cpuPerRequest(r: Running, depth: number, postFile: string | null): Promise<number> {
  const n = 100_000;
  const before = cpuTicks(r.pid);
  const args = ['-c', '1', 'h2load', '--h1', '-n', String(n), '-c', '50', '-m', String(depth)];
  if (postFile) args.push('-d', postFile);
  const out = await run('taskset', [...args, `http://127.0.0.1:${r.port}/`]);
  const after = cpuTicks(r.pid);
  const m = /requests: \d+ total, \d+ started, (\d+) done/.exec(out);
  const done = m ? Number(m[1]) : 0;
  if (done === 0) throw new Error(`h2load output: ${out}`);
  return (((after - before) / CLK_TCK) * 1e6) / done;
}

function askMem(r: Running): Promise<Mem> {
  return new Promise((resolve) => {
    r.child.once('message', (m: Mem) => resolve(m));
    r.child.send('mem');
  });
}

const IDLE_REQ = 'GET / HTTP/1.1\r\nHost: bench\r\n\r\n';

/** Opens a connection that makes `requests` keep-alive requests, one at a time, reading each whole response. */
async function openConn(port: number, requests: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.setEncoding('latin1');
  for (let i = 0; i < requests; i++) {
    await new Promise<void>((resolve, reject) => {
      let got = '';
      const onData = (d: string): void => {
        got += d;
        if (!got.endsWith(BODY)) return;
        s.off('data', onData).off('error', reject);
        resolve();
      };
      s.on('data', onData).once('error', reject);
      s.write(IDLE_REQ);
    });
  }
  return s;
}

/** Opens a connection that asks for an event stream at `path` and waits for its first comment. */
async function openStream(port: number, path: string): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.setEncoding('latin1');
  await new Promise<void>((resolve, reject) => {
    let got = '';
    const onData = (d: string): void => {
      got += d;
      if (!got.includes(':ok\n') && !got.includes(': ok\n')) return; // the helper's comment has a space
      s.off('data', onData).off('error', reject);
      resolve();
    };
    s.on('data', onData).once('error', reject);
    s.write(`GET ${path} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n`);
  });
  return s;
}

/**
 * Per-connection growth (bytes) of a fresh server's memory with IDLE_CONNS idle keep-alive
 * connections, or with IDLE_CONNS open event streams at `streamPath`.
 */
async function idleMemory(kind: Kind, shape: Shape, streamPath: string | null = null): Promise<Mem> {
  const r = await start(kind, shape, true);
  // Warm-up, kept open until the end so that no memory it frees is there for the measured
  // connections to fit in.
  const warm = await Promise.all(Array.from({ length: 8 }, () => openConn(r.port, 50)));
  for (let i = 0; i < WARM_CONNS; i++) warm.push(await openConn(r.port, 1));
  const base = await askMem(r);
  const t0 = Date.now();
  const socks: net.Socket[] = [];
  for (let i = 0; i < IDLE_CONNS; i++) socks.push(await (streamPath === null ? openConn(r.port, 1) : openStream(r.port, streamPath)));
  const loaded = await askMem(r);
  if (Date.now() - t0 > MEM_KEEP_ALIVE_MS / 2) throw new Error('idle connections took too long to open');
  const closed = socks.filter((s) => s.destroyed || s.readyState !== 'open').length;
  if (closed > 0) throw new Error(`${kind}: ${closed} idle connections closed during the measure`);
  for (const s of [...warm, ...socks]) s.destroy();
  await stop(r);
  return {
    rss: (loaded.rss - base.rss) / IDLE_CONNS,
    heapUsed: (loaded.heapUsed - base.heapUsed) / IDLE_CONNS,
    external: (loaded.external - base.external) / IDLE_CONNS,
  };
}

function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

function shapesFromEnv(): Shape[] {
  const list = (process.env.BENCH_SHAPES ?? SHAPES.join(',')).split(',').map((x) => x.trim()).filter(Boolean);
  for (const x of list) if (!(SHAPES as readonly string[]).includes(x)) throw new Error(`BENCH_SHAPES: unknown shape ${x} (${SHAPES.join(', ')})`);
  return list as Shape[];
}

async function main(): Promise<void> {
  const missing = (ONLY_MEM ? ['taskset'] : ['wrk', 'h2load', 'taskset']).filter((b) => spawnSync('which', [b]).status !== 0);
  if (missing.length) {
    console.error(`bench:server needs ${missing.join(', ')}`);
    process.exit(1);
  }
  const shapes = shapesFromEnv();
  const dir = mkdtempSync(join(tmpdir(), 'trama-bench-'));
  const lua = (name: string, method: string, body: string | null, depth: number): string => {
    const file = join(dir, name);
    const fmtArgs = body === null ? `"${method}", "/"` : `"${method}", "/", {["Content-Type"]="application/octet-stream"}, string.rep("x", ${body.length})`;
    writeFileSync(
      file,
      `init = function(args)\n  local r = {}\n  for i = 1, ${depth} do r[i] = wrk.format(${fmtArgs}) end\n  req = table.concat(r)\nend\nrequest = function() return req end\n`,
    );
    return file;
  };
  const getPipe = lua('get16.lua', 'GET', null, 16);
  const postOne = lua('post1.lua', 'POST', POST_BODY, 1);
  const postPipe = lua('post16.lua', 'POST', POST_BODY, 16);
  const postFile = join(dir, 'post.bin');
  writeFileSync(postFile, POST_BODY);
  // This machine drifts between a fast and a slow state over minutes (the same server's CPU per
  // request can double). So the servers of a shape run side by side for a whole round (idle ones
  // cost nothing), each measure is taken for all of them back to back, in an order that rotates by
  // round, and the ratios are the median of each round's own ratios; the figures printed per
  // server are medians of the rounds.
  type Figures = { ka: number; pipe: number; cpu1: number; cpu16: number; mem: number; heap: number; ext: number };
  type Load = 'ka' | 'pipe' | 'cpu1' | 'cpu16';
  type Samples = Record<Kind, { [K in keyof Figures]: number[] }>;
  const withBase = (kinds: Kind[]): Kind[] => (BASE !== null ? [...kinds, 'base'] : kinds);
  const kindsOf = (shape: Shape): Kind[] => withBase(shape === 'echo' || shape === 'express' ? ['node', 'trama'] : ['ceiling', 'node', 'trama']);
  const newSamples = (): Samples => {
    const sm = {} as Samples;
    for (const kind of ['ceiling', 'node', 'trama', 'base'] as Kind[]) sm[kind] = { ka: [], pipe: [], cpu1: [], cpu16: [], mem: [], heap: [], ext: [] };
    return sm;
  };
  const memSamples = newSamples();
  // Open event streams: node:http and trama with a plain res.write stream, trama's eventStream helper.
  const streamRows: [string, Kind, string][] = [
    ['node:http res.write', 'node', '/events'],
    ['trama res.write', 'trama', '/events'],
    ['trama eventStream', 'trama', '/events-helper'],
  ];
  if (BASE !== null) streamRows.push(['base res.write', 'base', '/events'], ['base eventStream', 'base', '/events-helper']);
  const streamSamples = new Map<string, number[]>(streamRows.map(([label]) => [label, []]));
  const samples = {} as Record<Shape, Samples>;
  for (const shape of shapes) samples[shape] = newSamples();
  const measureFor = (shape: Shape): Record<Load, (r: Running) => Promise<number>> => {
    const post = shape === 'echo';
    return {
      ka: (r) => wrk(r.port, post ? postOne : null),
      pipe: (r) => wrk(r.port, post ? postPipe : getPipe),
      cpu1: (r) => cpuPerRequest(r, 1, post ? postFile : null),
      cpu16: (r) => cpuPerRequest(r, 16, post ? postFile : null),
    };
  };
  for (let round = 0; round < ROUNDS; round++) {
    // Idle memory does not depend on the handler's shape: measured once per round, synchronous handler.
    for (const kind of NO_MEM ? [] : kindsOf('sync')) {
      const mem = await idleMemory(kind, 'sync'); // first, in a server process of its own
      memSamples[kind].mem.push(mem.rss);
      memSamples[kind].heap.push(mem.heapUsed);
      memSamples[kind].ext.push(mem.external);
    }
    for (const [label, kind, path] of NO_MEM ? [] : streamRows) streamSamples.get(label)!.push((await idleMemory(kind, 'sync', path)).rss);
    if (!ONLY_MEM) {
      for (const shape of shapes) {
        const kinds = kindsOf(shape);
        const measure = measureFor(shape);
        const running = {} as Record<Kind, Running>;
        for (const kind of kinds) running[kind] = await start(kind, shape);
        const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]!);
        for (const load of Object.keys(measure) as Load[]) {
          for (const kind of order) samples[shape][kind][load].push(await measure[load](running[kind]));
        }
        for (const kind of kinds) await stop(running[kind]);
      }
    }
    console.log(`round ${round + 1}/${ROUNDS} done`);
  }
  /** Median over rounds of `a`'s figure divided by `b`'s in the same round. */
  const ratio = (sm: Samples, a: Kind, b: Kind, k: keyof Figures): number => median(sm[a][k].map((x, i) => x / sm[b][k][i]!));
  const med = (xs: number[]): number => (xs.length ? median(xs) : NaN);
  if (!ONLY_MEM) {
    for (const shape of shapes) {
      const sm = samples[shape];
      const kinds = kindsOf(shape);
      console.log(`\n${shape}:`);
      for (const kind of kinds) {
        const f = sm[kind];
        console.log(
          `  ${kind.padEnd(8)} keep-alive ${fmt(med(f.ka), 0).padStart(8)} req/s   pipelined(16) ${fmt(med(f.pipe), 0).padStart(8)} req/s   ` +
            `cpu/req ${fmt(med(f.cpu1))} µs (m=1) ${fmt(med(f.cpu16))} µs (m=16)`,
        );
      }
      const ceil = (k: keyof Figures): string => (kinds.includes('ceiling') ? `   (ceiling ${fmt(ratio(sm, 'trama', 'ceiling', k), 2)}×)` : '');
      console.log(`  trama vs node:http: keep-alive ${fmt(ratio(sm, 'trama', 'node', 'ka'), 2)}×${ceil('ka')}   pipelined ${fmt(ratio(sm, 'trama', 'node', 'pipe'), 2)}×${ceil('pipe')}`);
      console.log(`                      CPU/req m=1 ${fmt(ratio(sm, 'trama', 'node', 'cpu1'), 2)}×${ceil('cpu1')}   m=16 ${fmt(ratio(sm, 'trama', 'node', 'cpu16'), 2)}×${ceil('cpu16')}`);
      if (BASE !== null) {
        console.log(`  base  vs node:http: CPU/req m=1 ${fmt(ratio(sm, 'base', 'node', 'cpu1'), 2)}×   m=16 ${fmt(ratio(sm, 'base', 'node', 'cpu16'), 2)}×`);
        console.log(`  trama vs base:      CPU/req m=1 ${fmt(ratio(sm, 'trama', 'base', 'cpu1'), 2)}×   m=16 ${fmt(ratio(sm, 'trama', 'base', 'cpu16'), 2)}×   keep-alive ${fmt(ratio(sm, 'trama', 'base', 'ka'), 2)}×   pipelined ${fmt(ratio(sm, 'trama', 'base', 'pipe'), 2)}×`);
      }
    }
    console.log('\ntargets (issue 16): CPU/request ≤ 0.7× node:http keep-alive, ≤ 0.3× pipelined, every shape; express throughput ≥ 1.3×');
  }
  if (NO_MEM) return;
  console.log('\nidle keep-alive connection (fresh server process):');
  for (const kind of kindsOf('sync')) {
    const f = memSamples[kind];
    console.log(`  ${kind.padEnd(8)} ${fmt(med(f.mem) / 1024)} KiB (heap ${fmt(med(f.heap) / 1024)} KiB, external ${fmt(med(f.ext) / 1024)} KiB)`);
  }
  console.log(`  trama vs node:http ${fmt(ratio(memSamples, 'trama', 'node', 'mem'), 2)}×   (target ≤ 0.6×)`);
  console.log(`\nopen event stream (${IDLE_CONNS}, fresh server process), RssAnon per stream:`);
  const nodeStreams = streamSamples.get('node:http res.write')!;
  for (const [label, xs] of streamSamples) {
    const vs = label.startsWith('node') ? '' : `   ${fmt(median(xs.map((x, i) => x / nodeStreams[i]!)), 2)}× node:http (target ≤ 0.6×)`;
    console.log(`  ${label.padEnd(20)} ${fmt(med(xs) / 1024)} KiB${vs}`);
  }
}

if (process.argv[2] === '--serve') serve(process.argv[3] as Kind, process.argv[4] as Shape, process.argv[5] === '--mem');
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });

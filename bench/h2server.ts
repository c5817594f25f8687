// `npm run bench:h2server`: HTTP/2 servers under h2load, same run, same hello handler —
// node:http2's compat API (`http2.createServer((req, res) => …)`), node:http2's stream API
// (`'stream'` + `respond`), and trama's `createServer` (h2c by prior knowledge, the same handler
// as over HTTP/1.1) — and the same three with a handler that answers after the request's 'end'.
//
// - Throughput: h2load (pinned to core 1) against each server (pinned to core 0) for
//   BENCH_SECONDS, `-c 10 -m 100` and `-c 50 -m 1`, req/s.
// - Server CPU per request: h2load -n BENCH_REQUESTS -c 10 -m 100, the server process's
//   utime+stime from /proc/PID/stat before and after, divided by the requests done.
// - Memory per idle h2 session: a fresh server of each kind (never loaded); a warm-up of 100
//   sessions that each made one request and stay open; RssAnon after GC (baseline); N more
//   sessions (node:http2 clients in this process) each make one request and stay open; RssAnon
//   after GC again; growth / N. As in bench/server.ts: RssAnon, not RSS (node's binary pages are
//   shared and one-off), the young generation held at 1 MB semi-spaces (its growth while objects
//   pile up is no per-session cost).
//
// The machine may be shared: figures are noisy, ratios (same round, same conditions) are what to
// read; figures are medians over rounds, ratios medians of each round's own ratios.
// Env: BENCH_SECONDS (default 5), BENCH_ROUNDS (default 3), BENCH_REQUESTS (default 200000),
// BENCH_SESSIONS_IDLE (default 500), BENCH_ONLY=mem|load, BENCH_SHAPE=hello|end (one handler
// shape only). BENCH_BASE=<another build's bench/h2server.js>: its trama runs too, as `base`,
// side by side in the same rounds (a before/after of a change in one run).
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { loadavg } from 'node:os';
import * as http2 from 'node:http2';
import { createServer as tramaCreateServer } from '../src/index.js';
import { CLK_TCK, cpuTicks, median, rssAnon, run, startPinned, stop, type Running } from './support.js';

type Kind = 'compat' | 'stream' | 'trama' | 'base';
const BASE = process.env.BENCH_BASE ?? null;
const KINDS: Kind[] = BASE !== null ? ['compat', 'stream', 'trama', 'base'] : ['compat', 'stream', 'trama'];
const SHAPE = process.env.BENCH_SHAPE;
const BODY = 'hello world';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200_000);
const IDLE_SESSIONS = Number(process.env.BENCH_SESSIONS_IDLE ?? 500);
const WARM_SESSIONS = 100;
const ONLY = process.env.BENCH_ONLY;
/** Idle sessions must outlive the memory measure: no idle timeout on either side. */
const NO_TIMEOUT = 0;

// ---------------------------------------------------------------------------------------------
// Server mode (a child process): `node h2server.js --serve <kind> [--after-end]`; prints the port,
// answers 'mem' IPC messages with RssAnon after GC.

function serve(kind: Kind, afterEnd: boolean): void {
  let server: net.Server;
  if (kind === 'stream') {
    const s = http2.createServer();
    s.on('stream', (stream) => {
      const answer = (): void => {
        stream.respond({ ':status': 200, 'content-type': 'text/plain' });
        stream.end(BODY);
      };
      if (afterEnd) {
        stream.on('end', answer);
        stream.resume();
      } else answer();
    });
    server = s;
  } else {
    const create = (kind === 'compat' ? http2.createServer : tramaCreateServer) as unknown as (
      h: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
    ) => net.Server;
    server = create((req, res) => {
      const answer = (): void => {
        res.setHeader('Content-Type', 'text/plain');
        res.end(BODY);
      };
      if (afterEnd) {
        req.on('end', answer);
        req.resume();
      } else answer();
    });
  }
  (server as unknown as { setTimeout?: (ms: number) => void }).setTimeout?.(NO_TIMEOUT);
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
  });
  process.on('message', (msg) => {
    if (msg === 'mem') {
      for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
      process.send!(rssAnon());
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// Driver.

function start(kind: Kind, afterEnd: boolean, forMem = false): Promise<Running> {
  const args = ['--expose-gc'];
  // The young generation held at its initial size (see the top comment).
  if (forMem) args.push('--min-semi-space-size=1', '--max-semi-space-size=1');
  if (kind === 'base') args.push(BASE!, '--serve', 'trama');
  else args.push(process.argv[1]!, '--serve', kind);
  if (afterEnd) args.push('--after-end');
  return startPinned(args, kind);
}

function h2loadDone(out: string): number {
  const m = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded/.exec(out);
  if (!m || Number(m[2]) === 0) throw new Error(`h2load output: ${out}`);
  return Number(m[2]);
}

/** Requests per second over SECONDS (h2load -D), `-c conns -m streams`. */
async function throughput(r: Running, conns: number, streams: number): Promise<number> {
  const out = await run('taskset', ['-c', '1', 'h2load', '-D', String(SECONDS), '--warm-up-time=1', '-c', String(conns), '-m', String(streams), `http://127.0.0.1:${r.port}/`]);
  const m = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  h2loadDone(out);
  if (!m) throw new Error(`h2load output: ${out}`);
  return Number(m[1]);
}

/** Server CPU microseconds per request, for REQUESTS requests at -c 10 -m 100. */
async function cpuPerRequest(r: Running): Promise<number> {
  const before = cpuTicks(r.pid);
  const out = await run('taskset', ['-c', '1', 'h2load', '-n', String(REQUESTS), '-c', '10', '-m', '100', `http://127.0.0.1:${r.port}/`]);
  const after = cpuTicks(r.pid);
  return (((after - before) / CLK_TCK) * 1e6) / h2loadDone(out);
}

function askMem(r: Running): Promise<number> {
  return new Promise((resolve) => {
    r.child.once('message', (m: number) => resolve(m));
    r.child.send('mem');
  });
}

/** An h2 session that made one request (read whole) and stays open. */
async function openSession(port: number): Promise<http2.ClientHttp2Session> {
  const s = http2.connect(`http://127.0.0.1:${port}`);
  s.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    const req = s.request({ ':path': '/' });
    req.on('error', reject);
    req.resume();
    req.on('end', () => resolve());
  });
  return s;
}

async function idleSessionBytes(kind: Kind): Promise<number> {
  const r = await start(kind, false, true);
  const sessions: http2.ClientHttp2Session[] = [];
  try {
    for (let i = 0; i < WARM_SESSIONS; i++) sessions.push(await openSession(r.port));
    const base = await askMem(r);
    for (let i = 0; i < IDLE_SESSIONS; i++) sessions.push(await openSession(r.port));
    const grown = await askMem(r);
    return (grown - base) / IDLE_SESSIONS;
  } finally {
    for (const s of sessions) s.destroy();
    await stop(r);
  }
}

const fmt = (n: number, unit = ''): string => `${n >= 100 ? n.toFixed(0) : n.toFixed(2)}${unit}`;

function checkTools(): void {
  for (const tool of ['taskset', 'h2load']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      console.error(`bench:h2server needs ${tool} (apt-get install ${tool === 'h2load' ? 'nghttp2-client' : 'util-linux'})`);
      process.exit(1);
    }
  }
}

interface Round {
  [measure: string]: Record<Kind, number>;
}

async function loadRound(): Promise<Round> {
  const round: Round = {};
  const put = (measure: string, kind: Kind, v: number): void => {
    (round[measure] ??= {} as Record<Kind, number>)[kind] = v;
  };
  const shapes = SHAPE === 'hello' ? [false] : SHAPE === 'end' ? [true] : [false, true];
  for (const afterEnd of shapes) {
    const tag = afterEnd ? ' (answer after end)' : '';
    // Servers side by side; each measure taken for all kinds back to back.
    const running = new Map<Kind, Running>();
    for (const kind of KINDS) running.set(kind, await start(kind, afterEnd));
    try {
      for (const kind of KINDS) put(`req/s -c 10 -m 100${tag}`, kind, await throughput(running.get(kind)!, 10, 100));
      for (const kind of KINDS) put(`req/s -c 50 -m 1${tag}`, kind, await throughput(running.get(kind)!, 50, 1));
      for (const kind of KINDS) put(`CPU µs/request, -n ${REQUESTS} -c 10 -m 100${tag}`, kind, await cpuPerRequest(running.get(kind)!));
    } finally {
      for (const r of running.values()) await stop(r);
    }
  }
  return round;
}

async function main(): Promise<void> {
  checkTools();
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const round: Round = ONLY === 'mem' ? {} : await loadRound();
    if (ONLY !== 'load') {
      for (const kind of KINDS) ((round['bytes per idle h2 session'] ??= {} as Record<Kind, number>)[kind] = await idleSessionBytes(kind));
    }
    rounds.push(round);
    process.stderr.write(`round ${i + 1}/${ROUNDS} done\n`);
  }
  const targets: Record<string, string> = {
    'req/s -c 10 -m 100': 'targets ≥3× compat, ≥2× stream',
    'req/s -c 50 -m 1': 'target ≥1.5× compat',
    [`CPU µs/request, -n ${REQUESTS} -c 10 -m 100`]: 'target ≤0.33× compat',
    'bytes per idle h2 session': 'target ≤0.5× node:http2',
  };
  console.log(`h2load on core 1, servers on core 0; ${ROUNDS} round(s), ${SECONDS}s each; medians. node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('measure'.padEnd(58), 'compat'.padStart(10), 'stream'.padStart(10), 'trama'.padStart(10), '  trama/compat  trama/stream' + (BASE !== null ? '        base  trama/base' : ''));
  for (const measure of Object.keys(rounds[0]!)) {
    const m = (k: Kind): number => median(rounds.map((r) => r[measure]![k]));
    const rc = median(rounds.map((r) => r[measure]!.trama / r[measure]!.compat));
    const rs = median(rounds.map((r) => r[measure]!.trama / r[measure]!.stream));
    const target = targets[measure] ? `  (${targets[measure]})` : '';
    const vsBase = BASE !== null ? `${fmt(m('base')).padStart(12)}${`${median(rounds.map((r) => r[measure]!.trama / r[measure]!.base)).toFixed(2)}×`.padStart(12)}` : '';
    console.log(measure.padEnd(58), fmt(m('compat')).padStart(10), fmt(m('stream')).padStart(10), fmt(m('trama')).padStart(10), `  ${rc.toFixed(2)}×`.padStart(14), `${rs.toFixed(2)}×`.padStart(13) + vsBase + target);
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--serve') serve(argv[1] as Kind, argv.includes('--after-end'));
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });

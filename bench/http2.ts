// `npm run bench:http2`: trama/http2 against node:http2, same run.
//
// 1. h2load (pinned to core 1) against four servers (each pinned to core 0), the same hello
//    handler: node:http2's stream API ('stream' + respond) and trama/http2's, node:http2's compat
//    API (createServer(handler)) and trama/http2's; `-c 10 -m 100` for BENCH_SECONDS, req/s.
// 2. grpc-js unary ping-pong: one channel, 100 calls in flight, BENCH_GRPC_CALLS calls; the server
//    child pinned to core 0, the client child to core 1, `http2` on node at both ends vs on trama at
//    both ends (`-r trama/register`); calls/s.
// Ratios trama/node per round, medians printed; the load average is printed with the figures
// (the machine may be shared: the ratios of one run are what to read).
// Env: BENCH_SECONDS (default 5), BENCH_ROUNDS (default 3), BENCH_GRPC_CALLS (default 20000),
// BENCH_ONLY=h2load|grpc.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import * as nodeHttp2 from 'node:http2';
import * as tramaHttp2 from '../src/http2.js';
import { median, run, startPinned, stop, type Running } from './support.js';

type Kind = 'node-stream' | 'trama-stream' | 'node-compat' | 'trama-compat';
const KINDS: Kind[] = ['node-stream', 'trama-stream', 'node-compat', 'trama-compat'];
const BODY = 'hello world';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GRPC_CALLS = Number(process.env.BENCH_GRPC_CALLS ?? 20_000);
/** Calls in flight on the one channel (the ping-pong shape). */
const GRPC_IN_FLIGHT = 100;
const ONLY = process.env.BENCH_ONLY;
const REPO = process.cwd();
const PROTO = join(REPO, 'test', 'http2', 'fixtures', 'echo.proto');

// ---- server children ----

function serve(kind: Kind): void {
  const mod = (kind.startsWith('trama') ? tramaHttp2 : nodeHttp2) as typeof nodeHttp2;
  let server: net.Server;
  if (kind.endsWith('stream')) {
    const s = mod.createServer();
    s.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end(BODY);
    });
    server = s;
  } else {
    server = mod.createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(BODY);
    });
  }
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`));
  process.on('disconnect', () => process.exit(0));
}

async function throughput(port: number): Promise<number> {
  const out = await run('taskset', ['-c', '1', 'h2load', '-D', String(SECONDS), '--warm-up-time=1', '-c', '10', '-m', '100', `http://127.0.0.1:${port}/`]);
  const m = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  const ok = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded/.exec(out);
  if (!m || !ok || Number(ok[1]) === 0) throw new Error(`h2load output: ${out}`);
  return Number(m[1]);
}

// ---- grpc children (the http2 module is whatever `require('http2')` gives: node's, or trama's under -r trama/register) ----

function grpcServer(): void {
  const require = createRequire(import.meta.url);
  const grpc = require('@grpc/grpc-js');
  const loader = require('@grpc/proto-loader');
  const proto = grpc.loadPackageDefinition(loader.loadSync(PROTO, { keepCase: true, defaults: true })).trama.test;
  const s = new grpc.Server();
  s.addService(proto.Echo.service, { Unary: (call: { request: { text: string } }, cb: (e: null, r: unknown) => void) => cb(null, { text: call.request.text }) });
  s.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err: Error | null, port: number) => {
    if (err) throw err;
    process.stdout.write(`${port}\n`);
  });
  process.on('disconnect', () => process.exit(0));
}

async function grpcClient(port: number): Promise<void> {
  const require = createRequire(import.meta.url);
  const grpc = require('@grpc/grpc-js');
  const loader = require('@grpc/proto-loader');
  const proto = grpc.loadPackageDefinition(loader.loadSync(PROTO, { keepCase: true, defaults: true })).trama.test;
  const c = new proto.Echo(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (): Promise<void> => new Promise((resolve, reject) => c.Unary({ text: 'ping' }, (e: Error | null) => (e ? reject(e) : resolve())));
  // Warm-up: the channel connects, both JITs see the path.
  for (let i = 0; i < 2000; i += GRPC_IN_FLIGHT) await Promise.all(Array.from({ length: GRPC_IN_FLIGHT }, call));
  let started = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (started < GRPC_CALLS) {
      started++;
      await call();
    }
  };
  await Promise.all(Array.from({ length: GRPC_IN_FLIGHT }, worker));
  const secs = (performance.now() - t0) / 1000;
  process.stdout.write(`${(GRPC_CALLS / secs).toFixed(0)}\n`);
  c.close();
}

async function grpcRound(onTrama: boolean): Promise<number> {
  const flags = onTrama ? ['-r', 'trama/register'] : [];
  const r: Running = await startPinned([...flags, process.argv[1]!, '--grpc-server'], onTrama ? 'grpc trama' : 'grpc node');
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('taskset', ['-c', '1', process.execPath, ...flags, process.argv[1]!, '--grpc-client', String(r.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let s = '';
      child.stdout.on('data', (d) => (s += d));
      child.on('close', (code) => (code === 0 ? resolve(s) : reject(new Error(`grpc client exited ${code}`))));
    });
    return Number(out.trim());
  } finally {
    await stop(r);
  }
}

// ---- driver ----

const fmt = (n: number): string => n.toFixed(0).padStart(8);

async function main(): Promise<void> {
  console.log(`bench:http2 — ${ROUNDS} round(s), load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (ONLY !== 'grpc') {
    const rows: Record<Kind, number[]> = { 'node-stream': [], 'trama-stream': [], 'node-compat': [], 'trama-compat': [] };
    const streamRatios: number[] = [];
    const compatRatios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const got: Partial<Record<Kind, number>> = {};
      for (const kind of KINDS) {
        const r = await startPinned([process.argv[1]!, '--serve', kind], kind);
        try {
          got[kind] = await throughput(r.port);
        } finally {
          await stop(r);
        }
        rows[kind].push(got[kind]!);
      }
      streamRatios.push(got['trama-stream']! / got['node-stream']!);
      compatRatios.push(got['trama-compat']! / got['node-compat']!);
    }
    console.log(`\nh2load -c 10 -m 100, ${SECONDS}s, req/s (median of ${ROUNDS}):`);
    for (const kind of KINDS) console.log(`  ${kind.padEnd(13)} ${fmt(median(rows[kind]))}   rounds: ${rows[kind].map((x) => x.toFixed(0)).join(', ')}`);
    console.log(`  stream API  trama/node ${median(streamRatios).toFixed(2)}x (target ≥ 2x)`);
    console.log(`  compat API  trama/node ${median(compatRatios).toFixed(2)}x (target ≥ 2x)`);
  }
  if (ONLY !== 'h2load') {
    const node: number[] = [];
    const trama: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const n = await grpcRound(false);
      const t = await grpcRound(true);
      node.push(n);
      trama.push(t);
      ratios.push(t / n);
    }
    console.log(`\ngrpc-js unary, 1 channel, ${GRPC_IN_FLIGHT} in flight, ${GRPC_CALLS} calls, calls/s (median of ${ROUNDS}):`);
    console.log(`  http2=node   ${fmt(median(node))}   rounds: ${node.map((x) => x.toFixed(0)).join(', ')}`);
    console.log(`  http2=trama  ${fmt(median(trama))}   rounds: ${trama.map((x) => x.toFixed(0)).join(', ')}`);
    console.log(`  trama/node ${median(ratios).toFixed(2)}x (target ≥ 2x)`);
  }
  console.log(`load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

const mode = process.argv[2];
if (mode === '--serve') serve(process.argv[3] as Kind);
else if (mode === '--grpc-server') grpcServer();
else if (mode === '--grpc-client') void grpcClient(Number(process.argv[3]));
else void main();

/**
 * HTTP/2 client benchmark (`npm run bench:h2client`): 50,000 GETs over ONE session with 50
 * streams in flight against nghttpd (C, nghttp2; h2c prior knowledge, a 12-byte file) pinned to
 * core 1, this process pinned to core 0, in one run:
 *
 * - trama: `get()` with `new Agent({ http2PriorKnowledge: true })` (the node:http API);
 * - node:http2: `connect()` + `session.request()` (the stream API, the cheapest node offers);
 * - undici: `Client` with `allowH2: true, useH2c: true` and `pipelining: 50` (`request()`).
 *
 * Each client runs in its own fresh process (a program uses one client: in a shared process the
 * three clients' use of node's stream and event classes makes those call sites megamorphic for
 * each other — measured, trama fell from ~70k to ~38k req/s beside the other two while node:http2
 * stayed at ~21k); BENCH_SHARED=1 runs all three in this process instead.
 * Each client runs a warm-up, then BENCH_ROUNDS timed rounds, alternating clients between rounds;
 * reported: the best and the median round (req/s) and CPU time per request of this process, and
 * the ratios of trama to the others (median of each round's own ratio), in throughput and in CPU
 * per request (the figure a shared machine disturbs least). The load average is printed; compare
 * ratios from the same run.
 * Env: BENCH_REQUESTS (50000), BENCH_INFLIGHT (50), BENCH_ROUNDS (5), BENCH_ONLY (name prefixes),
 * BENCH_SHARED (1: one process for all clients), BENCH_BALLAST (live objects each client process
 * holds before it starts, the same for all three: 0 by default; 200000 ≈ 10 MB, an application's
 * heap — see docs/h2-client.md on why trama's figure depends on it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import * as http2 from 'node:http2';
import { Client } from 'undici';
import * as trama from '../src/index.js';
import { median } from './support.js';

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 50_000);
const IN_FLIGHT = Number(process.env.BENCH_INFLIGHT ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = Math.min(10_000, TOTAL);
const ONLY = process.env.BENCH_ONLY?.split(',');
const BODY = 'hello world\n';
const SHARED = process.env.BENCH_SHARED === '1';
/** Set in a child process: the runner it measures (one round after its warm-up) and nghttpd's port. */
const CHILD = process.env.BENCH_CHILD;
const BALLAST = Number(process.env.BENCH_BALLAST ?? 0);
/** Live objects held for the whole run: a heap the size of an application's, not of an empty process. */
const ballast: unknown[] = Array.from({ length: BALLAST }, (_, i) => ({ i, s: `b${i}` }));

type Runner = { name: string; run(n: number): Promise<void>; close(): Promise<void> | void };

/** Runs `n` requests with IN_FLIGHT outstanding; `one(done)` starts one request. */
function loop(n: number, one: (done: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let started = 0;
    let finished = 0;
    let failed = false;
    const done = (err?: unknown): void => {
      if (failed) return;
      if (err) {
        failed = true;
        reject(err);
        return;
      }
      finished++;
      if (finished === n) resolve();
      else if (started < n) {
        started++;
        one(done);
      }
    };
    for (let i = 0; i < Math.min(IN_FLIGHT, n); i++) {
      started++;
      one(done);
    }
  });
}

function tramaRunner(port: number): Runner {
  const agent = new trama.Agent({ http2PriorKnowledge: true });
  const options = { host: '127.0.0.1', port, path: '/hello', agent };
  return {
    name: 'trama request() h2',
    run: (n) =>
      loop(n, (done) => {
        trama
          .get(options, (res) => {
            let len = 0;
            res.on('data', (c: Buffer) => (len += c.length));
            res.on('end', () => done(len === BODY.length ? undefined : new Error(`body ${len}`)));
          })
          .on('error', done);
      }),
    close: () => agent.destroy(),
  };
}

function nodeRunner(port: number): Runner {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const headers = { ':path': '/hello' };
  return {
    name: 'node:http2 connect()',
    run: (n) =>
      loop(n, (done) => {
        const s = session.request(headers, { endStream: true });
        let len = 0;
        s.on('data', (c: Buffer) => (len += c.length));
        s.on('end', () => done(len === BODY.length ? undefined : new Error(`body ${len}`)));
        s.on('error', done);
      }),
    close: () => void session.close(),
  };
}

function undiciRunner(port: number): Runner {
  const client = new Client(`http://127.0.0.1:${port}`, { allowH2: true, useH2c: true, pipelining: IN_FLIGHT } as ConstructorParameters<typeof Client>[1]);
  return {
    name: 'undici Client allowH2',
    run: (n) =>
      loop(n, (done) => {
        client.request({ path: '/hello', method: 'GET' }).then(
          async ({ body }) => {
            const text = await body.text();
            done(text.length === BODY.length ? undefined : new Error(`body ${text.length}`));
          },
          done,
        );
      }),
    close: () => client.close(),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('nghttpd did not start');
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const RUNNER_NAMES = ['trama request() h2', 'node:http2 connect()', 'undici Client allowH2'];

type Measure = { rate: number; cpuUs: number };

/** One timed round of `r` in this process: req/s and this process's CPU µs per request. */
async function measure(r: Runner): Promise<Measure> {
  const c0 = cpuMs();
  const t0 = performance.now();
  await r.run(TOTAL);
  const ms = performance.now() - t0;
  return { rate: (TOTAL / ms) * 1000, cpuUs: ((cpuMs() - c0) * 1000) / TOTAL };
}

/** One round of the runner named `name` in a fresh process (same core: affinity is inherited). */
function measureInChild(name: string, port: number): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [process.argv[1]!], { env: { ...process.env, BENCH_CHILD: name, BENCH_PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as Measure);
      else reject(new Error(`${name}: child exited with ${code}`));
    });
  });
}

/** The child's whole job: warm up, measure one round, print it as JSON. */
async function childMain(name: string, port: number): Promise<void> {
  const make = [tramaRunner, nodeRunner, undiciRunner][RUNNER_NAMES.indexOf(name)];
  if (!make) throw new Error(`no runner ${name}`);
  const r = make(port);
  await r.run(WARMUP);
  const m = await measure(r);
  await r.close();
  process.stdout.write(JSON.stringify(m));
  if (ballast.length !== BALLAST) throw new Error('ballast lost');
}

async function main(): Promise<void> {
  if (spawnSync('nghttpd', ['--version']).status !== 0) {
    console.log('bench:h2client: nghttpd not found (install nghttp2-server); nothing measured');
    return;
  }
  const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
  if (hasTaskset) spawnSync('taskset', ['-p', '-c', '0', String(process.pid)]);
  const root = mkdtempSync(join(tmpdir(), 'trama-h2bench-'));
  writeFileSync(join(root, 'hello'), BODY);
  const port = await freePort();
  const args = ['--no-tls', '-d', root, String(port)];
  const server: ChildProcess = hasTaskset ? spawn('taskset', ['-c', '1', 'nghttpd', ...args], { stdio: 'ignore' }) : spawn('nghttpd', args, { stdio: 'ignore' });
  try {
    await waitForPort(port);
    // In isolated mode the parent only needs the names: each round's child builds its own runner.
    const named = (name: string): Runner => ({ name, run: () => Promise.reject(new Error('runs in a child')), close: () => {} });
    const all = SHARED ? [tramaRunner(port), nodeRunner(port), undiciRunner(port)] : RUNNER_NAMES.map(named);
    const runners = all.filter((r) => !ONLY || ONLY.some((p) => r.name.startsWith(p)));
    console.log(`bench:h2client — ${TOTAL} GETs, ${IN_FLIGHT} streams in flight, one session, nghttpd (h2c) on core 1, clients on core 0, ${SHARED ? 'all in one process' : 'each in its own process'}${BALLAST ? `, ${BALLAST} live ballast objects in each` : ''}`);
    console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    if (SHARED) for (const r of runners) await r.run(WARMUP);
    const rates = new Map<string, number[]>(runners.map((r) => [r.name, []]));
    const cpu = new Map<string, number[]>(runners.map((r) => [r.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of round % 2 === 0 ? runners : [...runners].reverse()) {
        const m = SHARED ? await measure(r) : await measureInChild(r.name, port);
        rates.get(r.name)!.push(m.rate);
        cpu.get(r.name)!.push(m.cpuUs);
      }
    }
    for (const r of runners) {
      const xs = rates.get(r.name)!;
      console.log(`${r.name.padEnd(24)} best ${Math.max(...xs).toFixed(0).padStart(7)} req/s   median ${median(xs).toFixed(0).padStart(7)} req/s   CPU ${median(cpu.get(r.name)!).toFixed(1)} µs/req`);
    }
    const t = rates.get('trama request() h2');
    for (const other of ['node:http2 connect()', 'undici Client allowH2']) {
      const o = rates.get(other);
      if (!t || !o) continue;
      const ratios = t.map((x, i) => x / o[i]!);
      const target = other.startsWith('node') ? 2 : 1.5;
      console.log(`ratio trama / ${other}: ${median(ratios).toFixed(2)} (rounds ${ratios.map((x) => x.toFixed(2)).join(' ')}; target ≥ ${target})`);
      // CPU per request is what a shared machine disturbs least: this process's own time.
      const tc = cpu.get('trama request() h2')!;
      const oc = cpu.get(other)!;
      console.log(`  CPU per request, ${other} / trama: ${median(oc.map((x, i) => x / tc[i]!)).toFixed(2)}`);
    }
    console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    for (const r of runners) await r.close();
  } finally {
    server.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}

void (CHILD !== undefined ? childMain(CHILD, Number(process.env.BENCH_PORT)) : main()).then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});

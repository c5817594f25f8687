/**
 * Client benchmark (`npm run bench:client`): 50,000 GETs with 50 in flight over keep-alive
 * against one fast server — a node:net server in another process that answers without parsing
 * (it counts request heads by their blank line and writes one canned response per head) —
 * through node:http with a keep-alive Agent, undici's `Pool.request`, and trama, in one run.
 *
 * The server runs pinned to core 1 and this process to core 0 (`taskset`), when available.
 * Each client runs a warm-up, then `ROUNDS` timed rounds, alternating clients between rounds;
 * the best round of each is reported (the machine is shared: the best round is the least
 * disturbed one), with the client's CPU time per request. Then the same load against an
 * in-memory peer (no syscalls) for node:http and trama. Env: BENCH_REQUESTS, BENCH_INFLIGHT,
 * BENCH_ROUNDS, BENCH_ONLY (name prefixes), BENCH_MEMORY=0 (skip the in-memory part).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as http from 'node:http';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import * as trama from '../src/index.js';

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 50_000);
const IN_FLIGHT = Number(process.env.BENCH_INFLIGHT ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Math.min(10_000, TOTAL);

const BODY = 'hello world\n';
const RESPONSE = Buffer.from(
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\nKeep-Alive: timeout=60\r\n\r\n${BODY}`,
  'latin1',
);

/** The server side: no parsing, one canned response per CRLFCRLF seen (the requests have no body). */
function serve(): void {
  const responses: Buffer[] = [];
  for (let i = 0; i <= 64; i++) responses.push(Buffer.concat(Array.from({ length: i }, () => RESPONSE)));
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    // Bytes of a possible "\r\n\r\n" straddling two chunks.
    let tail = 0;
    socket.on('data', (chunk: Buffer) => {
      let n = 0;
      let i = 0;
      // Resume a blank line that started at the end of the previous chunk.
      if (tail > 0) {
        const need = '\r\n\r\n'.slice(tail);
        if (chunk.toString('latin1', 0, need.length) === need) {
          n++;
          i = need.length;
        }
        tail = 0;
      }
      for (;;) {
        const j = chunk.indexOf('\r\n\r\n', i, 'latin1');
        if (j < 0) break;
        n++;
        i = j + 4;
      }
      const end = chunk.length;
      if (end >= 1 && chunk[end - 1] === 0x0d) tail = 1;
      if (end >= 2 && chunk[end - 2] === 0x0d && chunk[end - 1] === 0x0a) tail = 2;
      if (end >= 3 && chunk[end - 3] === 0x0d && chunk[end - 2] === 0x0a && chunk[end - 1] === 0x0d) tail = 3;
      while (n > 0) {
        const k = n > 64 ? 64 : n;
        socket.write(responses[k]!);
        n -= k;
      }
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
  });
  process.on('disconnect', () => process.exit(0));
}

type Client = { name: string; one: () => Promise<void>; close: () => Promise<void> };

/** Requests per second (wall clock) and client CPU µs per request (user+system of this process). */
async function run(one: () => Promise<void>, total: number): Promise<{ rps: number; cpuUs: number }> {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  let started = 0;
  await new Promise<void>((resolve, reject) => {
    let done = 0;
    const next = (): void => {
      if (started >= total) return;
      started++;
      one().then(() => {
        done++;
        if (done === total) resolve();
        else next();
      }, reject);
    };
    for (let i = 0; i < IN_FLIGHT; i++) next();
  });
  const ns = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpu0);
  return { rps: total / (ns / 1e9), cpuUs: (cpu.user + cpu.system) / total };
}

function nodeClient(port: number): Client {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  return {
    name: 'node:http',
    one: () =>
      new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
            res.on('data', () => {});
            res.on('end', resolve);
          })
          .on('error', reject);
      }),
    close: async () => agent.destroy(),
  };
}

function undiciClient(port: number): Client {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: IN_FLIGHT, pipelining: 1 });
  return {
    name: 'undici Pool.request',
    one: async () => {
      const { body } = await pool.request({ path: '/', method: 'GET' });
      for await (const _ of body) void _;
    },
    close: () => pool.close(),
  };
}

function tramaClient(port: number): Client {
  const agent = new trama.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  return {
    name: 'trama',
    one: () =>
      new Promise((resolve, reject) => {
        trama
          .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
            res.on('data', () => {});
            res.on('end', resolve);
          })
          .on('error', reject);
      }),
    close: async () => agent.destroy(),
  };
}

/**
 * A second, steadier measure: the same GETs against an in-memory peer (a Duplex that answers each
 * request head with the canned response on the next turn), so no syscalls: the client's own
 * JavaScript cost per request. node:http and trama only (both take any Duplex from an Agent).
 */
function memoryPeer(): Duplex {
  const d = new Duplex({
    read() {},
    write(_chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
      setImmediate(() => d.push(RESPONSE));
      cb();
    },
  });
  const stubs = d as unknown as Record<string, unknown>;
  for (const m of ['setKeepAlive', 'setNoDelay', 'ref', 'unref']) stubs[m] = () => d;
  stubs.setTimeout = (ms: number) => ((stubs.timeout = ms), d);
  return d;
}

async function inMemory(): Promise<void> {
  class NodeMemAgent extends http.Agent {
    override createConnection(): Duplex {
      return memoryPeer();
    }
  }
  class TramaMemAgent extends trama.Agent {
    override createConnection(): Duplex {
      return memoryPeer();
    }
  }
  const clients: Client[] = [
    { name: 'node:http', one: oneVia(http.get, new NodeMemAgent({ keepAlive: true, maxSockets: IN_FLIGHT })), close: async () => {} },
    { name: 'trama', one: oneVia(trama.get as unknown as typeof http.get, new TramaMemAgent({ keepAlive: true, maxSockets: IN_FLIGHT }) as unknown as http.Agent), close: async () => {} },
  ];
  const best = new Map<string, number>();
  for (const c of clients) await run(c.one, WARMUP);
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of clients) {
      const { cpuUs } = await run(c.one, TOTAL);
      best.set(c.name, Math.min(best.get(c.name) ?? Infinity, cpuUs));
    }
  }
  console.log(`\nin-memory peer (no syscalls), best of ${ROUNDS}: client CPU per request`);
  for (const [name, us] of best) console.log(`${name.padEnd(20)} ${us.toFixed(1).padStart(6)} µs CPU/req`);
  console.log(`CPU/req: node:http / trama ${(best.get('node:http')! / best.get('trama')!).toFixed(2)}x`);
}

function oneVia(get: typeof http.get, agent: http.Agent): () => Promise<void> {
  return () =>
    new Promise((resolve, reject) => {
      get({ host: 'memory.test', port: 1, path: '/', agent }, (res) => {
        res.on('data', () => {});
        res.on('end', resolve);
      }).on('error', reject);
    });
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
  if (hasTaskset) spawnSync('taskset', ['-p', '-c', '0', String(process.pid)]);
  const cmd = hasTaskset ? 'taskset' : process.execPath;
  const args = hasTaskset ? ['-c', '1', process.execPath, ...process.execArgv, self, '--server'] : [...process.execArgv, self, '--server'];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });

  const only = process.env.BENCH_ONLY?.split(',');
  const clients = [nodeClient(port), undiciClient(port), tramaClient(port)].filter(
    (c) => !only || only.some((o) => c.name.startsWith(o)),
  );
  const best = new Map<string, number>();
  const bestCpu = new Map<string, number>();
  for (const c of clients) await run(c.one, WARMUP);
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of clients) {
      const { rps, cpuUs } = await run(c.one, TOTAL);
      best.set(c.name, Math.max(best.get(c.name) ?? 0, rps));
      bestCpu.set(c.name, Math.min(bestCpu.get(c.name) ?? Infinity, cpuUs));
      console.log(`round ${r + 1} ${c.name.padEnd(20)} ${Math.round(rps).toString().padStart(7)} req/s  ${cpuUs.toFixed(1).padStart(6)} µs CPU/req`);
    }
  }
  for (const c of clients) await c.close();
  child.kill();
  console.log(`\n${TOTAL} GETs, ${IN_FLIGHT} in flight, keep-alive, best of ${ROUNDS} (shared machine: noisy)`);
  for (const [name, rps] of best) {
    console.log(`${name.padEnd(20)} ${Math.round(rps).toString().padStart(7)} req/s  ${bestCpu.get(name)!.toFixed(1).padStart(6)} µs CPU/req`);
  }
  const t = best.get('trama');
  const n = best.get('node:http');
  const u = best.get('undici Pool.request');
  if (t && u) console.log(`trama / undici   ${(t / u).toFixed(2)}x (target >= 1.2x)`);
  if (t && n) console.log(`trama / node:http ${(t / n).toFixed(2)}x (target >= 1.6x)`);
  if (u && n) console.log(`undici / node:http ${(u / n).toFixed(2)}x`);
  // CPU per request is steadier than wall-clock throughput on a shared machine.
  const tc = bestCpu.get('trama');
  const uc = bestCpu.get('undici Pool.request');
  const nc = bestCpu.get('node:http');
  if (tc && uc) console.log(`CPU/req: undici / trama ${(uc / tc).toFixed(2)}x`);
  if (tc && nc) console.log(`CPU/req: node:http / trama ${(nc / tc).toFixed(2)}x`);
  if (process.env.BENCH_MEMORY !== '0') await inMemory();
}

if (process.argv.includes('--server')) serve();
else await main();

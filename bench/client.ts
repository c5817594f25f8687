/**
 * Client benchmark (`npm run bench:client`), in one run, through node:http with a keep-alive
 * Agent, undici's `Pool.request` and trama, over keep-alive, 50 in flight, for three loads
 * (issue 16 item 3):
 *   get       50,000 GETs of a 12-byte body, read with 'data'/'end' (undici: its body iterated)
 *   post16k   20,000 POSTs of a 16 KiB body (Content-Length), small answer
 *   stream1k  50,000 GETs of a 1 KiB body, read as a stream (`for await` over the response)
 * The server is a node:net server in another process that parses only what it must (the end of
 * each head, its path and Content-Length, skipping the body) and writes one canned response per
 * request, all of one read's answers in one write.
 *
 * The server runs pinned to core 1 and this process to core 0 (`taskset`), when available.
 * Each client runs a warm-up, then `ROUNDS` timed rounds, alternating clients within a round;
 * figures are medians over rounds (the best is printed too), ratios medians of each round's own
 * ratios, and the client's CPU time per request (user+system of this process: steadier than
 * throughput on a shared machine). Then the GETs against an in-memory peer (no syscalls) for
 * node:http and trama. Env: BENCH_REQUESTS (the GET count; the others scale), BENCH_INFLIGHT,
 * BENCH_ROUNDS, BENCH_ONLY (client name prefixes), BENCH_LOADS (e.g. get,stream1k),
 * BENCH_MEMORY=0 (skip the in-memory part).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as http from 'node:http';
import * as os from 'node:os';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import * as trama from '../src/index.js';

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 50_000);
const IN_FLIGHT = Number(process.env.BENCH_INFLIGHT ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Math.min(10_000, TOTAL);

const BODY = 'hello world\n';
const response = (body: string): Buffer =>
  Buffer.from(
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nKeep-Alive: timeout=60\r\n\r\n${body}`,
    'latin1',
  );
const RESPONSE = response(BODY);
/** The stream1k load's answer (GET /1k). */
const RESPONSE_1K = response('k'.repeat(1024));
/** The post16k load's request body. */
const POST_BODY = Buffer.alloc(16 * 1024, 'p');
/** A head longer than this is a broken client (the server stops rather than buffer without end). */
const MAX_HEAD = 8192;

type LoadName = 'get' | 'post16k' | 'stream1k';
const LOADS: { name: LoadName; total: number; what: string }[] = [
  { name: 'get', total: TOTAL, what: `${TOTAL} GETs, 12-byte body` },
  { name: 'post16k', total: Math.round(TOTAL * 0.4), what: `${Math.round(TOTAL * 0.4)} POSTs of 16 KiB` },
  { name: 'stream1k', total: TOTAL, what: `${TOTAL} GETs of 1 KiB read as a stream` },
];

/**
 * The server side: finds each head's end, reads its path and Content-Length, skips the body, and
 * answers each complete request with a canned response (one cork per read).
 */
function serve(): void {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let pending: Buffer | null = null; // a head cut by a read
    let bodyLeft = 0;
    let answer = RESPONSE;
    socket.on('data', (chunk: Buffer) => {
      const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
      pending = null;
      let i = 0;
      socket.cork();
      while (i < buf.length) {
        if (bodyLeft > 0) {
          const n = Math.min(bodyLeft, buf.length - i);
          bodyLeft -= n;
          i += n;
          if (bodyLeft === 0) socket.write(answer);
          continue;
        }
        const j = buf.indexOf('\r\n\r\n', i, 'latin1');
        if (j < 0) {
          if (buf.length - i > MAX_HEAD) socket.destroy();
          else pending = buf.subarray(i);
          break;
        }
        const head = buf.toString('latin1', i, j + 2);
        i = j + 4;
        answer = head.startsWith('GET /1k ') ? RESPONSE_1K : RESPONSE;
        const m = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
        bodyLeft = m === null ? 0 : Number(m[1]);
        if (/\r\ntransfer-encoding:/i.test(head)) throw new Error('bench clients send Content-Length bodies');
        if (bodyLeft === 0) socket.write(answer);
      }
      socket.uncork();
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
  });
  process.on('disconnect', () => process.exit(0));
}

type One = () => Promise<void>;
type Client = { name: string; loads: Record<LoadName, One>; close: () => Promise<void> };

/** Requests per second (wall clock) and client CPU µs per request (user+system of this process). */
async function run(one: One, total: number): Promise<{ rps: number; cpuUs: number }> {
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

/** node:http and trama share the API: the same three loads through either module's request(). */
function nodeApiLoads(mod: typeof http, port: number, agent: http.Agent): Record<LoadName, One> {
  const post = { host: '127.0.0.1', port, path: '/', agent, method: 'POST', headers: { 'content-length': POST_BODY.length } };
  return {
    get: () =>
      new Promise((resolve, reject) => {
        mod
          .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
            res.on('data', () => {});
            res.on('end', resolve);
          })
          .on('error', reject);
      }),
    post16k: () =>
      new Promise((resolve, reject) => {
        mod
          .request(post, (res) => {
            res.on('data', () => {});
            res.on('end', resolve);
          })
          .on('error', reject)
          .end(POST_BODY);
      }),
    stream1k: () =>
      new Promise((resolve, reject) => {
        mod
          .get({ host: '127.0.0.1', port, path: '/1k', agent }, (res) => {
            (async () => {
              let n = 0;
              for await (const c of res) n += (c as Buffer).length;
              if (n !== 1024) throw new Error(`read ${n} bytes`);
            })().then(resolve, reject);
          })
          .on('error', reject);
      }),
  };
}

function nodeClient(port: number): Client {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  return { name: 'node:http', loads: nodeApiLoads(http, port, agent), close: async () => agent.destroy() };
}

function tramaClient(port: number): Client {
  const agent = new trama.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  return {
    name: 'trama',
    loads: nodeApiLoads(trama as unknown as typeof http, port, agent as unknown as http.Agent),
    close: async () => agent.destroy(),
  };
}

function undiciClient(port: number): Client {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: IN_FLIGHT, pipelining: 1 });
  const drain = async (path: string, method: 'GET' | 'POST', body?: Buffer, expect = -1): Promise<void> => {
    const { body: res } = await pool.request({ path, method, body });
    let n = 0;
    for await (const c of res) n += (c as Buffer).length;
    if (expect >= 0 && n !== expect) throw new Error(`read ${n} bytes`);
  };
  return {
    name: 'undici Pool.request',
    loads: {
      get: () => drain('/', 'GET'),
      post16k: () => drain('/', 'POST', POST_BODY),
      stream1k: () => drain('/1k', 'GET', undefined, 1024),
    },
    close: () => pool.close(),
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
  const clients: { name: string; one: One }[] = [
    { name: 'node:http', one: oneVia(http.get, new NodeMemAgent({ keepAlive: true, maxSockets: IN_FLIGHT })) },
    { name: 'trama', one: oneVia(trama.get as unknown as typeof http.get, new TramaMemAgent({ keepAlive: true, maxSockets: IN_FLIGHT }) as unknown as http.Agent) },
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
  const pick = process.env.BENCH_LOADS?.split(',');
  const clients = [nodeClient(port), undiciClient(port), tramaClient(port)].filter(
    (c) => !only || only.some((o) => c.name.startsWith(o)),
  );
  const summary: string[] = [];
  for (const load of LOADS.filter((l) => !pick || pick.includes(l.name))) {
    const rps = new Map<string, number[]>();
    const cpu = new Map<string, number[]>();
    for (const c of clients) {
      rps.set(c.name, []);
      cpu.set(c.name, []);
      await run(c.loads[load.name], Math.min(WARMUP, load.total));
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of clients) {
        const f = await run(c.loads[load.name], load.total);
        rps.get(c.name)!.push(f.rps);
        cpu.get(c.name)!.push(f.cpuUs);
        console.log(`${load.name} round ${r + 1} ${c.name.padEnd(20)} ${Math.round(f.rps).toString().padStart(7)} req/s  ${f.cpuUs.toFixed(1).padStart(6)} µs CPU/req`);
      }
    }
    const lines = [`\n${load.what}, ${IN_FLIGHT} in flight, keep-alive; median of ${ROUNDS} rounds (best)`];
    for (const c of clients) {
      const rs = rps.get(c.name)!;
      const cs = cpu.get(c.name)!;
      lines.push(
        `  ${c.name.padEnd(20)} ${Math.round(median(rs)).toString().padStart(7)} req/s (${Math.round(Math.max(...rs))})  ` +
          `${median(cs).toFixed(1).padStart(6)} µs CPU/req (${Math.min(...cs).toFixed(1)})`,
      );
    }
    // Each round's own ratio, then their median: the rounds' conditions differ, a round's clients share them.
    const ratio = (m: Map<string, number[]>, a: string, b: string): number | null =>
      m.has(a) && m.has(b) ? median(m.get(a)!.map((x, i) => x / m.get(b)![i]!)) : null;
    const say = (label: string, x: number | null, target = ''): void => {
      if (x !== null) lines.push(`  ${label.padEnd(34)} ${x.toFixed(2)}x${target}`);
    };
    say('req/s trama / undici', ratio(rps, 'trama', 'undici Pool.request'), ' (target >= 1.2x)');
    say('req/s trama / node:http', ratio(rps, 'trama', 'node:http'), ' (target >= 1.6x)');
    say('CPU/req undici / trama', ratio(cpu, 'undici Pool.request', 'trama'));
    say('CPU/req node:http / trama', ratio(cpu, 'node:http', 'trama'));
    console.log(lines.join('\n'));
    summary.push(...lines);
  }
  for (const c of clients) await c.close();
  child.kill();
  console.log(`\n=== summary (load average ${loadavg()}) ===${summary.join('\n')}`);
  if (process.env.BENCH_MEMORY !== '0') await inMemory();
}

function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const mid = a.length >> 1;
  return a.length % 2 === 1 ? a[mid]! : (a[mid - 1]! + a[mid]!) / 2;
}

function loadavg(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

if (process.argv.includes('--server')) serve();
else await main();

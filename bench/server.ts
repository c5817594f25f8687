// `npm run bench:server`: a hello-world handler served by node:http and by trama, plus a node:net
// server that answers without parsing (the ceiling for any Node HTTP server), all in one run.
//
// - Throughput: wrk (pinned to core 1) against each server (pinned to core 0), 50 connections,
//   keep-alive, then 16-deep pipelining (a Lua script).
// - Server CPU per request: h2load --h1 -n 100000 -c 50 with -m 1 and -m 16, reading the server
//   process's utime+stime from /proc/PID/stat before and after.
// - Memory per idle keep-alive connection: RSS growth (after GC) of the server with N open
//   connections that each made one request.
//
// The machine may be shared: numbers are noisy; the ratios (same run, same conditions) are what
// to read; rounds interleave the servers and figures are medians. Env: BENCH_SECONDS (default 5),
// BENCH_ROUNDS (default 3), BENCH_CONNS_IDLE (default 1000).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import * as http from 'node:http';
import { createServer as tramaCreateServer } from '../src/index.js';

type Kind = 'node' | 'trama' | 'ceiling';
const KINDS: Kind[] = ['ceiling', 'node', 'trama'];
const BODY = 'hello world';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const IDLE_CONNS = Number(process.env.BENCH_CONNS_IDLE ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLK_TCK = 100; // Linux USER_HZ

// ---------------------------------------------------------------------------------------------
// Server mode (a child process): `node server.js --serve <kind>`; prints the port, answers
// 'mem' IPC messages with RSS after GC.

function serve(kind: Kind): void {
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
    const create = (kind === 'node' ? http.createServer : tramaCreateServer) as typeof http.createServer;
    server = create((_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end(BODY);
    });
  }
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
  });
  process.on('message', (msg) => {
    if (msg === 'mem') {
      for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
      process.send!({ rss: process.memoryUsage().rss });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// Driver.

interface Running {
  child: ChildProcess;
  port: number;
  pid: number;
}

function start(kind: Kind): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', '0', process.execPath, '--expose-gc', process.argv[1]!, '--serve', kind], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), pid: child.pid! });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${kind} server exited (${code})`)));
  });
}

function stop(r: Running): Promise<void> {
  return new Promise((resolve) => {
    r.child.removeAllListeners('exit');
    r.child.once('exit', () => resolve());
    r.child.kill('SIGKILL');
  });
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', () => resolve(out));
  });
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

async function cpuPerRequest(r: Running, depth: number): Promise<number> {
  const n = 100_000;
  const before = cpuTicks(r.pid);
  const out = await run('taskset', ['-c', '1', 'h2load', '--h1', '-n', String(n), '-c', '50', '-m', String(depth), `http://127.0.0.1:${r.port}/`]);
  const after = cpuTicks(r.pid);
  const m = /requests: \d+ total, \d+ started, (\d+) done/.exec(out);
  const done = m ? Number(m[1]) : 0;
  if (done === 0) throw new Error(`h2load output: ${out}`);
  return (((after - before) / CLK_TCK) * 1e6) / done;
}

function askRss(r: Running): Promise<number> {
  return new Promise((resolve) => {
    r.child.once('message', (m: { rss: number }) => resolve(m.rss));
    r.child.send('mem');
  });
}

async function idleMemory(r: Running): Promise<number> {
  const base = await askRss(r);
  const socks: net.Socket[] = [];
  const req = 'GET / HTTP/1.1\r\nHost: bench\r\n\r\n';
  for (let i = 0; i < IDLE_CONNS; i++) {
    const s = net.connect(r.port, '127.0.0.1');
    socks.push(s);
    await new Promise<void>((resolve) => {
      s.once('data', () => resolve());
      s.write(req);
    });
  }
  const loaded = await askRss(r);
  for (const s of socks) s.destroy();
  return (loaded - base) / IDLE_CONNS;
}

function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const mid = a.length >> 1;
  return a.length % 2 === 1 ? a[mid]! : (a[mid - 1]! + a[mid]!) / 2;
}

function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
}

async function main(): Promise<void> {
  const missing = ['wrk', 'h2load', 'taskset'].filter((b) => spawnSync('which', [b]).status !== 0);
  if (missing.length) {
    console.error(`bench:server needs ${missing.join(', ')}`);
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'trama-bench-'));
  const lua = join(dir, 'pipeline.lua');
  writeFileSync(
    lua,
    'init = function(args)\n  local r = {}\n  for i = 1, 16 do r[i] = wrk.format(nil, "/") end\n  req = table.concat(r)\nend\nrequest = function() return req end\n',
  );
  // Rounds interleave the servers so that a change in the machine's load hits all of them; each
  // figure is the median of its rounds.
  const samples: Record<Kind, { ka: number[]; pipe: number[]; cpu1: number[]; cpu16: number[]; mem: number[] }> = {
    ceiling: { ka: [], pipe: [], cpu1: [], cpu16: [], mem: [] },
    node: { ka: [], pipe: [], cpu1: [], cpu16: [], mem: [] },
    trama: { ka: [], pipe: [], cpu1: [], cpu16: [], mem: [] },
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of KINDS) {
      const r = await start(kind);
      const sm = samples[kind];
      sm.ka.push(await wrk(r.port, null));
      sm.pipe.push(await wrk(r.port, lua));
      sm.cpu1.push(await cpuPerRequest(r, 1));
      sm.cpu16.push(await cpuPerRequest(r, 16));
      sm.mem.push(await idleMemory(r));
      await stop(r);
    }
    console.log(`round ${round + 1}/${ROUNDS} done`);
  }
  const results = {} as Record<Kind, { ka: number; pipe: number; cpu1: number; cpu16: number; mem: number }>;
  for (const kind of KINDS) {
    const sm = samples[kind];
    const res = { ka: median(sm.ka), pipe: median(sm.pipe), cpu1: median(sm.cpu1), cpu16: median(sm.cpu16), mem: median(sm.mem) };
    results[kind] = res;
    console.log(
      `${kind.padEnd(8)} keep-alive ${fmt(res.ka, 0).padStart(8)} req/s   pipelined(16) ${fmt(res.pipe, 0).padStart(8)} req/s   ` +
        `cpu/req ${fmt(res.cpu1)} µs (m=1) ${fmt(res.cpu16)} µs (m=16)   idle conn ${fmt(res.mem / 1024)} KiB`,
    );
  }
  const n = results.node;
  const t = results.trama;
  const c = results.ceiling;
  console.log('\nratios (trama vs node:http, same run)                       target');
  console.log(`  keep-alive throughput      ${fmt(t.ka / n.ka, 2)}×   (ceiling ${fmt(t.ka / c.ka, 2)}×)        ≥ 1.0× node, ≥ 0.95× ceiling`);
  console.log(`  16-deep pipelining         ${fmt(t.pipe / n.pipe, 2)}×   (ceiling ${fmt(t.pipe / c.pipe, 2)}×)        ≥ 5×`);
  console.log(`  CPU/request keep-alive     ${fmt(t.cpu1 / n.cpu1, 2)}×                           ≤ 0.75×`);
  console.log(`  CPU/request pipelined      ${fmt(t.cpu16 / n.cpu16, 2)}×                           ≤ 0.25×`);
  console.log(`  memory per idle conn       ${fmt(t.mem / n.mem, 2)}×                           ≤ 0.7×`);
}

if (process.argv[2] === '--serve') serve(process.argv[3] as Kind);
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });

/**
 * WebSocket benchmark (`npm run bench:ws`; not a test).
 *
 * Servers (a child process pinned to core 1, the load in this process on core 0, `taskset` when
 * available): trama's `WebSocketServer` against `ws`'s, both echoing, without permessage-deflate
 * and without `ws`'s optional native add-ons (WS_NO_BUFFER_UTIL, WS_NO_UTF_8_VALIDATE).
 *  1. echo round trips/s, 64-byte and 16-KiB binary messages, over 1 and 100 connections (each
 *     connection sends, waits for its echo, sends again), load from `ws` clients for both servers;
 *  2. 1-to-1000 broadcast: the server sends one 64-byte message to 1000 clients, the time until
 *     the last has it (broadcasts/s over a burst);
 *  3. memory per idle WebSocket on the server: heap + external (after a GC) with 2000 open
 *     connections minus without, per connection.
 * Clients (against the same `ws` echo server in the child): trama's `WebSocket` against `ws`'s
 * client and undici's WebSocket, the same echo runs.
 * Rows of one run alternate within each round; ratios are medians over BENCH_ROUNDS rounds.
 * Env: BENCH_ROUNDS (3), BENCH_MS (1500 per measurement), BENCH_IDLE (2000), BENCH_FANOUT (1000).
 * BENCH_BASE=<another build's bench/ws.js>: that build's trama runs too, as `base` (server and
 * client rows), side by side in the same rounds: a before/after of a change in one run.
 */
process.env.WS_NO_BUFFER_UTIL = '1';
process.env.WS_NO_UTF_8_VALIDATE = '1';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import WS, { WebSocketServer as WSServer } from 'ws';
import { WebSocket as UndiciWebSocket } from 'undici';
import { WebSocket, WebSocketServer } from '../src/ws/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MS = Number(process.env.BENCH_MS ?? 1500);
const IDLE = Number(process.env.BENCH_IDLE ?? 2000);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 1000);
const SELF = fileURLToPath(import.meta.url);
/** The before build of a before/after run (see the top comment). */
const BASE = process.env.BENCH_BASE ?? null;
type BaseWs = typeof WebSocket;
/** The base build's WebSocket class (client rows), loaded in main() when BENCH_BASE is set. */
let BaseWebSocket: BaseWs | null = null;

// ------------------------------------------------------------------ server role (child process)

type Cmd = { cmd: 'broadcast'; n: number } | { cmd: 'mem' } | { cmd: 'closeAll' } | { cmd: 'cpu' };

async function serverRole(kind: 'trama' | 'trama-on-node' | 'ws'): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  let port: number;
  let broadcast: (data: Buffer) => void;
  let clients: () => number;
  let closeAll: () => void;
  if (kind === 'trama' || kind === 'trama-on-node') {
    // 'trama-on-node': the same WebSocketServer on node:http's server, to separate what the
    // WebSocket costs from what the HTTP server keeps per upgraded socket.
    const http = await import('node:http');
    const server = kind === 'trama-on-node' ? http.createServer() : null;
    const wss = server === null ? new WebSocketServer({ port: 0, host: '127.0.0.1' }) : new WebSocketServer({ server });
    if (server !== null) server.listen(0, '127.0.0.1');
    await once(server ?? wss, 'listening');
    wss.on('connection', (ws: WebSocket) => ws.on('message', (d: Buffer, bin: boolean) => ws.send(d, { binary: bin })));
    port = (wss.address() as AddressInfo).port;
    broadcast = (d) => wss.broadcast(d);
    clients = () => wss.clients.size;
    closeAll = () => {
      for (const c of wss.clients) c.terminate();
    };
  } else {
    const wss = new WSServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    await once(wss, 'listening');
    wss.on('connection', (ws) => ws.on('message', (d, bin) => ws.send(d as Buffer, { binary: bin })));
    port = (wss.address() as AddressInfo).port;
    // What ws users write: one send per client (ws has no broadcast helper).
    broadcast = (d) => {
      for (const c of wss.clients) if (c.readyState === WS.OPEN) c.send(d);
    };
    clients = () => wss.clients.size;
    closeAll = () => {
      for (const c of wss.clients) c.terminate();
    };
  }
  process.on('message', (m: Cmd) => {
    if (m.cmd === 'broadcast') {
      const payload = Buffer.alloc(64, 0x61);
      for (let i = 0; i < m.n; i++) broadcast(payload);
      process.send!({ type: 'done' });
    } else if (m.cmd === 'mem') {
      gc();
      gc();
      const u = process.memoryUsage();
      process.send!({ type: 'mem', bytes: u.heapUsed + u.external, clients: clients() });
    } else if (m.cmd === 'cpu') {
      const c = process.cpuUsage();
      process.send!({ type: 'cpu', us: c.user + c.system });
    } else if (m.cmd === 'closeAll') {
      closeAll();
      process.send!({ type: 'done' });
    }
  });
  process.send!({ type: 'port', port });
}

// ------------------------------------------------------------------ load role (this process)

interface Conn {
  send(b: Buffer): void;
  onMessage(fn: () => void): void;
  close(): void;
}

async function openConn(kind: 'trama' | 'ws' | 'undici' | 'base', url: string): Promise<Conn> {
  if (kind === 'ws') {
    const ws = new WS(url, { perMessageDeflate: false });
    await once(ws, 'open');
    return { send: (b) => ws.send(b), onMessage: (fn) => ws.on('message', fn), close: () => ws.terminate() };
  }
  const ws = kind === 'trama' ? new WebSocket(url, { perMessageDeflate: false }) : kind === 'base' ? new BaseWebSocket!(url, { perMessageDeflate: false }) : new UndiciWebSocket(url);
  ws.binaryType = 'arraybuffer';
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = (e: unknown) => reject(e);
  });
  return {
    send: (b) => ws.send(b),
    onMessage: (fn) => {
      ws.onmessage = fn;
    },
    close: () => ws.close(),
  };
}

/** Round trips per second over `conns`, each looping send → echo until the deadline. */
/** Round trips of the last echo() run (for CPU time per round trip). */
let lastCount = 0;

async function echo(conns: Conn[], size: number): Promise<number> {
  const payload = Buffer.alloc(size, 0x62);
  let count = 0;
  const deadline = performance.now() + MS;
  const start = performance.now();
  await Promise.all(
    conns.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.onMessage(() => {
            count++;
            if (performance.now() < deadline) c.send(payload);
            else resolve();
          });
          c.send(payload);
        }),
    ),
  );
  lastCount = count;
  return count / ((performance.now() - start) / 1000);
}

function startChild(kind: 'trama' | 'trama-on-node' | 'ws' | 'base', hasTaskset: boolean): Promise<{ child: ChildProcess; port: number }> {
  const args = kind === 'base' ? ['--expose-gc', ...process.execArgv, BASE!, '--server', 'trama'] : ['--expose-gc', ...process.execArgv, SELF, '--server', kind];
  const child = hasTaskset ? spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve) => child.once('message', (m: { port: number }) => resolve({ child, port: m.port })));
}

function ask<T>(child: ChildProcess, cmd: Cmd): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m: T) => resolve(m));
    child.send(cmd);
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
  if (hasTaskset) spawnSync('taskset', ['-p', '-c', '0', String(process.pid)]);
  const servers = { trama: await startChild('trama', hasTaskset), ws: await startChild('ws', hasTaskset), 'trama-on-node': await startChild('trama-on-node', hasTaskset) } as Record<'trama' | 'ws' | 'trama-on-node' | 'base', { child: ChildProcess; port: number }>;
  if (BASE !== null) {
    servers.base = await startChild('base', hasTaskset);
    BaseWebSocket = ((await import(new URL('../src/ws/index.js', pathToFileURL(BASE)).href)) as { WebSocket: BaseWs }).WebSocket;
  }
  const serverKinds = (BASE !== null ? ['trama', 'ws', 'base'] : ['trama', 'ws']) as Array<'trama' | 'ws' | 'base'>;
  const clientKinds = (BASE !== null ? ['trama', 'ws', 'undici', 'base'] : ['trama', 'ws', 'undici']) as Array<'trama' | 'ws' | 'undici' | 'base'>;
  const results = new Map<string, number[]>();
  const record = (name: string, v: number): void => {
    results.set(name, [...(results.get(name) ?? []), v]);
    console.log(`  ${name.padEnd(44)} ${Math.round(v).toString().padStart(9)}`);
  };
  const shapes: Array<[number, number]> = [[1, 64], [1, 16384], [100, 64], [100, 16384]];

  for (let r = 0; r < ROUNDS; r++) {
    console.log(`round ${r + 1}`);
    // 1. servers, loaded by ws clients.
    for (const [n, size] of shapes) {
      for (const kind of r % 2 ? [...serverKinds].reverse() : serverKinds) {
        const url = `ws://127.0.0.1:${servers[kind].port}/`;
        const conns = await Promise.all(Array.from({ length: n }, () => openConn('ws', url)));
        const cpu0 = (await ask<{ us: number }>(servers[kind].child, { cmd: 'cpu' })).us;
        record(`server ${kind} echo ${n}c ${size}B (rt/s)`, await echo(conns, size));
        const cpu1 = (await ask<{ us: number }>(servers[kind].child, { cmd: 'cpu' })).us;
        // CPU time per round trip: what the server spent, whatever the other sessions' load did to the wall clock.
        record(`server ${kind} echo ${n}c ${size}B (cpu ns/rt)`, ((cpu1 - cpu0) * 1000) / lastCount);
        for (const c of conns) c.close();
      }
    }
    // 1b. clients, against the ws server.
    for (const [n, size] of shapes) {
      for (const kind of r % 2 ? [...clientKinds].reverse() : clientKinds) {
        const url = `ws://127.0.0.1:${servers.ws.port}/`;
        const conns = await Promise.all(Array.from({ length: n }, () => openConn(kind, url)));
        const cpu0 = process.cpuUsage();
        record(`client ${kind} echo ${n}c ${size}B (rt/s)`, await echo(conns, size));
        const cpu = process.cpuUsage(cpu0);
        record(`client ${kind} echo ${n}c ${size}B (cpu ns/rt)`, ((cpu.user + cpu.system) * 1000) / lastCount);
        for (const c of conns) c.close();
      }
    }
    // 2. broadcast 1 → FANOUT.
    for (const kind of serverKinds) {
      const url = `ws://127.0.0.1:${servers[kind].port}/`;
      const conns: Conn[] = [];
      for (let i = 0; i < FANOUT; i += 100) conns.push(...(await Promise.all(Array.from({ length: Math.min(100, FANOUT - i) }, () => openConn('ws', url)))));
      const BURST = 20;
      let got = 0;
      const all = new Promise<void>((resolve) => {
        for (const c of conns)
          c.onMessage(() => {
            if (++got === BURST * FANOUT) resolve();
          });
      });
      const t0 = performance.now();
      await ask(servers[kind].child, { cmd: 'broadcast', n: BURST });
      await all;
      record(`server ${kind} broadcast 1→${FANOUT} (bc/s)`, BURST / ((performance.now() - t0) / 1000));
      for (const c of conns) c.close();
      await ask(servers[kind].child, { cmd: 'closeAll' });
    }
  }

  // 3. memory per idle WebSocket (once: it does not drift).
  const mem = new Map<string, number>();
  for (const kind of [...(['trama', 'trama-on-node', 'ws'] as const), ...(BASE !== null ? (['base'] as const) : [])]) {
    const url = `ws://127.0.0.1:${servers[kind].port}/`;
    await ask(servers[kind].child, { cmd: 'closeAll' });
    while ((await ask<{ clients: number }>(servers[kind].child, { cmd: 'mem' })).clients > 0) await new Promise((r) => setTimeout(r, 50));
    const before = await ask<{ bytes: number }>(servers[kind].child, { cmd: 'mem' });
    const conns: Conn[] = [];
    for (let i = 0; i < IDLE; i += 100) conns.push(...(await Promise.all(Array.from({ length: Math.min(100, IDLE - i) }, () => openConn('ws', url)))));
    const afterM = await ask<{ bytes: number; clients: number }>(servers[kind].child, { cmd: 'mem' });
    mem.set(kind, (afterM.bytes - before.bytes) / afterM.clients);
    for (const c of conns) c.close();
  }

  console.log(`\nmedians of ${ROUNDS} rounds (${MS} ms per echo measurement; shared machine: noisy)`);
  const med = (name: string): number => median(results.get(name) ?? [0]);
  const b0 = med;
  for (const [n, size] of shapes) {
    const t = med(`server trama echo ${n}c ${size}B (rt/s)`);
    const w = med(`server ws echo ${n}c ${size}B (rt/s)`);
    console.log(`server echo ${String(n).padStart(3)}c ${String(size).padStart(5)}B  trama ${Math.round(t).toString().padStart(7)}  ws ${Math.round(w).toString().padStart(7)}  trama/ws ${(t / w).toFixed(2)}x (target >= 1.2x)`);
  }
  for (const [n, size] of shapes) {
    const t = med(`client trama echo ${n}c ${size}B (rt/s)`);
    const w = med(`client ws echo ${n}c ${size}B (rt/s)`);
    const u = med(`client undici echo ${n}c ${size}B (rt/s)`);
    console.log(`client echo ${String(n).padStart(3)}c ${String(size).padStart(5)}B  trama ${Math.round(t).toString().padStart(7)}  ws ${Math.round(w).toString().padStart(7)}  undici ${Math.round(u).toString().padStart(7)}  trama/ws ${(t / w).toFixed(2)}x  trama/undici ${(t / u).toFixed(2)}x (target >= 1.5x)`);
  }
  console.log('CPU per round trip (process CPU time / round trips; steadier than rt/s on a loaded machine; lower is better):');
  for (const [n, size] of shapes) {
    const t = med(`server trama echo ${n}c ${size}B (cpu ns/rt)`);
    const w = med(`server ws echo ${n}c ${size}B (cpu ns/rt)`);
    const b = BASE !== null ? `  base ${Math.round(b0(`server base echo ${n}c ${size}B (cpu ns/rt)`))} ns (ws/base ${(w / b0(`server base echo ${n}c ${size}B (cpu ns/rt)`)).toFixed(2)}x)` : '';
    console.log(`server ${String(n).padStart(3)}c ${String(size).padStart(5)}B  trama ${Math.round(t)} ns  ws ${Math.round(w)} ns  ws/trama ${(w / t).toFixed(2)}x${b}`);
  }
  for (const [n, size] of shapes) {
    const t = med(`client trama echo ${n}c ${size}B (cpu ns/rt)`);
    const w = med(`client ws echo ${n}c ${size}B (cpu ns/rt)`);
    const u = med(`client undici echo ${n}c ${size}B (cpu ns/rt)`);
    const b = BASE !== null ? `  base ${Math.round(b0(`client base echo ${n}c ${size}B (cpu ns/rt)`))} ns` : '';
    console.log(`client ${String(n).padStart(3)}c ${String(size).padStart(5)}B  trama ${Math.round(t)} ns  ws ${Math.round(w)} ns  undici ${Math.round(u)} ns  ws/trama ${(w / t).toFixed(2)}x  undici/trama ${(u / t).toFixed(2)}x${b}`);
  }
  const bt = med(`server trama broadcast 1→${FANOUT} (bc/s)`);
  const bw = med(`server ws broadcast 1→${FANOUT} (bc/s)`);
  console.log(`broadcast 1→${FANOUT}  trama ${bt.toFixed(1)}/s  ws ${bw.toFixed(1)}/s  trama/ws ${(bt / bw).toFixed(2)}x (target >= 1.2x)`);
  console.log(`memory per idle WebSocket (server heap+external)  trama ${Math.round(mem.get('trama')!)} B  ws ${Math.round(mem.get('ws')!)} B  trama/ws ${(mem.get('trama')! / mem.get('ws')!).toFixed(2)}x (target <= 0.7x)`);
  console.log(`  the same WebSocketServer on node:http's server  ${Math.round(mem.get('trama-on-node')!)} B  ${(mem.get('trama-on-node')! / mem.get('ws')!).toFixed(2)}x ws (ws runs on node:http too)`);
  if (BASE !== null) {
    console.log(`\nbefore/after (BENCH_BASE = ${BASE}), same rounds: ratios to ws (undici)`);
    for (const [n, size] of shapes) {
      const w = med(`server ws echo ${n}c ${size}B (rt/s)`);
      console.log(`server echo ${String(n).padStart(3)}c ${String(size).padStart(5)}B  base/ws ${(med(`server base echo ${n}c ${size}B (rt/s)`) / w).toFixed(2)}x  trama/ws ${(med(`server trama echo ${n}c ${size}B (rt/s)`) / w).toFixed(2)}x`);
    }
    for (const [n, size] of shapes) {
      const w = med(`client ws echo ${n}c ${size}B (rt/s)`);
      const u = med(`client undici echo ${n}c ${size}B (rt/s)`);
      const b = med(`client base echo ${n}c ${size}B (rt/s)`);
      const t = med(`client trama echo ${n}c ${size}B (rt/s)`);
      console.log(`client echo ${String(n).padStart(3)}c ${String(size).padStart(5)}B  base/ws ${(b / w).toFixed(2)}x (${(b / u).toFixed(2)}x)  trama/ws ${(t / w).toFixed(2)}x (${(t / u).toFixed(2)}x)`);
    }
    const bb = med(`server base broadcast 1→${FANOUT} (bc/s)`);
    console.log(`broadcast 1→${FANOUT}  base/ws ${(bb / bw).toFixed(2)}x  trama/ws ${(bt / bw).toFixed(2)}x`);
    console.log(`memory per idle WebSocket  base ${Math.round(mem.get('base')!)} B (${(mem.get('base')! / mem.get('ws')!).toFixed(2)}x ws)  trama ${Math.round(mem.get('trama')!)} B (${(mem.get('trama')! / mem.get('ws')!).toFixed(2)}x ws)`);
    servers.base.child.kill();
  }
  servers['trama-on-node'].child.kill();
  servers.trama.child.kill();
  servers.ws.child.kill();
}

if (process.argv[2] === '--server') void serverRole(process.argv[3] as 'trama' | 'ws');
else void main();

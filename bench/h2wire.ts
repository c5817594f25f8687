/**
 * HTTP/2 wire benchmark (`npm run bench:h2wire`).
 *
 * 1. Frame parse throughput: `FrameReader` over a 16 MiB buffer of mixed frames (DATA of 1 KiB and
 *    16 KiB, HEADERS, WINDOW_UPDATE, PING, SETTINGS), fed in 64 KiB chunks like a socket would;
 *    frames/s and MB/s. node:http2 parses frames inside nghttp2 (C) and exposes no parser, so
 *    there is no same-level anchor here; the engine-level figures below have one.
 * 2. Engine receive throughput: a server `H2Connection.receive()` over the same kind of stream
 *    (requests + request bodies): frames/s through the full state machine and flow control.
 * 2b. Engine pair: 64 MiB of request bodies from a client engine to a server engine in memory
 *    (1 stream, 16 streams), through the send queue, scheduler, frame codec and flow control.
 * 3. Anchor, end to end: h2load (pinned to core 1) against node:http2 and against the trama engine
 *    behind a 40-line net driver (pinned to core 0), same requests, in the same run; req/s and
 *    the ratio. Skipped when h2load or taskset is missing.
 * 4. HPACK: helper B's `bench/h2wire-hpack.ts` (`runHpackBench()`), when present.
 *
 * Method: medians of BENCH_ROUNDS rounds (default 5). The machine may be shared: figures are
 * noisy; compare the columns of one run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { H2Connection } from '../src/wire/h2/connection.js';
import { encodeFrame, FrameReader, type Frame } from '../src/wire/h2/frames.js';
import { CLIENT_PREFACE } from '../src/wire/h2/constants.js';
import { HpackEncoder } from '../src/wire/h2/hpack/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

function mixedFrames(totalBytes: number, small = false): { buf: Buffer; frames: number } {
  const enc = new HpackEncoder();
  const parts: Buffer[] = [];
  let size = 0;
  let frames = 0;
  let id = 1;
  const kilo = Buffer.alloc(small ? 64 : 1024, 0x61);
  const big = Buffer.alloc(small ? 256 : 16_384, 0x62);
  while (size < totalBytes) {
    const batch: Frame[] = [
      { type: 'HEADERS', streamId: id, block: enc.encode([[':method', 'POST'], [':scheme', 'https'], [':authority', 'bench.test'], [':path', `/upload/${id}`], ['content-type', 'application/octet-stream'], ['user-agent', 'bench/1.0']]), endStream: false, endHeaders: true },
      { type: 'DATA', streamId: id, data: kilo, endStream: false },
      { type: 'DATA', streamId: id, data: big, endStream: false },
      { type: 'WINDOW_UPDATE', streamId: 0, increment: 17_408 },
      { type: 'DATA', streamId: id, data: kilo, endStream: true },
      { type: 'PING', ack: false, opaque: Buffer.alloc(8) },
    ];
    for (const f of batch) {
      const b = encodeFrame(f);
      parts.push(b);
      size += b.length;
      frames++;
    }
    id += 2;
  }
  return { buf: Buffer.concat(parts), frames };
}

function benchFrameReader(small: boolean): void {
  const { buf, frames } = mixedFrames(16 * 1024 * 1024, small);
  const chunk = 64 * 1024;
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const t0 = process.hrtime.bigint();
    const reader = new FrameReader();
    let n = 0;
    for (let i = 0; i < buf.length; i += chunk) {
      reader.push(buf.subarray(i, i + chunk));
      for (let r = reader.next(); r; r = reader.next()) n++;
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (n !== frames) throw new Error(`parsed ${n} of ${frames} frames`);
    if (round > 0) rates.push(secs); // round 0 warms up
  }
  const secs = median(rates);
  const shape = small ? 'small frames (DATA 64 B/256 B)' : 'large frames (DATA 1 KiB/16 KiB)';
  console.log(`frame parse   FrameReader, ${shape}: ${fmt(frames / secs)} frames/s, ${fmt(buf.length / secs / 1e6)} MB/s (${fmt(frames)} frames, ${(buf.length / 1048576).toFixed(0)} MiB, 64 KiB chunks)`);
}

function benchEngineReceive(): void {
  const { buf, frames } = mixedFrames(16 * 1024 * 1024, true);
  const chunk = 64 * 1024;
  const times: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const conn = new H2Connection({
      role: 'server', now: () => 0, connectionWindowSize: 2 ** 31 - 1,
      settings: { initialWindowSize: 2 ** 31 - 1, maxConcurrentStreams: 1 << 30 }, maxOutstandingAcks: 1 << 30, maxClosedStreams: 64,
    });
    const peer = encodeFrame({ type: 'SETTINGS', ack: false, settings: [] });
    conn.receive(Buffer.concat([CLIENT_PREFACE, peer]));
    const t0 = process.hrtime.bigint();
    let events = 0;
    for (let i = 0; i < buf.length; i += chunk) {
      for (const e of conn.receive(buf.subarray(i, i + chunk))) {
        events++;
        if (e.type === 'headers-received') conn.sendHeaders(e.streamId, [[':status', '204']], { endStream: true });
      }
      conn.takeOutput();
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (conn.isTerminated) throw new Error('engine terminated the bench connection');
    if (round > 0) times.push(secs);
    void events;
  }
  const secs = median(times);
  console.log(`engine recv   H2Connection.receive: ${fmt(frames / secs)} frames/s, ${fmt(buf.length / secs / 1e6)} MB/s (small frames; every request answered with a 204)`);
}

function benchEnginePair(streams: number): void {
  const total = 64 * 1024 * 1024;
  const per = total / streams;
  const payload = Buffer.alloc(per, 0x63);
  const times: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const client = new H2Connection({ role: 'client', settings: { initialWindowSize: 1 << 20 }, connectionWindowSize: 1 << 24 });
    const server = new H2Connection({ role: 'server', settings: { initialWindowSize: 1 << 20 }, connectionWindowSize: 1 << 24 });
    server.receive(client.takeOutput());
    client.receive(server.takeOutput());
    server.receive(client.takeOutput());
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < streams; i++) {
      const id = client.nextStreamId();
      client.sendHeaders(id, [[':method', 'POST'], [':scheme', 'https'], [':authority', 'b'], [':path', '/']]);
      client.sendData(id, payload, { endStream: true });
    }
    let got = 0;
    for (let turn = 0; got < total && turn < 1_000_000; turn++) {
      for (const chunk of client.takeOutputChunks()) {
        for (const e of server.receive(chunk)) {
          if (e.type === 'data-received') {
            got += e.data.length;
            server.acknowledgeReceivedData(e.streamId, e.data.length);
          }
        }
      }
      for (const chunk of server.takeOutputChunks()) client.receive(chunk);
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (got !== total) throw new Error(`moved ${got} of ${total}`);
    if (round > 0) times.push(secs);
  }
  const secs = median(times);
  console.log(`engine pair   client→server in memory, ${streams} stream(s), 1 MiB windows: ${fmt(total / secs / 1e6)} MB/s of body (send + receive + flow control)`);
}

// --- end to end: h2load against node:http2 and the trama engine ----------------------------------

function serveNode(): Promise<number> {
  const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain' });
    stream.end('hello world\n');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function serveTrama(): Promise<number> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const conn = new H2Connection({ role: 'server', settings: { maxConcurrentStreams: 1000 } });
    socket.on('data', (chunk: Buffer) => {
      for (const e of conn.receive(chunk)) {
        if (e.type === 'stream-ended') {
          conn.sendHeaders(e.streamId, [[':status', '200'], ['content-type', 'text/plain']]);
          conn.sendData(e.streamId, 'hello world\n', { endStream: true });
        } else if (e.type === 'data-received') conn.acknowledgeReceivedData(e.streamId, e.data.length);
      }
      const out = conn.takeOutput();
      if (out.length) socket.write(out);
      if (conn.wantsClose) socket.end();
    });
    socket.on('error', () => {});
    socket.write(conn.takeOutput());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

async function h2load(port: number): Promise<number> {
  const args = ['-c', '1', 'h2load', '-n', '40000', '-c', '8', '-m', '32', `http://127.0.0.1:${port}/`];
  const out = await new Promise<string>((resolve) => {
    const p = spawn('taskset', args);
    let s = '';
    p.stdout.on('data', (d: Buffer) => { s += d.toString(); });
    p.on('close', () => resolve(s));
  });
  const m = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  if (!m || !/40000 succeeded/.test(out)) throw new Error(`h2load failed:\n${out}`);
  return Number(m[1]);
}

async function benchEndToEnd(): Promise<void> {
  const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
  if (!has('h2load') || !has('taskset')) {
    console.log('end to end    skipped: h2load or taskset not installed');
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const start = (kind: string) =>
    new Promise<{ port: number; stop: () => void }>((resolve) => {
      const child = spawn('taskset', ['-c', '0', process.execPath, self, 'serve', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.once('data', (d: Buffer) => resolve({ port: Number(d.toString().trim()), stop: () => child.kill() }));
    });
  const rates: Record<string, number[]> = { node: [], trama: [] };
  for (const kind of ['node', 'trama']) {
    const s = await start(kind);
    try {
      await h2load(s.port); // warm-up
      for (let i = 0; i < Math.max(3, ROUNDS - 2); i++) rates[kind]!.push(await h2load(s.port));
    } finally {
      s.stop();
    }
  }
  const n = median(rates.node!);
  const t = median(rates.trama!);
  console.log(`end to end    h2load -c 8 -m 32 (server on core 0, h2load on core 1), 12-byte responses:`);
  console.log(`              node:http2 ${fmt(n)} req/s   trama engine ${fmt(t)} req/s   ratio trama/node ${(t / n).toFixed(2)}`);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'serve') {
    const port = process.argv[3] === 'node' ? await serveNode() : await serveTrama();
    process.stdout.write(`${port}\n`);
    return;
  }
  console.log(`trama h2wire benchmark (node ${process.version}; medians of ${ROUNDS} rounds; shared machine: noisy)`);
  benchFrameReader(false);
  benchFrameReader(true);
  benchEngineReceive();
  benchEnginePair(1);
  benchEnginePair(16);
  await benchEndToEnd();
  const hpack = new URL('./h2wire-hpack.js', import.meta.url);
  if (existsSync(fileURLToPath(hpack))) {
    const spec = hpack.href;
    const mod = (await import(spec)) as { runHpackBench?: () => Promise<void> };
    if (mod.runHpackBench) await mod.runHpackBench();
  }
}

void main();

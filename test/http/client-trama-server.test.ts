// trama's client against trama's own server: the same observations as node's client against it
// (bodies, headers, trailers, keep-alive reuse, 100-continue, upgrade).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as http from 'node:http';
import type * as net from 'node:net';
import { createServer } from '../../src/http/server.js';
import { NODE, TRAMA, listen, close, type ClientLib } from './client-support.js';

let server: net.Server;
let port = 0;

before(async () => {
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.url === '/trailers') {
        res.setHeader('Trailer', 'X-Sum');
        res.write('part1 ');
        res.write('part2');
        res.addTrailers({ 'X-Sum': 'abc' });
        res.end();
        return;
      }
      res.setHeader('Content-Type', 'text/plain');
      res.setHeader('X-Method', req.method ?? '');
      res.end(`${req.method} ${req.url} [${body}] te=${req.headers['transfer-encoding'] ?? '-'} cl=${req.headers['content-length'] ?? '-'}`);
    });
  });
  s.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    if (head.length) socket.write(head);
    socket.on('data', (d: Buffer) => socket.write(d));
  });
  server = s as unknown as net.Server;
  port = await listen(server);
});

after(() => close(server));

type Seen = { status: number; body: string; trailers: Record<string, unknown>; method: unknown; reused: boolean[] };

async function scenario(lib: ClientLib): Promise<Seen[]> {
  const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
  const one = (opts: http.RequestOptions, body?: string[]): Promise<Seen> =>
    new Promise((resolve, reject) => {
      const req = lib.request({ host: '127.0.0.1', port, agent, ...opts }, (res) => {
        let b = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: b, trailers: { ...res.trailers }, method: res.headers['x-method'], reused: [req.reusedSocket] }));
      });
      req.on('error', reject);
      for (const c of body ?? []) req.write(c);
      req.end();
    });
  const out: Seen[] = [];
  out.push(await one({ path: '/a' }));
  out.push(await one({ path: '/b', method: 'POST' }, ['x', 'y']));
  out.push(await one({ path: '/c', method: 'PUT', headers: { 'content-length': 3 } }, ['abc']));
  out.push(await one({ path: '/trailers' }));
  out.push(await one({ path: '/d', method: 'HEAD' }));
  out.push(await one({ path: '/e', method: 'DELETE' }));
  agent.destroy();
  return out;
}

test('the same requests give the same results through node\'s and trama\'s clients', async () => {
  const n = await scenario(NODE);
  const t = await scenario(TRAMA);
  assert.deepEqual(t, n);
  assert.equal(t[0]!.body, 'GET /a [] te=- cl=-');
  assert.equal(t[1]!.body, 'POST /b [xy] te=chunked cl=-');
  assert.deepEqual(t[3]!.trailers, { 'x-sum': 'abc' });
  // Keep-alive reuse through the HEAD (the last request's flag depends on whether it waited in
  // the queue, where node does not call reuseSocket(): checked above by equality with node).
  assert.deepEqual(
    t.slice(0, 5).map((s) => s.reused[0]),
    [false, true, true, true, true],
  );
});

test('Expect: 100-continue against trama\'s server', async () => {
  for (const lib of [NODE, TRAMA]) {
    const got = await new Promise<string>((resolve, reject) => {
      const req = lib.request({ host: '127.0.0.1', port, agent: false, method: 'POST', path: '/x', headers: { Expect: '100-continue', 'Content-Length': 2 } }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve(b));
      });
      req.on('continue', () => req.end('ok'));
      req.on('error', reject);
    });
    assert.equal(got, 'POST /x [ok] te=- cl=2', lib.name);
  }
});

test('upgrade through trama\'s server', async () => {
  const req = TRAMA.request({ host: '127.0.0.1', port, agent: false, headers: { Connection: 'Upgrade', Upgrade: 'echo' } });
  req.end();
  const socket = await new Promise<net.Socket>((resolve) => req.on('upgrade', (_res, s) => resolve(s)));
  socket.write('ping');
  const echoed = await new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
  assert.equal(echoed, 'ping');
  socket.destroy();
});

// Agent: node's options, members and pool behaviour, plus trama's keep-alive rules (the server's
// Keep-Alive hint, the stale-socket retry) and isolation of bad connections.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as netModule from 'node:net';
import { NODE, TRAMA, listen, close, rawServer, type ClientLib } from './client-support.js';
import { get, request } from '../../src/http/client-request.js';
import { Agent, globalAgent, globalHttpsAgent, HttpsAgent, KEEP_ALIVE_HINT_MARGIN_MS } from '../../src/http/agent.js';
import { MAX_REPLAY_BYTES } from '../../src/io/h1-client.js';

const closedOf = new WeakMap<http.ClientRequest, Promise<void>>();

function fetchText(lib: ClientLib, opts: http.RequestOptions): Promise<{ body: string; req: http.ClientRequest; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = lib.get(opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ body, req, res }));
    });
    closedOf.set(req, new Promise((r) => req.once('close', () => r())));
    req.on('error', reject);
  });
}

/** Resolves once `req` emitted 'close' (even if it already did). */
function onceClosed(req: http.ClientRequest): Promise<void> {
  return closedOf.get(req)!;
}

test('defaults and members match node', () => {
  const pick = (a: http.Agent): unknown => ({
    options: { ...(a as unknown as { options: object }).options },
    keepAlive: (a as unknown as { keepAlive: boolean }).keepAlive,
    keepAliveMsecs: (a as unknown as { keepAliveMsecs: number }).keepAliveMsecs,
    maxSockets: a.maxSockets,
    maxFreeSockets: a.maxFreeSockets,
    maxTotalSockets: a.maxTotalSockets,
    scheduling: (a as unknown as { scheduling: string }).scheduling,
    defaultPort: (a as unknown as { defaultPort: number }).defaultPort,
    protocol: (a as unknown as { protocol: string }).protocol,
    requests: Object.getPrototypeOf(a.requests),
    sockets: Object.getPrototypeOf(a.sockets),
    freeSockets: Object.getPrototypeOf(a.freeSockets),
  });
  for (const opts of [undefined, { keepAlive: true, maxSockets: 5, maxFreeSockets: 2, scheduling: 'fifo' as const, timeout: 10, keepAliveMsecs: 50 }]) {
    assert.deepEqual(pick(new TRAMA.Agent(opts)), pick(new NODE.Agent(opts)));
  }
  assert.deepEqual(pick(globalAgent as unknown as http.Agent), pick(http.globalAgent));
  assert.equal(globalHttpsAgent.defaultPort, 443);
  assert.equal(globalHttpsAgent.protocol, 'https:');
});

test('getName matches node', () => {
  const cases = [{}, { host: 'a', port: 80 }, { host: 'a', port: 8080, localAddress: '127.0.0.2' }, { host: 'a', port: 1, family: 4 }, { host: 'a', family: 6 }, { socketPath: '/tmp/x' }];
  for (const c of cases) assert.equal(new TRAMA.Agent().getName(c), new NODE.Agent().getName(c), JSON.stringify(c));
  assert.notEqual(new HttpsAgent().getName({ host: 'a', port: 1, ca: 'x' } as never), new HttpsAgent().getName({ host: 'a', port: 1 }));
});

test('bad agent options throw node\'s errors', () => {
  for (const o of [{ maxTotalSockets: 0 }, { maxTotalSockets: 'x' }, { scheduling: 'random' }]) {
    const errs = [NODE, TRAMA].map((lib) => {
      try {
        new lib.Agent(o as never);
        return 'no throw';
      } catch (e) {
        return [(e as Error).name, (e as NodeJS.ErrnoException).code, (e as Error).message];
      }
    });
    assert.deepEqual(errs[1], errs[0], JSON.stringify(o));
  }
});

test('maxSockets queues requests in agent.requests and reuses the one socket', async () => {
  const ports = new Set<number>();
  const server = http.createServer((req, res) => {
    ports.add(req.socket.remotePort!);
    res.end('ok');
  });
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const all = [0, 1, 2].map(() => fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never }));
  const name = agent.getName({ host: '127.0.0.1', port });
  assert.equal(agent.requests[name]!.length, 2);
  const results = await Promise.all(all);
  assert.deepEqual(results.map((r) => r.body), ['ok', 'ok', 'ok']);
  assert.equal(ports.size, 1);
  // node hands a queued request the socket without `reuseSocket()`: reusedSocket stays false.
  assert.deepEqual(results.map((r) => r.req.reusedSocket), [false, false, false]);
  await onceClosed(results[2]!.req);
  assert.equal(agent.requests[name], undefined);
  agent.destroy();
  await close(server);
});

test('maxTotalSockets bounds sockets across origins', async () => {
  const s1 = http.createServer((req, res) => res.end('1'));
  const s2 = http.createServer((req, res) => res.end('2'));
  const p1 = await listen(s1);
  const p2 = await listen(s2);
  const agent = new Agent({ keepAlive: true, maxTotalSockets: 2 });
  let peak = 0;
  const track = (): void => {
    peak = Math.max(peak, agent.totalSocketCount);
  };
  const reqs = [p1, p2, p1, p2, p1].map((port) => fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never }).then((r) => (track(), r.body)));
  track();
  const bodies = await Promise.all(reqs);
  assert.deepEqual(bodies, ['1', '2', '1', '2', '1']);
  assert.ok(peak <= 2, `peak ${peak}`);
  agent.destroy();
  await close(s1);
  await close(s2);
});

test('maxFreeSockets: extra idle sockets are closed', async () => {
  const server = http.createServer((req, res) => setImmediate(() => res.end('ok')));
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 1 });
  const results = await Promise.all([0, 1, 2].map(() => fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never })));
  await Promise.all(results.map((r) => onceClosed(r.req)));
  await new Promise((r) => setImmediate(r));
  const name = agent.getName({ host: '127.0.0.1', port });
  assert.equal(agent.freeSockets[name]?.length, 1);
  agent.destroy();
  await close(server);
});

test('scheduling lifo/fifo picks the same free socket as node', async () => {
  for (const scheduling of ['lifo', 'fifo'] as const) {
    const picks: number[][] = [];
    for (const lib of [NODE, TRAMA]) {
      const order: number[] = [];
      const server = http.createServer((req, res) => {
        order.push(req.socket.remotePort!);
        setImmediate(() => res.end('ok'));
      });
      const port = await listen(server);
      const agent = new lib.Agent({ keepAlive: true, scheduling });
      // Two sockets, freed in a known order (the first request finishes first).
      const a = await Promise.all([fetchText(lib, { host: '127.0.0.1', port, agent }), fetchText(lib, { host: '127.0.0.1', port, agent })]);
      await Promise.all(a.map((r) => onceClosed(r.req)));
      await new Promise((r) => setImmediate(r));
      await fetchText(lib, { host: '127.0.0.1', port, agent });
      const first = order.slice(0, 2);
      picks.push([first.indexOf(order[2]!)]);
      agent.destroy();
      await close(server);
    }
    assert.deepEqual(picks[1], picks[0], scheduling);
  }
});

test('keepSocketAlive / reuseSocket / createConnection can be overridden', async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  const port = await listen(server);
  const calls: string[] = [];
  class MyAgent extends Agent {
    override createConnection(options: never, cb?: never): ReturnType<Agent['createConnection']> {
      calls.push('create');
      return super.createConnection(options, cb);
    }
    override keepSocketAlive(socket: never): boolean {
      calls.push('keep');
      return super.keepSocketAlive(socket);
    }
    override reuseSocket(socket: never, req: never): void {
      calls.push('reuse');
      super.reuseSocket(socket, req);
    }
  }
  const agent = new MyAgent({ keepAlive: true });
  const r1 = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  await onceClosed(r1.req);
  await new Promise((r) => setImmediate(r));
  await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  assert.deepEqual(calls.slice(0, 3), ['create', 'keep', 'reuse']);
  agent.destroy();
  await close(server);
});

test('keepSocketAlive returning false: the socket is destroyed, not pooled', async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  const port = await listen(server);
  class NoKeep extends Agent {
    override keepSocketAlive(): boolean {
      return false;
    }
  }
  const agent = new NoKeep({ keepAlive: true });
  const r = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  await new Promise((resolve) => r.req.socket!.once('close', resolve));
  assert.deepEqual(Object.keys(agent.freeSockets), []);
  await close(server);
});

test('the server\'s Keep-Alive: timeout hint — 1s means "don\'t reuse", larger sets an idle deadline', async () => {
  let hint = 'timeout=1';
  const server = rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: ${hint}\r\n\r\nok`));
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true });
  const name = agent.getName({ host: '127.0.0.1', port });
  const r1 = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  await new Promise((resolve) => r1.req.socket!.once('close', resolve));
  assert.equal(agent.freeSockets[name], undefined);

  hint = 'timeout=5, max=100';
  const r2 = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  await onceClosed(r2.req);
  await new Promise((r) => setImmediate(r));
  const free = agent.freeSockets as Record<string, net.Socket[] | undefined>;
  assert.equal(free[name]?.length, 1);
  const pooled = free[name]![0]!;
  // Past the deadline (4 s = 5 s minus the margin), the pooled socket is not reused.
  const now = Date.now();
  const clock = mock.method(Date, 'now', () => now + 4500);
  const closed = new Promise((resolve) => pooled.once('close', resolve));
  try {
    const r3 = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
    assert.equal(r3.req.reusedSocket, false);
    assert.notEqual(r3.req.socket, pooled);
  } finally {
    clock.mock.restore();
  }
  await closed;
  agent.destroy();
  await close(server);
});

/** A server that answers the first request of each connection and kills the connection at the second (the stale keep-alive race). */
function staleServer(): net.Server {
  return rawServer((socket) => {
    const n = ((socket as unknown as { n?: number }).n ?? 0) + 1;
    (socket as unknown as { n?: number }).n = n;
    if (n === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    else socket.destroy();
  });
}

/** A stale server and a keep-alive agent holding one pooled socket to it (the server will kill it at the next request). */
async function staleAgent(): Promise<{ server: net.Server; port: number; agent: Agent; stale: net.Socket }> {
  const server = staleServer();
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true });
  const r1 = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  await onceClosed(r1.req);
  await new Promise((r) => setImmediate(r));
  return { server, port, agent, stale: r1.req.socket! };
}

test('stale keep-alive socket: an idempotent request is retried once on a fresh socket (node fails with ECONNRESET)', async () => {
  const results: unknown[] = [];
  for (const lib of [NODE, TRAMA]) {
    const server = staleServer();
    const port = await listen(server);
    const agent = new lib.Agent({ keepAlive: true });
    const r1 = await fetchText(lib, { host: '127.0.0.1', port, agent });
    await onceClosed(r1.req);
    await new Promise((r) => setImmediate(r));
    const out = await fetchText(lib, { host: '127.0.0.1', port, agent }).then(
      (r) => ['ok', r.body, r.req.reusedSocket],
      (e: NodeJS.ErrnoException) => ['error', e.code],
    );
    results.push(out);
    agent.destroy();
    await close(server);
  }
  assert.deepEqual(results[0], ['error', 'ECONNRESET']);
  assert.deepEqual(results[1], ['ok', 'ok', false]);
});

test('stale keep-alive socket: a POST is not retried; the error says reusedSocket', async () => {
  const { server, port, agent } = await staleAgent();
  const req = request({ host: '127.0.0.1', port, agent, method: 'POST' });
  req.end('data');
  const err = await new Promise<NodeJS.ErrnoException>((resolve) => req.on('error', resolve));
  assert.equal(err.code, 'ECONNRESET');
  assert.equal(req.reusedSocket, true);
  agent.destroy();
  await close(server);
});

test('a malformed response kills only its own socket; the agent keeps serving others', async () => {
  let n = 0;
  const server = rawServer((socket) => {
    n++;
    if (n === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab');
    else setImmediate(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  });
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const bad = fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never }).then(
    () => 'ok',
    (e: NodeJS.ErrnoException) => e.code,
  );
  const good = fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  assert.equal(await bad, 'HPE_UNEXPECTED_CONTENT_LENGTH');
  const g = await good;
  assert.equal(g.body, 'ok');
  await onceClosed(g.req);
  await new Promise((r) => setImmediate(r));
  const name = agent.getName({ host: '127.0.0.1', port });
  // Only the healthy socket is pooled.
  assert.equal(agent.freeSockets[name]?.length, 1);
  assert.equal(agent.sockets[name], undefined);
  const again = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  assert.equal(again.body, 'ok');
  agent.destroy();
  await close(server);
});

test('bytes after a complete response: the response is delivered, the socket is never pooled', async () => {
  const server = rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true });
  const r = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  assert.equal(r.body, 'ok');
  await new Promise((resolve) => (r.req.socket!.destroyed ? resolve(null) : r.req.socket!.once('close', resolve)));
  assert.deepEqual(Object.keys(agent.freeSockets), []);
  agent.destroy();
  await close(server);
});

test('an idle pooled socket that receives bytes is destroyed and leaves the pool', async () => {
  let serverSocket: net.Socket | undefined;
  const server = rawServer((socket) => {
    serverSocket = socket;
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true });
  const r = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  await onceClosed(r.req);
  await new Promise((res) => setImmediate(res));
  const name = agent.getName({ host: '127.0.0.1', port });
  const pooled = agent.freeSockets[name]![0]!;
  const closed = new Promise((res) => pooled.once('close', res));
  serverSocket!.write('HTTP/1.1 200 OK\r\n\r\n');
  await closed;
  assert.equal(agent.freeSockets[name], undefined);
  assert.equal(agent.totalSocketCount, 0);
  await close(server);
});

test('agent timeout destroys an idle pooled socket; agent.destroy() closes everything', async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true, timeout: 30 });
  const r = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  await new Promise((res) => r.req.socket!.once('close', res));
  assert.deepEqual(Object.keys(agent.freeSockets), []);
  const agent2 = new Agent({ keepAlive: true });
  const r2 = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent2 as never });
  await onceClosed(r2.req);
  const closed = new Promise((res) => r2.req.socket!.once('close', res));
  agent2.destroy();
  await closed;
  assert.equal(agent2.totalSocketCount, 0);
  await close(server);
});

test('agentRemove takes a socket out of the pool', async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true });
  const req = get({ host: '127.0.0.1', port, agent });
  req.on('socket', (s: net.Socket) => s.emit('agentRemove'));
  await new Promise((r) => req.on('response', (res: http.IncomingMessage) => r(res.resume())));
  assert.equal(agent.totalSocketCount, 0);
  assert.deepEqual(Object.keys(agent.sockets), []);
  req.socket?.destroy();
  await close(server);
});

test('a pooled socket the server closes (FIN) leaves the pool; the next request opens a new one', async () => {
  // The server answers (keep-alive, no hint), then closes its side once the client has pooled it.
  let serverSide: net.Socket | undefined;
  const server = rawServer((socket) => {
    serverSide = socket;
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true });
  const r1 = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  await onceClosed(r1.req);
  await new Promise((r) => setImmediate(r));
  const name = agent.getName({ host: '127.0.0.1', port });
  const pooled = agent.freeSockets[name]![0]!;
  serverSide!.end();
  await new Promise((r) => pooled.once('close', r));
  assert.equal(agent.freeSockets[name], undefined);
  assert.equal(agent.totalSocketCount, 0);
  const r2 = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  assert.equal(r2.body, 'ok');
  assert.equal(r2.req.reusedSocket, false);
  agent.destroy();
  await close(server);
});

test('stale keep-alive socket: a request larger than maxReplayBytes is not retried', async () => {
  const server = staleServer();
  const port = await listen(server);
  const agent = new Agent({ keepAlive: true, maxReplayBytes: 10 });
  const r1 = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  await onceClosed(r1.req);
  await new Promise((r) => setImmediate(r));
  // The GET head alone is over 10 bytes: nothing kept to replay.
  const err = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never }).then(
    () => null,
    (e: NodeJS.ErrnoException) => e,
  );
  assert.equal(err?.code, 'ECONNRESET');
  agent.destroy();
  await close(server);
});

test('stale keep-alive socket, default replay bound (MAX_REPLAY_BYTES): a PUT under it is retried, one over it is not', async () => {
  const outcomes: string[] = [];
  for (const bodyBytes of [MAX_REPLAY_BYTES - 4096, MAX_REPLAY_BYTES + 1]) {
    const { server, port, agent } = await staleAgent();
    const outcome = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, agent, method: 'PUT' }, (res) => {
        res.resume();
        res.on('end', () => resolve(`status ${res.statusCode}, reused ${req.reusedSocket}`));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
      req.end(Buffer.alloc(bodyBytes, 0x61));
    });
    outcomes.push(outcome);
    agent.destroy();
    await close(server);
  }
  // Under the bound: replayed on a fresh socket (so not a reused one). Over it: the error.
  assert.equal(outcomes[0], 'status 200, reused false');
  assert.match(outcomes[1]!, /^error (ECONNRESET|EPIPE)$/);
});

test("node's own http.Agent can pool trama's requests (the pool protocol is node's)", async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  const port = await listen(server);
  const agent = new http.Agent({ keepAlive: true });
  const reused: boolean[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await fetchText(TRAMA, { host: '127.0.0.1', port, agent });
    reused.push(r.req.reusedSocket);
    await onceClosed(r.req);
    await new Promise((res) => setImmediate(res));
  }
  assert.deepEqual(reused, [false, true, true]);
  agent.destroy();
  await close(server);
});

test("stale keep-alive socket retry: 'socket' is emitted again with the new socket, and the request's socket settings follow it", async () => {
  const { server, port, agent, stale } = await staleAgent();
  const req = get({ host: '127.0.0.1', port, agent });
  // Asked before any socket is assigned: node defers them to the first 'socket'.
  req.setTimeout(4321);
  req.setNoDelay(true);
  req.setSocketKeepAlive(true, 2345);
  const sockets: net.Socket[] = [];
  const calls: string[] = [];
  req.on('socket', (s: net.Socket) => {
    sockets.push(s);
    if (sockets.length === 2) {
      // Spy on the fresh socket before its 'connect', when the deferred settings are applied.
      const spy = s as unknown as Record<string, (...a: unknown[]) => unknown>;
      for (const m of ['setTimeout', 'setNoDelay', 'setKeepAlive']) {
        const orig = spy[m]!;
        spy[m] = function (this: unknown, ...a: unknown[]) {
          calls.push(`${m} ${a.join(' ')}`);
          return orig.apply(this, a);
        };
      }
    }
  });
  const body = await new Promise<string>((resolve, reject) => {
    req.on('response', (res: http.IncomingMessage) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => resolve(b));
    });
    req.on('error', reject);
  });
  assert.equal(body, 'ok');
  assert.equal(sockets.length, 2);
  assert.equal(sockets[0], stale);
  assert.notEqual(sockets[1], stale);
  assert.equal(req.socket, sockets[1]);
  assert.equal(req.reusedSocket, false);
  // (the response's end sets the timeout back to 0, as node does: check the call, not the state)
  assert.ok(calls.includes('setTimeout 4321'), calls.join(', '));
  assert.ok(calls.includes('setNoDelay true'), calls.join(', '));
  assert.ok(calls.includes('setKeepAlive true 2345'), calls.join(', '));
  agent.destroy();
  await close(server);
});

test('keepAliveHintMargin: the idle deadline is the server hint minus the margin (default KEEP_ALIVE_HINT_MARGIN_MS), crossed at both sides', async () => {
  const server = rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=3\r\n\r\nok'));
  const port = await listen(server);
  /** Pool one socket with `agent`, then ask again `elapsed` ms later: was the pooled socket reused? */
  const reusedAfter = async (agent: Agent, elapsed: number): Promise<boolean> => {
    // The clock stands still from the first response to the second request (a loaded machine
    // can't move the bound), then jumps by `elapsed`.
    const base = Date.now();
    let offset = 0;
    const clock = mock.method(Date, 'now', () => base + offset);
    try {
      const r1 = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
      await onceClosed(r1.req);
      await new Promise((r) => setImmediate(r));
      const name = agent.getName({ host: '127.0.0.1', port });
      assert.equal(agent.freeSockets[name]?.length, 1);
      offset = elapsed;
      const r2 = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
      await onceClosed(r2.req);
      return r2.req.reusedSocket;
    } finally {
      clock.mock.restore();
      agent.destroy();
    }
  };
  assert.equal(KEEP_ALIVE_HINT_MARGIN_MS, 1000);
  assert.equal(new Agent().keepAliveHintMargin, KEEP_ALIVE_HINT_MARGIN_MS);
  // Default: 3 s - 1 s = a 2 s deadline (the clock is frozen at the sample, so the bound is exact).
  assert.equal(await reusedAfter(new Agent({ keepAlive: true }), 1990), true);
  assert.equal(await reusedAfter(new Agent({ keepAlive: true }), 2010), false);
  // A 200 ms margin: 2.8 s.
  assert.equal(await reusedAfter(new Agent({ keepAlive: true, keepAliveHintMargin: 200 }), 2790), true);
  assert.equal(await reusedAfter(new Agent({ keepAlive: true, keepAliveHintMargin: 200 }), 2810), false);
  // A margin at or above the hint: the socket is not pooled at all.
  const agent = new Agent({ keepAlive: true, keepAliveHintMargin: 3000 });
  const r = await fetchText(TRAMA, { host: '127.0.0.1', port, agent: agent as never });
  await new Promise((resolve) => r.req.socket!.once('close', resolve));
  assert.equal(agent.freeSockets[agent.getName({ host: '127.0.0.1', port })], undefined);
  agent.destroy();
  // Bad values: node-style errors; the option does not leak into the connection options.
  assert.throws(() => new Agent({ keepAliveHintMargin: -1 }), { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
  assert.throws(() => new Agent({ keepAliveHintMargin: '5' as never }), { code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' });
  assert.equal('keepAliveHintMargin' in new Agent({ keepAliveHintMargin: 5 }).options, false);
  await close(server);
});

test('keepAliveMsecs reaches setKeepAlive on a socket being pooled, as in node', async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  const port = await listen(server);
  const calls: Record<string, string[]> = { node: [], trama: [] };
  for (const lib of [NODE, TRAMA]) {
    const agent = new lib.Agent({ keepAlive: true, keepAliveMsecs: 4321 });
    const req = lib.get({ host: '127.0.0.1', port, agent });
    req.on('socket', (s: net.Socket) => {
      const orig = s.setKeepAlive;
      s.setKeepAlive = function (this: net.Socket, enable?: boolean, delay?: number) {
        calls[lib.name]!.push(`${enable} ${delay}`);
        return orig.call(this, enable, delay);
      };
    });
    const closed = new Promise((r) => req.on('close', r));
    req.on('response', (res: http.IncomingMessage) => res.resume());
    await closed;
    await new Promise((r) => setImmediate(r));
    agent.destroy();
  }
  assert.deepEqual(calls.node, ['true 4321']);
  assert.deepEqual(calls.trama, calls.node);
  await close(server);
});

test('pool state matches node for maxSockets, maxTotalSockets, maxFreeSockets and timeout (3 concurrent requests)', async () => {
  const server = http.createServer((req, res) => setImmediate(() => res.end(String(req.socket.remotePort))));
  const port = await listen(server);
  const configs: http.AgentOptions[] = [{ maxSockets: 1 }, { maxTotalSockets: 2 }, { maxFreeSockets: 1 }, { timeout: 200 }, {}];
  const logs: Record<string, unknown[]> = { node: [], trama: [] };
  for (const lib of [NODE, TRAMA]) {
    for (const config of configs) {
      const agent = new lib.Agent({ keepAlive: true, ...config });
      const name = agent.getName({ host: '127.0.0.1', port });
      const count = (b: Record<string, unknown[] | undefined>): number => b[name]?.length ?? 0;
      const state = (): unknown => [count(agent.requests), count(agent.sockets), count(agent.freeSockets), (agent as unknown as { totalSocketCount: number }).totalSocketCount];
      const pending = [0, 1, 2].map(() => fetchText(lib, { host: '127.0.0.1', port, agent }));
      const queued = state();
      const results = await Promise.all(pending);
      await Promise.all(results.map((r) => onceClosed(r.req)));
      await new Promise((r) => setImmediate(r));
      const idle = state();
      if (config.timeout) {
        // The agent timeout destroys the idle pooled sockets.
        await Promise.all(results.map((r) => new Promise((res) => (r.req.socket!.destroyed ? res(null) : r.req.socket!.once('close', res)))));
      }
      logs[lib.name]!.push({ config, queued, idle, after: state(), connections: new Set(results.map((r) => r.body)).size, reused: results.map((r) => r.req.reusedSocket) });
      agent.destroy();
    }
  }
  assert.equal(logs.node!.length, configs.length);
  assert.deepEqual(logs.trama, logs.node);
  await close(server);
});

/**
 * A server that answers each request as soon as its head arrives and then stops reading until
 * `resume()` is called: the request's body is still on its way (buffered in the client's
 * socket) when the response has ended.
 */
function answerBeforeBody(): { server: net.Server; resume: () => void } {
  let paused: net.Socket | null = null;
  const server = netModule.createServer((s) => {
    s.on('error', () => {});
    let buf: Buffer = Buffer.alloc(0);
    let remaining = 0;
    const onData = (d: Buffer): void => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      for (;;) {
        if (remaining > 0) {
          const n = Math.min(remaining, buf.length);
          remaining -= n;
          buf = buf.subarray(n);
          if (remaining > 0) return;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        remaining = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        if (remaining > buf.length) {
          // Stop reading: the rest of this body stays queued in the client's socket.
          s.pause();
          paused = s;
        }
      }
    };
    s.on('data', onData);
  });
  return { server, resume: () => paused?.resume() };
}

test('keep-alive: a socket whose request body is still being written is not handed to the next request before it drained (as node)', async () => {
  // Larger than what loopback socket buffers absorb, so the body is still queued when the
  // response ends.
  const BODY = 32 * 1024 * 1024;
  const results: string[][] = [];
  for (const lib of [NODE, TRAMA]) {
    const { server, resume } = answerBeforeBody();
    const port = await listen(server);
    const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
    const log: string[] = [];
    const first = lib.request({ host: '127.0.0.1', port, method: 'POST', agent }, (res) => {
      res.resume();
      res.on('end', () => {
        log.push(`first response end, body written: ${first.writableFinished}`);
        // Let the server read the rest of the body now.
        setImmediate(resume);
      });
    });
    first.on('finish', () => log.push('first finish'));
    first.end(Buffer.alloc(BODY, 0x61));
    const second = await new Promise<string>((resolve, reject) => {
      const req = lib.get({ host: '127.0.0.1', port, agent }, (res) => {
        let b = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (b += d));
        // A queued request gets the released socket without reuseSocket(): reusedSocket stays false in node.
        res.on('end', () => resolve(`${b} reused=${req.reusedSocket}`));
      });
      req.on('socket', () => log.push('second socket'));
      req.on('error', reject);
    });
    log.push(`second ${second}`);
    agent.destroy();
    await close(server);
    results.push(log);
  }
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[1], ['first response end, body written: false', 'first finish', 'second socket', 'second ok reused=false']);
});

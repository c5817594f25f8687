// What real programs and their test tools do with node's client, run against node:http and trama
// (issue 11): custom createConnection with socketPath, custom sockets that fail after abort, a 101
// that switches nothing, subclasses that skip ClientRequest's constructor (nock's
// ErroringClientRequest and its request router), Agent without `new`, class names,
// diagnostics_channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import * as dc from 'node:diagnostics_channel';
import { EventEmitter, once } from 'node:events';
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { listen, close, NODE, TRAMA, type ClientLib } from './client-support.js';

type Lib = ClientLib;
const LIBS: Lib[] = [NODE, TRAMA];

/** Run `scenario` with node's client then trama's; returns both results. */
async function both<T>(scenario: (lib: Lib) => Promise<T>): Promise<{ node: T; trama: T }> {
  return { node: await scenario(LIBS[0]!), trama: await scenario(LIBS[1]!) };
}

let sockCount = 0;
function socketFile(): string {
  return path.join(os.tmpdir(), `trama-client-${process.pid}-${sockCount++}.sock`);
}

test('socketPath with a custom createConnection: createConnection gets the socket path as `path` (as node)', async () => {
  const file = socketFile();
  const server = http.createServer((req, res) => res.end(`${req.method} ${req.url}`));
  await new Promise<void>((resolve) => server.listen(file, resolve));
  try {
    const { node, trama: t } = await both(async (lib) => {
      let seen: { path?: unknown; socketPath?: unknown } = {};
      const body = await new Promise<string>((resolve, reject) => {
        const req = lib.request(
          {
            socketPath: file,
            path: '/resource?q=1',
            createConnection: (opts: { path?: unknown; socketPath?: unknown }) => {
              seen = { path: opts.path, socketPath: opts.socketPath };
              return net.createConnection(opts as net.NetConnectOpts);
            },
          } as http.RequestOptions,
          (res) => {
            let b = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (b += d));
            res.on('end', () => resolve(b));
          },
        );
        req.on('error', reject);
        req.end();
      });
      return { seen, body };
    });
    assert.deepEqual(t, node);
    assert.deepEqual(t, { seen: { path: file, socketPath: file }, body: 'GET /resource?q=1' });
  } finally {
    await close(server);
  }
});

test('createConnection without socketPath: `path` is not the request path (node clears it)', async () => {
  const { node, trama: t } = await both(async (lib) => {
    let seen: unknown = 'unset';
    await new Promise<void>((resolve) => {
      const req = lib.request({
        host: '127.0.0.1',
        port: 9,
        path: '/x',
        createConnection: (opts: { path?: unknown }) => {
          seen = opts.path;
          return new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
        },
      } as http.RequestOptions);
      req.on('error', () => {});
      req.on('close', () => resolve());
      req.destroy();
    });
    return seen;
  });
  assert.equal(t, node);
  assert.equal(t, undefined);
});

/** A Duplex whose destroy fails: at once (`late` false) or a turn later. */
function failingSocket(late: boolean): Duplex {
  return new Duplex({
    read() {},
    write(_c, _e, cb) {
      cb();
    },
    destroy(_err, cb) {
      const fail = (): void => cb(new Error('custom socket failed'));
      if (late) setImmediate(fail);
      else fail();
    },
  });
}

for (const late of [false, true]) {
  test(`abort() before the socket is used, the custom socket then fails${late ? ' a turn later' : ''}: the error is the request's, no crash (as node)`, async () => {
    const { node, trama: t } = await both(async (lib) => {
      const log: string[] = [];
      await new Promise<void>((resolve) => {
        const req = lib.request({ host: 'example.test', createConnection: () => failingSocket(late) } as http.RequestOptions);
        req.on('abort', () => log.push('abort'));
        req.on('error', (e: Error) => log.push(`error ${e.message}`));
        req.on('close', () => {
          log.push('close');
          resolve();
        });
        req.abort();
      });
      return log;
    });
    assert.deepEqual(t, node);
    assert.deepEqual(t, ['abort', 'error custom socket failed', 'close']);
  });
}

test('destroy() once the custom socket is in use, the socket then fails: the error is the request\'s (as node)', async () => {
  const { node, trama: t } = await both(async (lib) => {
    const log: string[] = [];
    await new Promise<void>((resolve) => {
      const req = lib.request({ host: 'example.test', createConnection: () => failingSocket(true) } as http.RequestOptions);
      req.on('error', (e: Error) => log.push(`error ${e.message}`));
      req.on('close', () => {
        log.push('close');
        resolve();
      });
      req.on('socket', () => setImmediate(() => req.abort()));
      req.end();
    });
    return log;
  });
  assert.deepEqual(t, node);
  assert.deepEqual(t, ['error custom socket failed', 'close']);
});

/** Send `reply` to the first request on a raw connection, then close; log what the client sees. */
async function answer101(lib: Lib, reply: string): Promise<string[]> {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.end(reply));
  });
  const port = await listen(server);
  const log: string[] = [];
  await new Promise<void>((resolve) => {
    let reqClosed = false;
    let resClosed = true;
    const done = (): void => {
      if (reqClosed && resClosed) resolve();
    };
    const req = lib.get({ port, host: '127.0.0.1', agent: false }, (res) => {
      resClosed = false;
      log.push(`response ${res.statusCode} upgrade=${String((res as unknown as { upgrade: boolean }).upgrade)}`);
      res.on('data', (d: Buffer) => log.push(`data ${JSON.stringify(d.toString('latin1'))}`));
      res.on('end', () => log.push('end'));
      res.on('close', () => {
        log.push('res close');
        resClosed = true;
        done();
      });
    });
    req.on('upgrade', (res: http.IncomingMessage, sock: net.Socket, head: Buffer) => {
      log.push(`upgrade ${res.statusCode} head=${JSON.stringify(head.toString('latin1'))}`);
      sock.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) => log.push(`error ${e.code}`));
    req.on('close', () => {
      log.push('req close');
      reqClosed = true;
      done();
    });
  });
  await close(server);
  return log;
}

for (const [label, reply] of [
  ['no Upgrade field', 'HTTP/1.1 101 Switching Protocols\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
  ['a Content-Length', 'HTTP/1.1 101 Switching Protocols\r\nContent-Length: 3\r\n\r\nabc'],
  ['Connection: upgrade only', 'HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\n\r\nxyz'],
  ['Upgrade only', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\n\r\nxyz'],
] as const) {
  test(`a 101 with ${label} is an ordinary response without a body (as node)`, async () => {
    const { node, trama: t } = await both((lib) => answer101(lib, reply));
    assert.deepEqual(t, node);
    assert.deepEqual(t.slice(0, 2), ['response 101 upgrade=false', 'end']);
  });
}

test('a 101 with Upgrade and Connection: upgrade still switches (as node)', async () => {
  const reply = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nxyz';
  const { node, trama: t } = await both((lib) => answer101(lib, reply));
  assert.deepEqual(t, node);
  assert.deepEqual(t, ['upgrade 101 head="xyz"', 'req close']);
});

/** nock's ErroringClientRequest: a ClientRequest subclass whose constructor only runs OutgoingMessage's. */
function erroringClientRequest(lib: Lib): new (err: Error) => http.ClientRequest {
  function ErroringClientRequest(this: http.ClientRequest, error: Error): void {
    lib.OutgoingMessage.call(this);
    process.nextTick(() => this.emit('error', error));
  }
  util.inherits(ErroringClientRequest, lib.ClientRequest);
  return ErroringClientRequest as unknown as new (err: Error) => http.ClientRequest;
}

const PARTIAL_CALLS: [string, (r: http.ClientRequest) => unknown][] = [
  ['setHeader', (r) => (r.setHeader('X-A', '1'), 'ok')],
  ['getHeader', (r) => r.getHeader('x-a')],
  ['getHeaders', (r) => JSON.stringify(r.getHeaders())],
  ['hasHeader', (r) => r.hasHeader('x-a')],
  ['removeHeader', (r) => r.removeHeader('x-a')],
  ['socket', (r) => String(r.socket)],
  ['connection', (r) => String(r.connection)],
  ['setTimeout', (r) => (r.setTimeout(1000), 'ok')],
  ['clearTimeout', (r) => ((r as unknown as { clearTimeout(): void }).clearTimeout(), 'ok')],
  ['setNoDelay', (r) => (r.setNoDelay(true), 'ok')],
  ['setSocketKeepAlive', (r) => (r.setSocketKeepAlive(true, 10), 'ok')],
  ['flushHeaders', (r) => (r.flushHeaders(), (r as unknown as { _header: unknown })._header)],
  ['write', (r) => r.write('abc')],
  ['end', (r) => (r.end('x'), (r as unknown as { _header: unknown })._header)],
  ['abort', (r) => (r.abort(), 'ok')],
  ['destroy', (r) => (r.destroy(new Error('destroyed')), 'ok')],
  ['state', (r) => `${String(r.aborted)} ${String(r.destroyed)} ${String(r.path)} ${String(r.method)} ${String(r.reusedSocket)}`],
];

test("ClientRequest's methods on a subclass that skipped its constructor (nock's ErroringClientRequest) behave as node's", async () => {
  const { node, trama: t } = await both(async (lib) => {
    const Erroring = erroringClientRequest(lib);
    const out: string[] = [];
    for (const [name, call] of PARTIAL_CALLS) {
      const req = new Erroring(new Error('not allowed'));
      const events: string[] = [];
      const closed = new Promise<void>((resolve) => req.on('close', resolve));
      for (const e of ['error', 'abort', 'finish', 'socket', 'timeout']) req.on(e, (x?: Error) => events.push(x?.message ? `${e}:${x.message}` : e));
      let result: unknown;
      try {
        result = call(req);
      } catch (err) {
        result = `throws ${(err as Error).message}`;
      }
      // The nextTick 'error' and any 'abort' have been emitted after one macrotask turn.
      await new Promise((resolve) => setImmediate(resolve));
      void closed;
      out.push(`${name}: ${JSON.stringify(result)} [${events.join(',')}]`);
    }
    // The way a program uses a request nock refused: headers, a timeout, a body, then abort.
    const req = new Erroring(new Error('not allowed'));
    const events: string[] = [];
    for (const e of ['error', 'abort', 'finish']) req.on(e, (x?: Error) => events.push(x?.message ? `${e}:${x.message}` : e));
    req.setHeader('a', 'b');
    req.setTimeout(10);
    req.write('x');
    req.end();
    req.abort();
    await new Promise((resolve) => setImmediate(resolve));
    out.push(`sequence [${events.join(',')}]`);
    return out;
  });
  assert.deepEqual(t, node);
});

test("ClientRequest's socket methods on a request routed to a fake socket (nock's InterceptedRequestRouter) reach that socket, as node's", async () => {
  const { node, trama: t } = await both(async (lib) => {
    function Routed(this: http.ClientRequest): void {
      lib.OutgoingMessage.call(this);
    }
    util.inherits(Routed, lib.ClientRequest);
    const req = new (Routed as unknown as new () => http.ClientRequest)();
    const log: string[] = [];
    const sock = Object.assign(new EventEmitter(), {
      connecting: false,
      writable: true,
      destroyed: false,
      setTimeout: (ms: number) => log.push(`socket.setTimeout ${ms}`),
      setNoDelay: (v: boolean) => log.push(`socket.setNoDelay ${v}`),
      setKeepAlive: (v: boolean, d: number) => log.push(`socket.setKeepAlive ${v} ${d}`),
      destroy(this: EventEmitter & { destroyed: boolean }, e?: Error) {
        log.push(`socket.destroy ${e?.message}`);
        this.destroyed = true;
        process.nextTick(() => {
          if (e) this.emit('error', e);
          this.emit('close');
        });
        return this;
      },
    });
    req.path = '/p';
    req.method = 'GET';
    (req as unknown as { socket: unknown }).socket = sock;
    sock.on('error', (e: Error) => req.emit('error', e));
    req.on('error', (e: Error) => log.push(`request error ${e.message}`));
    const closed = new Promise<void>((resolve) => sock.on('close', resolve));
    req.emit('socket', sock);
    req.setTimeout(50);
    req.setNoDelay(true);
    req.setSocketKeepAlive(true, 5);
    req.destroy(new Error('no match'));
    await closed;
    log.push(`destroyed ${req.destroyed}`);
    return log;
  });
  assert.deepEqual(t, node);
});

test('Agent(options) without new, Agent.call(this) with util.inherits, class extends: as node', async () => {
  const { node, trama: t } = await both(async (lib) => {
    type NodeAgent = http.Agent & { keepAlive: boolean; addRequest: unknown };
    const AgentFn = lib.Agent as unknown as ((o?: http.AgentOptions) => NodeAgent) & typeof http.Agent;
    const plain = AgentFn({ keepAlive: true, maxSockets: 3 });
    function Legacy(this: http.Agent, o?: http.AgentOptions): void {
      AgentFn.call(this, o);
    }
    util.inherits(Legacy, lib.Agent);
    const legacy = new (Legacy as unknown as new (o?: http.AgentOptions) => NodeAgent)({ maxFreeSockets: 7 });
    class Modern extends lib.Agent {}
    const modern = new Modern({ keepAlive: true }) as Modern & NodeAgent;
    return [
      plain instanceof lib.Agent,
      plain.keepAlive,
      plain.maxSockets,
      legacy instanceof lib.Agent,
      legacy.maxFreeSockets,
      typeof legacy.addRequest,
      // trama's own Agent options (dnsCache, keepAliveHintMargin) come after node's fields.
      Object.keys(legacy).filter((k) => k !== 'dnsCache' && k !== 'keepAliveHintMargin').join(','),
      modern instanceof Modern,
      modern.keepAlive,
      lib.Agent.name,
      lib.ClientRequest.name,
      plain.constructor === lib.Agent,
      (lib.Agent as unknown as { defaultMaxSockets: number }).defaultMaxSockets,
    ];
  });
  assert.deepEqual(t, node);
  assert.equal(t[9], 'Agent');
  assert.equal(t[10], 'ClientRequest');
});

test('an agent made by Agent.call(this) pools and serves requests', async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  const port = await listen(server);
  try {
    const { node, trama: t } = await both(async (lib) => {
      function Legacy(this: http.Agent, o?: http.AgentOptions): void {
        (lib.Agent as unknown as (o?: http.AgentOptions) => void).call(this, o);
      }
      util.inherits(Legacy, lib.Agent);
      const agent = new (Legacy as unknown as new (o?: http.AgentOptions) => http.Agent)({ keepAlive: true });
      const reused: boolean[] = [];
      for (let i = 0; i < 2; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = lib.get({ host: '127.0.0.1', port, agent }, (res) => {
            res.resume();
            res.on('end', () => setImmediate(resolve));
          });
          req.on('error', reject);
          reused.push(req.reusedSocket);
        });
      }
      await new Promise((resolve) => setImmediate(resolve));
      const free = Object.values(agent.freeSockets).flat().length;
      agent.destroy();
      return { reused, free };
    });
    assert.deepEqual(t, node);
  } finally {
    await close(server);
  }
});

test('diagnostics_channel: http.client.request.start, http.client.response.finish and http.client.request.error, in node\'s order', async () => {
  const server = http.createServer((req, res) => res.end('ok'));
  const port = await listen(server);
  const log: string[] = [];
  const on = (name: string) => (msg: unknown): void => {
    const m = msg as { request: { method: string; path: string }; response?: { statusCode: number }; error?: NodeJS.ErrnoException };
    log.push(`${name} ${m.request.method} ${m.request.path}${m.response ? ` ${m.response.statusCode}` : ''}${m.error ? ` ${m.error.code}` : ''}`);
  };
  const subs: [string, (m: unknown) => void][] = [
    ['http.client.request.start', on('start')],
    ['http.client.response.finish', on('finish')],
    ['http.client.request.error', on('error')],
  ];
  for (const [name, fn] of subs) dc.subscribe(name, fn);
  try {
    const { node, trama: t } = await both(async (lib) => {
      log.length = 0;
      await new Promise<void>((resolve) => {
        const req = lib.get({ host: '127.0.0.1', port, path: '/ok', agent: false }, (res) => {
          log.push('response event');
          res.resume();
          res.on('end', resolve);
        });
        req.on('finish', () => log.push('finish event'));
      });
      await new Promise<void>((resolve) => {
        const req = lib.get({ host: '127.0.0.1', port: 1, path: '/refused', agent: false });
        req.on('error', () => {
          log.push('error event');
          resolve();
        });
      });
      return [...log];
    });
    assert.deepEqual(t, node);
    assert.deepEqual(t, ['start GET /ok', 'finish event', 'finish GET /ok 200', 'response event', 'start GET /refused', 'error GET /refused ECONNREFUSED', 'error event']);
  } finally {
    for (const [name, fn] of subs) dc.unsubscribe(name, fn);
    await close(server);
  }
});

// The client and agent lines node prints under NODE_DEBUG=http (lib/_http_client.js,
// lib/_http_agent.js). Lines of OutgoingMessage and of the server are other modules'.
const CLIENT_DEBUG_LINES = [
  'call onSocket',
  'wait for socket',
  'createConnection',
  'sockets ',
  'have free socket',
  'agent.on(free)',
  'removeSocket',
  'CLIENT socket',
  'AGENT ',
  'HTTP socket close',
  'SOCKET ERROR',
  'parse error',
];

/** Run a client scenario in a child process with NODE_DEBUG=http; return its client/agent lines. */
async function debugLines(lib: 'node' | 'trama'): Promise<string[]> {
  const trama = new URL('../../src/index.js', import.meta.url).href;
  const code = `
    import * as http from 'node:http';
    const lib = ${lib === 'trama' ? `await import(${JSON.stringify(trama)})` : 'http'};
    const server = http.createServer((req, res) => res.end('ok'));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const port = server.address().port;
    const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
    const fetch = (opts) => new Promise((resolve) => {
      const req = lib.get({ host: '127.0.0.1', port, ...opts }, (res) => { res.resume(); res.on('end', () => setImmediate(resolve)); });
      req.on('error', () => setImmediate(resolve));
    });
    process.stderr.write('<<start>>\\n');
    await fetch({ agent });
    await fetch({ agent });
    await Promise.all([fetch({ agent }), fetch({ agent })]);
    await fetch({ agent: false });
    await fetch({ agent: false, port: 1 });
    agent.destroy();
    await new Promise((r) => setImmediate(r));
    process.stderr.write('<<end>>\\n');
    server.close();
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, NODE_DEBUG: 'http' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (err += d));
  const [status] = (await once(child, 'close')) as [number];
  assert.equal(status, 0, err);
  const body = err.slice(err.indexOf('<<start>>'), err.indexOf('<<end>>'));
  return body
    .split('\n')
    .filter((l) => /^HTTP \d+: /.test(l))
    .map((l) => l.replace(/^HTTP \d+: /, '').replace(/:\d{2,5}:/g, ':PORT:').replace(/ \{$/, ''))
    .filter((l) => CLIENT_DEBUG_LINES.some((p) => l.startsWith(p)));
}

test('NODE_DEBUG=http: the client and agent print node\'s lines, in node\'s order', async () => {
  const node = await debugLines('node');
  const t = await debugLines('trama');
  assert.deepEqual(t, node);
  assert.ok(t.includes('have free socket') && t.includes('wait for socket') && t.includes('AGENT socket keep-alive'), t.join('\n'));
});

test('the server resets the connection while the body is being written: ECONNRESET (not EPIPE), as node', async () => {
  const { node, trama: t } = await both(async (lib) => {
    const server = net.createServer((s) => {
      s.on('error', () => {});
      // RST as soon as the head arrives (SO_LINGER 0): the client is still writing its body.
      s.once('data', () => s.resetAndDestroy());
    });
    const port = await listen(server);
    const result = await new Promise<string>((resolve) => {
      const req = lib.request({ host: '127.0.0.1', port, method: 'POST', agent: false });
      let stopped = false;
      let n = 0;
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = (): void => {
        // Write until the error stops us (or a generous bound, far beyond what the reset needs).
        while (!stopped && n++ < 4096) {
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        if (!stopped) req.end();
      };
      req.on('error', (e: NodeJS.ErrnoException) => {
        stopped = true;
        resolve(`${e.code}`);
      });
      req.on('response', () => resolve('response'));
      req.on('socket', (s: net.Socket) => s.once('connect', pump));
      req.flushHeaders();
    });
    await close(server);
    return result;
  });
  assert.equal(t, node);
  assert.equal(t, 'ECONNRESET');
});

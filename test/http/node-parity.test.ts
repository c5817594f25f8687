// Drop-in details (issue 11, lane facade): what a program written for node:http sees of the
// message classes and the Server, compared with node:http (the oracle) in the same run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as util from 'node:util';
import * as net from 'node:net';
import * as dc from 'node:diagnostics_channel';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as nodeHttp from 'node:http';
import * as trama from '../../src/index.js';
import { both, serveRaw, NODE_HTTP, TRAMA_HTTP, type ServerLib } from '../support/node-vs-trama.js';

const H = 'Host: x\r\n';

// ---- class names (item 5) ----

const EXPORTED = ['IncomingMessage', 'ServerResponse', 'OutgoingMessage', 'Server', 'ClientRequest', 'Agent'] as const;

function namesOf(lib: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of EXPORTED) out.push(`${k}.name=${(lib[k] as { name: string }).name}`);
  const L = lib as unknown as typeof nodeHttp;
  const req = new L.IncomingMessage(null as never);
  const instances: object[] = [L.createServer(), req, new L.OutgoingMessage(), new L.ServerResponse(req), new L.Agent()];
  const cr = L.request('http://127.0.0.1:1/');
  cr.on('error', () => {});
  cr.destroy();
  instances.push(cr);
  for (const o of instances) {
    out.push(`${o.constructor.name} ${Object.prototype.toString.call(o)} ${util.inspect(o, { depth: 0 }).split(' ')[0]}`);
  }
  return out;
}

test('exported constructors and their instances carry node:http class names', () => {
  assert.deepEqual(namesOf(trama as unknown as Record<string, unknown>), namesOf(nodeHttp as unknown as Record<string, unknown>));
});

// ---- Server as node's plain function (item 6) ----

function serverForms(lib: ServerLib): string[] {
  const out: string[] = [];
  const argLists: unknown[][] = [
    ['foo'],
    [42],
    [true],
    [[]],
    [null],
    [undefined, () => {}],
    [null, () => {}],
    [() => {}],
    [{ requestTimeout: 'x' }],
    [{ keepAliveTimeout: 1.5 }],
    [{ headersTimeout: 10, requestTimeout: 5 }],
    [{ maxHeaderSize: -1 }],
    [{ requireHostHeader: 'no' }],
    [{ joinDuplicateHeaders: 1 }],
    [{ noDelay: 1, keepAlive: 'y', uniqueHeaders: 'a' }],
  ];
  const forms: [string, (a: unknown[]) => nodeHttp.Server][] = [
    ['new', (a) => new (lib.Server as unknown as new (...x: unknown[]) => nodeHttp.Server)(...a)],
    ['call', (a) => (lib.Server as unknown as (...x: unknown[]) => nodeHttp.Server)(...a)],
    ['createServer', (a) => (lib.createServer as unknown as (...x: unknown[]) => nodeHttp.Server)(...a)],
  ];
  for (const args of argLists) {
    for (const [how, make] of forms) {
      try {
        const s = make(args);
        out.push(`${how}(${util.inspect(args)}) ok request listeners=${s.listenerCount('request')} requestTimeout=${s.requestTimeout}`);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        out.push(`${how}(${util.inspect(args)}) ${err.name} ${err.code} ${err.message}`);
      }
    }
  }
  return out;
}

test("Server/createServer argument forms and type errors are node's", () => {
  assert.deepEqual(serverForms(TRAMA_HTTP), serverForms(NODE_HTTP));
});

function inheritedServer(lib: ServerLib): string {
  const Base = lib.Server as unknown as { call(self: object, ...a: unknown[]): unknown };
  function MyServer(this: { mine?: boolean }, opts: object) {
    Base.call(this, opts, (_req: unknown, res: nodeHttp.ServerResponse) => res.end('inherited'));
    this.mine = true;
  }
  util.inherits(MyServer, lib.Server as unknown as new () => object);
  const s = new (MyServer as unknown as new (o: object) => nodeHttp.Server & { mine: boolean })({ keepAliveTimeout: 7000 });
  return [
    s instanceof lib.Server,
    s.mine,
    s.keepAliveTimeout,
    s.listenerCount('request'),
    s.listenerCount('connection'),
    s.listenerCount('listening'),
    s.constructor.name,
    s.maxHeadersCount,
    s.timeout,
  ].join(' ');
}

test('util.inherits(MyServer, http.Server) with Server.call(this, …) initializes the subclass object, as node', async () => {
  assert.equal(inheritedServer(TRAMA_HTTP), inheritedServer(NODE_HTTP));
  // …and it serves.
  const Base = trama.Server as unknown as { call(self: object, ...a: unknown[]): unknown };
  function MyServer(this: object) {
    Base.call(this, (_req: unknown, res: nodeHttp.ServerResponse) => res.end('inherited'));
  }
  util.inherits(MyServer, trama.Server as unknown as new () => object);
  const s = new (MyServer as unknown as new () => nodeHttp.Server)();
  const r = await serveWith(s, [`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]);
  assert.match(r, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\ninherited$/);
});

test('class extends Server still works, and Server() without new returns a server', () => {
  class Sub extends (trama.Server as unknown as typeof nodeHttp.Server) {
    extra = 1;
    constructor() {
      super({ keepAliveTimeout: 9000 });
    }
  }
  const s = new Sub();
  assert.equal(s instanceof trama.Server, true);
  assert.equal(s.keepAliveTimeout, 9000);
  assert.equal(s.extra, 1);
  assert.equal(s.constructor.name, 'Sub');
  const plain = (trama.Server as unknown as () => nodeHttp.Server)();
  assert.equal(plain instanceof trama.Server, true);
});

// ---- header values leave as latin1, as node writes them (item 1) ----

// 'bår' as UTF-8 bytes read back as latin1 text: the characters U+00C3 U+00A5. node writes each as
// one byte (c3 a5) except where it merges the head into a UTF-8 string body (end(string),
// flushHeaders()): there the head is UTF-8 too (c3 83 c2 a5). trama must put the same bytes out.
const LATIN1_VALUE = Buffer.from('bår').toString('binary');

const LATIN1_HANDLERS: Record<string, nodeHttp.RequestListener> = {
  'setHeader, end(string)': (_q, res) => {
    res.setHeader('X-A', LATIN1_VALUE);
    res.end('héllo');
  },
  'setHeader, end(Buffer)': (_q, res) => {
    res.setHeader('X-A', LATIN1_VALUE);
    res.end(Buffer.from('hi'));
  },
  'writeHead object, chunked end(string)': (_q, res) => {
    res.writeHead(200, { 'X-A': LATIN1_VALUE });
    res.end('hi');
  },
  'writeHead, write(string), end()': (_q, res) => {
    res.writeHead(200, [['X-A', LATIN1_VALUE]] as unknown as nodeHttp.OutgoingHttpHeaders);
    res.write('héllo');
    res.end();
  },
  'trailers after write': (_q, res) => {
    res.setHeader('Trailer', 'X-A');
    res.write('x');
    res.addTrailers({ 'X-A': LATIN1_VALUE });
    res.end();
  },
  'trailers with end(string)': (_q, res) => {
    res.setHeader('Trailer', 'X-A');
    res.addTrailers({ 'X-A': LATIN1_VALUE });
    res.end('héllo');
  },
  'flushHeaders then end(string)': (_q, res) => {
    res.setHeader('X-A', LATIN1_VALUE);
    res.flushHeaders();
    res.end('héllo');
  },
  'end() without body': (_q, res) => {
    res.setHeader('X-A', LATIN1_VALUE);
    res.end();
  },
};

test('header and trailer values above 0x7F leave with the bytes node:http writes', async () => {
  for (const [name, handler] of Object.entries(LATIN1_HANDLERS)) {
    const r = await both((lib) => serveBytes(lib, handler, `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`));
    assert.equal(r.trama, r.node, name);
  }
  // The plain case, spelled out: one byte per character of a latin1 header value.
  const one = await serveBytes(TRAMA_HTTP, LATIN1_HANDLERS['setHeader, end(Buffer)']!, `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
  assert.match(one, /582d413a2062c3a5720d0a/); // 'X-A: b' c3 a5 'r' CRLF
});

test('client request heads write latin1 header values as node:http does', async () => {
  const cases: Record<string, (lib: typeof nodeHttp, port: number) => nodeHttp.ClientRequest> = {
    'GET end()': (lib, port) => lib.request({ port, host: '127.0.0.1', headers: { 'X-A': LATIN1_VALUE, Connection: 'close' } }).end(),
    'POST write(string)': (lib, port) => {
      const req = lib.request({ port, host: '127.0.0.1', method: 'POST', headers: { Connection: 'close' } });
      req.setHeader('X-A', LATIN1_VALUE);
      req.write('héllo');
      return req.end();
    },
  };
  for (const [name, make] of Object.entries(cases)) {
    const got: string[] = [];
    for (const lib of [nodeHttp, trama as unknown as typeof nodeHttp]) got.push(await clientHeadBytes(lib, make));
    assert.equal(got[1], got[0], name);
    assert.match(got[0]!, /582d413a2062c3a5720d0a/, name);
  }
});

// ---- a user Transfer-Encoding on 204/304 closes the connection (item 2) ----

test('a chunked Transfer-Encoding set on a 204 or 304 gets no last chunk and closes the connection, as node', async () => {
  const two = `GET /first HTTP/1.1\r\n${H}\r\nGET /second HTTP/1.1\r\n${H}\r\n`;
  const handlers: Record<string, nodeHttp.RequestListener> = {
    '204 setHeader': (req, res) => {
      res.setHeader('Transfer-Encoding', 'chunked');
      res.writeHead(req.url === '/first' ? 204 : 200);
      res.end();
    },
    '304 writeHead': (req, res) => {
      res.writeHead(req.url === '/first' ? 304 : 200, { 'Transfer-Encoding': 'gzip, chunked' });
      res.end();
    },
    '204 non-chunked coding keeps the connection': (req, res) => {
      res.writeHead(req.url === '/first' ? 204 : 200, { 'Transfer-Encoding': 'gzip' });
      res.end();
    },
  };
  for (const [name, handler] of Object.entries(handlers)) {
    const r = await both((lib) => serveRaw(lib, handler, [two], { until: (t) => t.includes('/second') || /HTTP\/1\.1 200[\s\S]*\r\n\r\n/.test(t) }));
    assert.deepEqual(r.trama, r.node, name);
  }
  const closed = await serveRaw(TRAMA_HTTP, handlers['204 setHeader']!, [two]);
  assert.equal(closed.closed, true);
  assert.doesNotMatch(closed.text, /0\r\n\r\n|200 OK/);
  assert.match(closed.text, /Connection: close\r\n/);
});

// ---- maxHeadersCount limits what is exposed, framing uses every field (item 3) ----

function headOf(nFields: number, trailers = 0): string {
  let head = `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n`;
  for (let i = 2; i < nFields; i++) head += `F${i}: ${i}\r\n`;
  head += '\r\n3\r\nabc\r\n0\r\n';
  for (let i = 0; i < trailers; i++) head += `T${i}: ${i}\r\n`;
  return head + '\r\n';
}

test('maxHeadersCount truncates rawHeaders/headers/trailers as node does, and the request is still framed by every field', async () => {
  const cases: [number | null, number, number][] = [
    [2, 5, 0], // Transfer-Encoding is the 2nd field: framing must see it even past the limit
    [1, 3, 0],
    [3, 10, 0],
    [100, 150, 0], // node keeps whole batches of 31 fields while under the limit: 124 raw
    [20, 33, 0],
    [10, 10, 40],
    [5, 33, 40],
    [0, 1500, 0], // 0: no limit
    [null, 1100, 0], // default: 2000 entries, so 1000 fields in headers, 1023 raw
  ];
  for (const [max, fields, trailers] of cases) {
    const r = await both((lib) => exposedCounts(lib, max, headOf(fields, trailers)));
    assert.equal(r.trama, r.node, `maxHeadersCount=${max} fields=${fields} trailers=${trailers}`);
    assert.match(r.trama, /body=abc/);
  }
});

// ---- requireHostHeader: false (item 4) ----

test('requireHostHeader: false lets a request without Host in, as node; two Host fields or an invalid Host stay 400', async () => {
  const opts = { serverOptions: { requireHostHeader: false } };
  const handler: nodeHttp.RequestListener = (req, res) => res.end(`host=${String(req.headers.host)}`);
  const missing = await both((lib) => serveRaw(lib, handler, ['GET / HTTP/1.1\r\nConnection: close\r\n\r\n'], opts));
  assert.equal(missing.trama.text, missing.node.text);
  assert.match(missing.trama.text, /^HTTP\/1\.1 200 [\s\S]*host=undefined$/);
  // RFC 9112 §3.2: stricter than node on purpose (documented in docs/server.md).
  for (const bad of ['Host: a\r\nHost: b\r\n', 'Host: a b\r\n']) {
    const r = await serveRaw(TRAMA_HTTP, handler, [`GET / HTTP/1.1\r\n${bad}\r\n`], opts);
    assert.match(r.text, /^HTTP\/1\.1 400 /, bad);
    assert.equal(r.closed, true);
  }
  // The default still requires it.
  const strict = await serveRaw(TRAMA_HTTP, handler, ['GET / HTTP/1.1\r\n\r\n']);
  assert.match(strict.text, /^HTTP\/1\.1 400 /);
});

// ---- a plain Express app without trama/register (item 7) ----

const requireCjs = createRequire(import.meta.url);
type ExpressFactory = (() => nodeHttp.RequestListener & { request: object; response: object; get(p: string, h: (req: unknown, res: { send(b: string): void }) => void): void }) & { request: object; response: object };
const EXPRESSES: [string, ExpressFactory][] = [
  ['express 4', requireCjs('express4') as ExpressFactory],
  ['express 5', requireCjs('express') as ExpressFactory],
];

test('a plain Express app on trama.createServer fails at once with an error naming trama/register, never on its first request', () => {
  for (const [name, express] of EXPRESSES) {
    const app = express();
    const check = (err: unknown): boolean => {
      const e = err as NodeJS.ErrnoException;
      assert.equal(e.code, 'ERR_TRAMA_NODE_HTTP_PROTOTYPE', name);
      assert.match(e.message, /node --import trama\/register app\.js/, name);
      return true;
    };
    assert.throws(() => trama.createServer(app as never), check);
    assert.throws(() => new trama.Server({}, app as never), check);
    // Wired after construction: refused when listening starts, before any request.
    const server = trama.createServer();
    server.on('request', app);
    assert.throws(() => server.listen(0, '127.0.0.1'), check);
    assert.equal(server.listening, false);
  }
});

test('an Express app whose req/res prototypes are trama\'s (what trama/register arranges) is accepted and serves', async () => {
  for (const [name, express] of EXPRESSES) {
    const app = express();
    // What require('http') under trama/register gives Express: its request/response objects
    // inherit trama's prototypes. Rebuilt here on copies, leaving the shared module untouched.
    for (const [key, proto] of [['request', trama.IncomingMessage.prototype], ['response', trama.ServerResponse.prototype]] as const) {
      const own = Object.create(proto) as object;
      Object.defineProperties(own, Object.getOwnPropertyDescriptors(Object.getPrototypeOf(app[key]) as object));
      Object.setPrototypeOf(app[key], own);
    }
    app.get('/', (_req, res) => res.send(`hi from ${name}`));
    const r = await serveWith(trama.createServer(app as never) as unknown as nodeHttp.Server, [`GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]);
    assert.match(r, new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[\\s\\S]*hi from ${name}$`));
  }
});

// ---- observability (item 8) ----

test('diagnostics_channel: http.server.request.start, response.created and response.finish are published as node publishes them', async () => {
  const channels = ['http.server.response.created', 'http.server.request.start', 'http.server.response.finish'];
  const r = await both(async (lib) => {
    const log: string[] = [];
    let server!: nodeHttp.Server;
    const subs = channels.map((name) => {
      const fn = (msg: unknown): void => {
        const m = msg as { request: nodeHttp.IncomingMessage; response: nodeHttp.ServerResponse; socket?: net.Socket; server?: nodeHttp.Server };
        log.push(
          `${name} ${m.request.method} ${m.request.url} response=${m.response instanceof lib.ServerResponse} ` +
            `socket=${m.socket === undefined ? '-' : m.socket instanceof net.Socket} server=${m.server === undefined ? '-' : m.server === server}`,
        );
      };
      dc.subscribe(name, fn);
      return [name, fn] as const;
    });
    try {
      server = lib.createServer((req, res) => {
        log.push(`request ${req.url}`);
        res.on('finish', () => log.push('finish listener'));
        res.end('ok');
      });
      const { listen, rawExchange, closeServer } = await import('../support/node-vs-trama.js');
      const port = await listen(server);
      await rawExchange(port, [`GET /a HTTP/1.1\r\n${H}\r\n`], { until: (t) => t.endsWith('ok') });
      await closeServer(server);
    } finally {
      for (const [name, fn] of subs) dc.unsubscribe(name, fn);
    }
    return log;
  });
  // node 20 has no http.server.response.created (22.12+ publishes it from the ServerResponse
  // constructor, first): compare the rest with node, and check trama's own entry.
  const created = r.trama.filter((l) => l.startsWith('http.server.response.created'));
  assert.deepEqual(
    r.trama.filter((l) => !l.startsWith('http.server.response.created')),
    r.node.filter((l) => !l.startsWith('http.server.response.created')),
  );
  assert.deepEqual(created, ['http.server.response.created GET /a response=true socket=- server=-']);
  assert.match(r.trama[0]!, /^http\.server\.response\.created/);
  // A response built by hand (light-my-request does this) is announced too.
  const seen: unknown[] = [];
  const onCreated = (m: unknown): void => void seen.push((m as { response: unknown }).response);
  dc.subscribe('http.server.response.created', onCreated);
  const res = new trama.ServerResponse(new trama.IncomingMessage(null));
  dc.unsubscribe('http.server.response.created', onCreated);
  assert.deepEqual(seen, [res]);
});

const DEBUG_SCRIPT = `
const lib = process.argv[1] === 'trama' ? await import(process.argv[2]) : await import('node:http');
const net = await import('node:net');
const server = lib.createServer((req, res) => { res.write('a'); res.end('hi'); });
server.listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1', () => c.end('GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'));
  c.resume();
  c.on('close', () => server.close());
});
`;

function debugLines(which: 'node' | 'trama'): Promise<string[]> {
  const entry = new URL('../../src/index.js', import.meta.url).href;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', DEBUG_SCRIPT, which, entry], {
      env: { ...process.env, NODE_DEBUG: 'http' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', () => resolve(err.split('\n').filter((l) => l.startsWith('HTTP ')).map((l) => l.replace(/^HTTP \d+: /, ''))));
  });
}

test('NODE_DEBUG=http: the server writes node\'s debug lines for a request (except node\'s parser-internal ones)', async () => {
  const node = await debugLines('node');
  const tramaLines = await debugLines('trama');
  // 'SERVER socketOnParserExecute <n>' names node's C++ parser step: trama has none (docs/server.md).
  assert.deepEqual(tramaLines, node.filter((l) => !l.startsWith('SERVER socketOnParserExecute')));
  assert.ok(tramaLines.includes('SERVER new http connection') && tramaLines.includes('outgoing message end.'));
});

test('events.captureRejections: a rejecting async request handler gets node\'s 500 (no header leaked), or its response destroyed once started', async () => {
  const events = await import('node:events');
  const before = events.default.captureRejections;
  events.default.captureRejections = true;
  try {
    const handler = (async (req: nodeHttp.IncomingMessage, res: nodeHttp.ServerResponse) => {
      res.setHeader('X-Secret', '1');
      if (req.url === '/late') res.write('partial');
      throw new Error(`boom ${req.url}`);
    }) as unknown as nodeHttp.RequestListener;
    const early = await both((lib) => serveRaw(lib, handler, [`GET /early HTTP/1.1\r\n${H}Connection: close\r\n\r\n`]));
    assert.equal(early.trama.text, early.node.text);
    assert.match(early.trama.text, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
    assert.doesNotMatch(early.trama.text, /X-Secret/);
    // Started: the socket is destroyed (the client sees the partial body, then the close).
    const late = await both((lib) => serveRaw(lib, handler, [`GET /late HTTP/1.1\r\n${H}\r\n`]));
    assert.deepEqual(late.trama, late.node);
    assert.equal(late.trama.closed, true);
  } finally {
    events.default.captureRejections = before;
  }
});

/** Serve one raw request, return everything the server wrote as hex (Date values blanked). */
async function serveBytes(lib: ServerLib, handler: nodeHttp.RequestListener, request: string): Promise<string> {
  const server = lib.createServer(handler);
  const { listen, closeServer } = await import('../support/node-vs-trama.js');
  const port = await listen(server);
  try {
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', () => sock.end(request, 'latin1'));
      const parts: Buffer[] = [];
      sock.on('data', (d: Buffer) => parts.push(d));
      sock.on('error', reject);
      sock.on('close', () => resolve(Buffer.concat(parts)));
    });
    return bytes.toString('latin1').replace(/^(Date: )[^\r\n]*/gim, '$1<date>').split('').map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  } finally {
    await closeServer(server);
  }
}

/** The head a client library writes for `make`, as hex, read by a raw TCP server. */
async function clientHeadBytes(lib: typeof nodeHttp, make: (lib: typeof nodeHttp, port: number) => nodeHttp.ClientRequest): Promise<string> {
  let gotHead!: (head: Buffer) => void;
  const received = new Promise<Buffer>((resolve) => (gotHead = resolve));
  const raw = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        gotHead(buf.subarray(0, end + 4));
        sock.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  const port = (raw.address() as net.AddressInfo).port;
  const req = make(lib, port);
  req.on('response', (res) => res.resume());
  req.on('error', () => {});
  const head = await received;
  await new Promise<void>((resolve) => raw.close(() => resolve()));
  // The port differs between the two runs.
  return Buffer.from(head.toString('latin1').replace(/^(Host: [^:\r\n]*):\d+/im, '$1:<port>'), 'latin1').toString('hex');
}

/** What a server with `maxHeadersCount = max` exposes of `request`. */
async function exposedCounts(lib: ServerLib, max: number | null, request: string): Promise<string> {
  let seen = '';
  const server = lib.createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      seen =
        `raw=${req.rawHeaders.length / 2} headers=${Object.keys(req.headers).length} distinct=${Object.keys(req.headersDistinct).length} ` +
        `rawTrailers=${req.rawTrailers.length / 2} trailers=${Object.keys(req.trailers).length} body=${body}`;
      res.end('ok');
    });
  });
  server.maxHeadersCount = max as number;
  const { listen, rawExchange, closeServer } = await import('../support/node-vs-trama.js');
  const port = await listen(server);
  try {
    const r = await rawExchange(port, [request], { until: (t) => t.endsWith('ok') });
    return `${seen} ${r.text.split('\r\n')[0]}`;
  } finally {
    await closeServer(server);
  }
}

/** Listen `server` on port 0, send raw chunks, collect until close; the server is closed after. */
async function serveWith(server: nodeHttp.Server, chunks: string[]): Promise<string> {
  const { listen, rawExchange, closeServer } = await import('../support/node-vs-trama.js');
  const port = await listen(server);
  try {
    return (await rawExchange(port, chunks)).text;
  } finally {
    await closeServer(server);
  }
}

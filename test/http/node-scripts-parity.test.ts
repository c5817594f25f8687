// Behaviours that node's own test/parallel http scripts showed to differ (scripts/node-compat.mjs,
// docs/register.md), each checked here in our own words against node:http and node:https as the
// oracle, in the same run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeHttp from 'node:http';
import * as nodeHttps from 'node:https';
import * as net from 'node:net';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import * as trama from '../../src/index.js';
import * as tramaHttps from '../../src/https.js';
import { NODE_HTTP, TRAMA_HTTP, listen, closeServer, once, type ServerLib } from '../support/node-vs-trama.js';

type HttpLike = typeof nodeHttp;
const LIBS: ReadonlyArray<[string, HttpLike]> = [
  ['node', nodeHttp],
  ['trama', trama as unknown as HttpLike],
];

function thrown(fn: () => unknown): { name: string; code: unknown; message: string } | 'no throw' {
  try {
    fn();
  } catch (e) {
    const err = e as Error & { code?: unknown };
    return { name: err.name, code: err.code, message: err.message };
  }
  return 'no throw';
}

test('Agent maxTotalSockets: NaN, 0 and -1 are RangeErrors, a string a TypeError, with node\'s codes', () => {
  const shapes = (L: HttpLike): unknown[] =>
    [NaN, 0, -1, 'x'].map((v) => {
      const r = thrown(() => new L.Agent({ maxTotalSockets: v as number }));
      return r === 'no throw' ? r : { name: r.name, code: r.code };
    });
  assert.deepEqual(shapes(trama as unknown as HttpLike), shapes(nodeHttp));
});

// Before the fix trama hung here: the time limit turns that into a failure.
test('maxTotalSockets: one origin\'s idle keep-alive sockets do not starve another origin\'s queue', { timeout: 30_000 }, async () => {
  // Two servers, six requests each, at most two sockets in all: node finishes all twelve (an
  // idle socket over the total is destroyed when the next one comes free).
  const run = async (L: HttpLike): Promise<number> => {
    const agent = new L.Agent({ keepAlive: true, maxTotalSockets: 2, maxSockets: 3, maxFreeSockets: 3 });
    const servers = [L.createServer((_req, res) => res.end('ok')), L.createServer((_req, res) => res.end('ok'))];
    // No idle timeout on the servers: only the agent can free a slot.
    for (const s of servers) s.keepAliveTimeout = 0;
    const ports = await Promise.all(servers.map((s) => listen(s)));
    let done = 0;
    let inUseMax = 0;
    await Promise.all(
      ports.flatMap((port) =>
        Array.from({ length: 6 }, (_, i) =>
          new Promise<void>((resolve, reject) => {
            L.get({ host: '127.0.0.1', port, agent, path: `/${i}` }, (res) => {
              res.resume();
              res.on('end', () => {
                let inUse = 0;
                for (const list of Object.values(agent.sockets)) inUse += list?.length ?? 0;
                inUseMax = Math.max(inUseMax, inUse);
                done++;
                resolve();
              });
            }).on('error', reject);
          }),
        ),
      ),
    );
    agent.destroy();
    await Promise.all(servers.map((s) => closeServer(s)));
    assert.ok(inUseMax <= 2, `${inUseMax} sockets in use at once`);
    return done;
  };
  assert.equal(await run(trama as unknown as HttpLike), await run(nodeHttp));
});

test('a Host header that is not a string throws from request(), as node', () => {
  for (const [name, L] of LIBS) {
    const r = thrown(() => L.request({ port: 1, path: '/', headers: { host: [] as unknown as string } }).on('error', () => {}));
    assert.notEqual(r, 'no throw', name);
    if (r !== 'no throw') {
      assert.equal(r.code, 'ERR_INVALID_ARG_TYPE', name);
      assert.match(r.message, /"options\.headers\.host" property must be of type string\. Received an instance of Array/, name);
    }
  }
});

test('writeHead with a non-numeric status: node\'s message formats the value with %s', () => {
  const messages = LIBS.map(([, L]) => {
    const res = new L.ServerResponse(new L.IncomingMessage(new net.Socket()));
    return [{}, 'abc', 1000, -1].map((v) => thrown(() => res.writeHead(v as number)));
  });
  assert.deepEqual(messages[1], messages[0]);
});

test('https.Agent() without new is an https.Agent, as node', () => {
  for (const L of [nodeHttps, tramaHttps as unknown as typeof nodeHttps]) {
    const a = (L.Agent as unknown as (o?: object) => nodeHttps.Agent)();
    assert.ok(a instanceof L.Agent);
    assert.equal((a as unknown as { defaultPort: number }).defaultPort, 443);
    assert.equal((a as unknown as { protocol: string }).protocol, 'https:');
  }
});

test('new https.Server(option) refuses a string, number, boolean or array as node does', () => {
  for (const option of ['foo', 42, true, []]) {
    const codes = [nodeHttps, tramaHttps as unknown as typeof nodeHttps].map((L) => {
      const r = thrown(() => new L.Server(option as never));
      return r === 'no throw' ? r : r.code;
    });
    assert.deepEqual(codes[1], codes[0], String(option));
  }
});

test('new IncomingMessage() without a socket: socket and connection are undefined, as node', () => {
  for (const [name, L] of LIBS) {
    const m = new L.IncomingMessage(undefined as never);
    assert.equal(m.socket, undefined, name);
    assert.equal(m.connection, undefined, name);
  }
});

async function serverScenario(lib: ServerLib, handler: (req: nodeHttp.IncomingMessage, res: nodeHttp.ServerResponse) => unknown): Promise<unknown> {
  let result: unknown;
  const server = lib.createServer((req, res) => {
    result = handler(req, res);
    if (!res.destroyed) res.end();
  });
  const port = await listen(server);
  await new Promise<void>((resolve) => {
    nodeHttp
      .get({ port, host: '127.0.0.1', agent: false }, (res) => {
        res.resume();
        res.on('close', resolve);
      })
      .on('error', () => resolve());
  });
  await closeServer(server);
  return result;
}

test('res.errored after res.destroy() without an error is undefined (null before), as node', async () => {
  const seen = async (lib: ServerLib): Promise<unknown> =>
    serverScenario(lib, (_req, res) => {
      const before = res.errored;
      res.end();
      res.destroy();
      res.end('late');
      return [before, res.errored];
    });
  assert.deepEqual(await seen(TRAMA_HTTP), await seen(NODE_HTTP));
});

test('a server connection refuses setEncoding() with ERR_HTTP_SOCKET_ENCODING, as node', async () => {
  const seen = async (lib: ServerLib): Promise<unknown> => {
    const server = lib.createServer();
    let result: unknown;
    server.on('connection', (socket: net.Socket) => {
      result = thrown(() => socket.setEncoding('utf8'));
      socket.end();
    });
    await listen(server);
    const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.resume();
    await once(client, 'close');
    await closeServer(server);
    return result;
  };
  assert.deepEqual(await seen(TRAMA_HTTP), await seen(NODE_HTTP));
});

// ---- node's command-line defaults: --insecure-http-parser, --max-http-header-size ----

const FLAG_SCRIPT = `
const lib = process.argv[1] === 'trama' ? await import(process.argv[2]) : await import('node:http');
const net = await import('node:net');
const out = { maxHeaderSize: lib.maxHeaderSize };
const server = lib.createServer((req, res) => res.end(JSON.stringify(req.headers['content-type'])));
server.listen(0, '127.0.0.1', () => {
  const c = net.connect(server.address().port, '127.0.0.1', () =>
    c.end('GET / HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: text/te\\bt\\r\\nConnection: close\\r\\n\\r\\n'));
  let text = '';
  c.setEncoding('latin1');
  c.on('data', (d) => (text += d));
  c.on('close', () => {
    out.status = text.split('\\r\\n')[0];
    out.body = text.split('\\r\\n\\r\\n')[1];
    console.log(JSON.stringify(out));
    server.close();
  });
});
`;

function runWithFlags(which: 'node' | 'trama', flags: string[]): Promise<unknown> {
  const entry = new URL('../../src/index.js', import.meta.url).href;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', FLAG_SCRIPT, which, entry], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (text += d));
    child.on('error', reject);
    child.on('close', () => resolve(JSON.parse(text)));
  });
}

test('--insecure-http-parser and --max-http-header-size set the defaults as on node', async () => {
  for (const flags of [[], ['--insecure-http-parser', '--max-http-header-size=4096']]) {
    const [n, t] = await Promise.all([runWithFlags('node', flags), runWithFlags('trama', flags)]);
    assert.deepEqual(t, n, flags.join(' ') || 'no flags');
  }
});

// ---- DEP0066: OutgoingMessage.prototype._headers and _headerNames ----

test('the deprecated _headers and _headerNames views read and write the headers as node\'s, warning DEP0066', async () => {
  const views = (L: HttpLike): unknown[] => {
    const m = new L.OutgoingMessage() as nodeHttp.OutgoingMessage & { _headers: unknown; _headerNames: unknown; getRawHeaderNames(): string[] };
    const seen: unknown[] = [m._headerNames];
    m.setHeader('X-Flow-Id', 'a');
    m.setHeader('Content-Type', 'text/plain');
    seen.push({ ...(m._headers as object) }, { ...(m._headerNames as object) });
    m._headerNames = { 'x-flow-id': 'X-FLOW-ID', missing: 'Missing' };
    seen.push(m.getRawHeaderNames());
    m._headers = { 'Set-Cookie': ['a=1', 'b=2'] };
    seen.push(m.getHeaders(), m.getRawHeaderNames());
    m._headers = null;
    seen.push(m.getHeaderNames());
    return seen;
  };
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }): void => {
    warnings.push(`${w.code}`);
  };
  process.on('warning', onWarning);
  try {
    assert.deepEqual(views(trama as unknown as HttpLike), views(nodeHttp));
    // Let the deprecation warnings (emitted on the next tick) arrive.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  // util.deprecate warns once per code per process: trama's views ran first here, so the one
  // DEP0066 warning is theirs.
  assert.ok(warnings.includes('DEP0066'), warnings.join(','));
});

test('https.Agent#getName: the pool key is node\'s, byte for byte (one ":" per TLS option, sigalgs as JSON)', () => {
  const forms: object[] = [
    {},
    { host: '0.0.0.0', port: 443, localAddress: '192.168.1.1', ca: 'ca', cert: 'cert', ciphers: 'c', rejectUnauthorized: false, servername: 'sni' },
    { family: 6, secureOptions: 0, sigalgs: 'RSA-PSS+SHA256', crl: ['c', 'r', 'l'], honorCipherOrder: false },
    { host: 'example.test', servername: 'example.test', ca: '' },
  ];
  for (const o of forms) {
    assert.equal(new tramaHttps.Agent().getName(o as never), new nodeHttps.Agent().getName(o as never), JSON.stringify(o));
  }
});

test('https.globalAgent = agent (the module object under trama/register) changes the pool https.request() uses, as node', async () => {
  const { httpsModule } = await import('../../src/register-modules.js');
  const before = httpsModule.globalAgent;
  const agent = new tramaHttps.Agent();
  httpsModule.globalAgent = agent;
  try {
    assert.equal(httpsModule.globalAgent, agent);
    const req = (httpsModule.request as typeof nodeHttps.request)({ host: '127.0.0.1', port: 1 });
    req.on('error', () => {});
    assert.equal((req as unknown as { agent: unknown }).agent, agent);
    req.destroy();
  } finally {
    httpsModule.globalAgent = before;
  }
});

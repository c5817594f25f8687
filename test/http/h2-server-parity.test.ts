// HTTP/2 behind createServer, against node as the oracle (issue 12's parity gaps): the same
// scenario run on node:http2's compat API (or node:http) and on trama, events and wire compared.
// Where trama deliberately differs, the test says so and why (docs/h2-server.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

/** Koa (no type declarations installed): the members this test uses. */
interface KoaContext { path: string; req: { socket: net.Socket }; respond: boolean; body: unknown }
const Koa = createRequire(import.meta.url)('koa') as new () => { use(mw: (ctx: KoaContext) => void): void; callback(): unknown };
import { createServer } from '../../src/index.js';
import * as trhttps from '../../src/https.js';
import { httpsModule } from '../../src/register-modules.js';
import { both, serveRaw } from '../support/node-vs-trama.js';
import { connectH2 } from '../support/h2-server.js';

type Handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;
type Make = (h: Handler) => net.Server;

const NODE_COMPAT: Make = (h) => http2.createServer(h);
const TRAMA: Make = (h) => createServer(h as never) as unknown as net.Server;

async function listen(make: Make, h: Handler): Promise<{ server: net.Server; url: string; close: () => Promise<void> }> {
  const server = make(h);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = (): Promise<void> =>
    new Promise<void>((r) => {
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close(() => r());
    });
  return { server, url, close };
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The events of one exchange that both sides emit (node's compat also emits 'finish' and 'end' on a reset stream: see below). */
function record(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, log: string[], done: () => void): void {
  req.on('aborted', () => log.push('req aborted'));
  req.on('error', (e: NodeJS.ErrnoException) => log.push(`req error ${e.code}`));
  req.on('close', () => log.push('req close'));
  res.on('close', () => {
    log.push('res close');
    done();
  });
}

test('the HTTP/2 preface on a port that does not speak it (allowHTTP2: false): clientError HPE_PAUSED_H2_UPGRADE, default answer 400, as node:http', async () => {
  const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
  const answers = await both((lib) => serveRaw(lib, (_req, res) => res.end('no'), [preface], { serverOptions: { allowHTTP2: false } as never }));
  assert.equal(answers.trama.text, answers.node.text);
  assert.match(answers.trama.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
  const errors = await both(async (lib) => {
    const seen: Array<{ code: string; message: string; bytesParsed: number; raw: string }> = [];
    await serveRaw(lib, (_req, res) => res.end('no'), [preface], {
      serverOptions: { allowHTTP2: false } as never,
      setup: (s) => s.on('clientError', (err: NodeJS.ErrnoException & { bytesParsed: number; rawPacket: Buffer }, socket: net.Socket) => {
        seen.push({ code: err.code!, message: err.message, bytesParsed: err.bytesParsed, raw: err.rawPacket.toString('latin1') });
        socket.destroy();
      }),
    });
    return seen;
  });
  assert.deepEqual(errors.trama, errors.node);
  assert.equal(errors.trama[0]?.code, 'HPE_PAUSED_H2_UPGRADE');
});

/**
 * The events of an exchange whose response is left unfinished (`res.write` only) until the
 * client gives up: `giveUp` runs at the response head with the client session and the stream.
 */
async function eventsWhenClientGivesUp(make: Make, giveUp: (client: http2.ClientHttp2Session, r: http2.ClientHttp2Stream) => void): Promise<string[]> {
  const log: string[] = [];
  const closed = deferred();
  const srv = await listen(make, (req, res) => {
    record(req, res, log, closed.resolve);
    res.write('partial'); // never ended: only the client giving up can close it
  });
  const client = await connectH2(srv.url);
  try {
    const r = client.request({ ':path': '/', ':method': 'POST' }, { endStream: true });
    r.on('error', () => {});
    r.on('response', () => giveUp(client, r));
    await closed.promise;
  } finally {
    client.destroy();
    await srv.close();
  }
  return log;
}

test("a client's RST_STREAM: 'aborted', the request's 'close', then the response's 'close' — node:http2 compat's order, no request 'error'", async () => {
  const reset = (_c: http2.ClientHttp2Session, r: http2.ClientHttp2Stream): void => r.close(http2.constants.NGHTTP2_CANCEL);
  const node = await eventsWhenClientGivesUp(NODE_COMPAT, reset);
  const trama = await eventsWhenClientGivesUp(TRAMA, reset);
  assert.deepEqual(trama, node);
  assert.deepEqual(trama, ['req aborted', 'req close', 'res close']);
});

test('a client that goes away (its FIN) aborts the streams in flight at once, in the same order as node:http2', async () => {
  const leave = (c: http2.ClientHttp2Session): void => void c.destroy();
  const node = await eventsWhenClientGivesUp(NODE_COMPAT, leave);
  const trama = await eventsWhenClientGivesUp(TRAMA, leave);
  assert.deepEqual(trama, node);
  assert.deepEqual(trama, ['req aborted', 'req close', 'res close']);
});

test("res.destroy(): the head already started goes out, then RST_STREAM — INTERNAL_ERROR with an error as node's; CANCEL without (node: NO_ERROR, which RFC 9113 §8.1 keeps for a complete response)", async () => {
  const run = async (make: Make, withError: boolean): Promise<{ status: number | undefined; rstCode: number | undefined }> => {
    const srv = await listen(make, (_req, res) => {
      res.write('x');
      res.destroy(withError ? new Error('boom') : undefined);
    });
    const client = await connectH2(srv.url);
    try {
      const r = client.request({ ':path': '/' });
      r.on('error', () => {});
      let status: number | undefined;
      r.on('response', (h) => (status = h[':status']));
      r.resume();
      await new Promise<void>((resolve) => r.on('close', resolve));
      return { status, rstCode: r.rstCode };
    } finally {
      client.destroy();
      await srv.close();
    }
  };
  const NO_ERROR = http2.constants.NGHTTP2_NO_ERROR;
  const { NGHTTP2_CANCEL: CANCEL, NGHTTP2_INTERNAL_ERROR: INTERNAL_ERROR } = http2.constants;
  assert.deepEqual(await run(NODE_COMPAT, true), { status: 200, rstCode: INTERNAL_ERROR });
  assert.deepEqual(await run(TRAMA, true), { status: 200, rstCode: INTERNAL_ERROR });
  assert.deepEqual(await run(NODE_COMPAT, false), { status: 200, rstCode: NO_ERROR });
  assert.deepEqual(await run(TRAMA, false), { status: 200, rstCode: CANCEL });
});

/** Two streams on one session: `/kill` runs `kill`, `/ok` must still be answered. */
async function killOneKeepOther(make: Make, kill: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void): Promise<{ ok: string; killedRst: number | undefined }> {
  const killed = deferred();
  const srv = await listen(make, (req, res) => {
    if (req.url === '/kill') {
      kill(req, res);
      killed.resolve();
    } else void killed.promise.then(() => res.end('ok'));
  });
  const client = await connectH2(srv.url);
  try {
    const k = client.request({ ':path': '/kill' });
    k.on('error', () => {});
    k.resume();
    const o = client.request({ ':path': '/ok' });
    o.setEncoding('utf8');
    let ok = '';
    o.on('data', (c: string) => (ok += c));
    await new Promise<void>((resolve, reject) => {
      o.on('end', resolve);
      o.on('error', reject);
    });
    await new Promise<void>((resolve) => (k.closed ? resolve() : k.on('close', resolve)));
    return { ok, killedRst: k.rstCode };
  } finally {
    client.destroy();
    await srv.close();
  }
}

test('req.socket is a per-stream view, as node:http2 compat: reads pass through, write throws ERR_HTTP2_NO_SOCKET_MANIPULATION, destroy() ends this stream only', async () => {
  const probe = async (make: Make): Promise<Record<string, unknown>> => {
    const got = deferred<Record<string, unknown>>();
    const srv = await listen(make, (req, res) => {
      const s = req.socket;
      let thrown: unknown;
      try {
        (s as net.Socket).write('x');
      } catch (e) {
        thrown = { code: (e as NodeJS.ErrnoException).code, message: (e as Error).message };
      }
      got.resolve({
        same: s === res.socket,
        isSocket: s instanceof net.Socket,
        remoteAddress: s.remoteAddress,
        localPort: s.localPort === (srv.server.address() as AddressInfo).port,
        hasRemote: 'remoteAddress' in s,
        writable: s.writable,
        thrown,
      });
      res.end();
    });
    const client = await connectH2(srv.url);
    try {
      const r = client.request({ ':path': '/' });
      r.resume();
      await new Promise<void>((resolve) => r.on('close', resolve));
      return await got.promise;
    } finally {
      client.destroy();
      await srv.close();
    }
  };
  const node = await probe(NODE_COMPAT);
  const trama = await probe(TRAMA);
  assert.deepEqual(trama, node);
  assert.equal(trama.same, true);
  assert.equal(trama.isSocket, true);

  for (const make of [NODE_COMPAT, TRAMA]) {
    const r = await killOneKeepOther(make, (req) => req.socket.destroy());
    assert.equal(r.ok, 'ok');
    assert.notEqual(r.killedRst, undefined);
  }
});

test('Koa: ctx.req.socket.destroy() in one request resets that stream, the session serves the next request', async () => {
  const app = new Koa();
  app.use((ctx) => {
    if (ctx.path === '/kill') {
      ctx.req.socket.destroy();
      ctx.respond = false;
    } else ctx.body = 'ok';
  });
  const srv = createServer(app.callback() as never);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const client = await connectH2(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`);
  try {
    const k = client.request({ ':path': '/kill' });
    k.on('error', () => {});
    k.resume();
    await new Promise<void>((resolve) => k.on('close', resolve));
    assert.equal(k.rstCode, http2.constants.NGHTTP2_CANCEL);
    const o = client.request({ ':path': '/ok' });
    o.setEncoding('utf8');
    let body = '';
    o.on('data', (c: string) => (body += c));
    await new Promise<void>((resolve) => o.on('end', resolve));
    assert.equal(body, 'ok');
  } finally {
    client.destroy();
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});

test("res.socket.setTimeout(ms, cb) times this stream only (node's compat sets the whole session's timeout): the callback answers it while another stream is served", async () => {
  const timedOut = deferred();
  const srv = await listen(TRAMA, (req, res) => {
    if (req.url === '/slow') {
      res.socket!.setTimeout(20, () => {
        timedOut.resolve();
        res.end('timed out');
      });
    } else res.end('fast');
  });
  const client = await connectH2(srv.url);
  const fetch = (path: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const r = client.request({ ':path': path });
      r.setEncoding('utf8');
      let b = '';
      r.on('data', (c: string) => (b += c));
      r.on('end', () => resolve(b));
      r.on('error', reject);
    });
  try {
    const slow = fetch('/slow');
    assert.equal(await fetch('/fast'), 'fast');
    assert.equal(await slow, 'timed out');
    await timedOut.promise;
    assert.equal(client.destroyed, false);
    assert.equal(await fetch('/fast'), 'fast');
  } finally {
    client.destroy();
    await srv.close();
  }
});

test("https.globalAgent = agent changes the pool request() uses, as node's (the trama/register module object and the ES binding)", () => {
  const before = trhttps.globalAgent;
  const agent = new trhttps.Agent({ keepAlive: false });
  try {
    httpsModule.globalAgent = agent;
    assert.equal(httpsModule.globalAgent, agent);
    assert.equal(trhttps.globalAgent, agent);
    const req = (httpsModule.request as typeof trhttps.request)('https://127.0.0.1:1/');
    req.on('error', () => {});
    assert.equal((req as unknown as { agent: unknown }).agent, agent);
    req.destroy();
  } finally {
    httpsModule.globalAgent = before;
  }
  assert.equal(trhttps.globalAgent, before);
});

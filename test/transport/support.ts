// The five ways a request reaches trama's one handler, behind one client interface, so a test
// body runs unchanged over each (DESIGN.md: "one semantic suite runs over h1 and h2 alike"):
//   h1          trama.createServer + node:http
//   h2c         trama.createServer + node:http2 connect('http://…') (prior knowledge, RFC 9113 §3.3)
//   h2c-upgrade trama.createServer + HTTP/1.1 `Upgrade: h2c` (RFC 7540 §3.2), then trama's own h2
//               engine as the client (node:http2 has no upgrade client); the upgrade request is
//               `OPTIONS *`, answered here before the test's handler sees anything
//   tls-h2      trama.createSecureServer + node:http2 connect('https://…') (ALPN h2)
//   tls-h1      trama.createSecureServer + node:https offering only ALPN http/1.1
import * as http from 'node:http';
import * as https from 'node:https';
import * as http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { createServer, createSecureServer } from '../../src/index.js';
import type { IncomingMessage, ServerResponse, ServerOptions, SecureServerOptions } from '../../src/index.js';
import { H2Connection } from '../../src/wire/h2/connection.js';
import type { H2Event } from '../../src/wire/h2/events.js';
import { selfSignedCert } from '../support/h2-net-driver.js';

export type TransportName = 'h1' | 'h2c' | 'h2c-upgrade' | 'tls-h2' | 'tls-h1';
export const TRANSPORTS: readonly TransportName[] = ['h1', 'h2c', 'h2c-upgrade', 'tls-h2', 'tls-h1'];

const creds = selfSignedCert();
if (creds === null && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error('openssl is required (TRAMA_REQUIRE_PEERS=1) to generate a certificate');

/** Why a transport cannot run here (a skip reason), or false. */
export function unavailable(t: TransportName): string | false {
  if ((t === 'tls-h1' || t === 'tls-h2') && creds === null) return 'openssl is not installed: cannot generate a test certificate';
  return false;
}

/** Whether the transport carries HTTP/2 (the handler sees httpVersion 2.0). */
export const isH2 = (t: TransportName): boolean => t === 'h2c' || t === 'h2c-upgrade' || t === 'tls-h2';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;
export type AnyServer = ReturnType<typeof createServer> | ReturnType<typeof createSecureServer>;

export interface Served {
  readonly server: AnyServer;
  readonly port: number;
  close(): Promise<void>;
}

/** Start the server side of transport `t` with `handler` on 127.0.0.1:0. */
export async function serve(t: TransportName, handler: Handler, options: ServerOptions & SecureServerOptions = {}): Promise<Served> {
  const wrapped: Handler = (req, res) => {
    // The h2c-upgrade client's own upgrade request: not the test's business.
    if (t === 'h2c-upgrade' && req.method === 'OPTIONS' && req.url === '*') {
      res.writeHead(204).end();
      return;
    }
    handler(req, res);
  };
  const server: AnyServer =
    t === 'tls-h1' || t === 'tls-h2'
      ? createSecureServer({ key: creds!.key, cert: creds!.cert, ...options }, wrapped)
      : createServer(options, wrapped);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface Informational {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** One request in flight, the same whatever carries it. */
export interface Call {
  /** The final response head. Rejects if the exchange fails before it. */
  readonly response: Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>;
  /** 1xx responses in arrival order (100 included). */
  readonly informational: Informational[];
  /** Resolves when 100 Continue (or the final response) arrives. */
  readonly continued: Promise<void>;
  /** Send body bytes; resolves once the transport took them (write callback / flushed). */
  write(chunk: Buffer | string): Promise<void>;
  /** End the request body, with trailers if given. */
  end(trailers?: Record<string, string>): void;
  /** The whole response body (resolves at its end; rejects if the exchange is cut). */
  body(): Promise<Buffer>;
  /** The first body chunk. */
  firstChunk(): Promise<Buffer>;
  /** Response trailers (after body()). */
  readonly trailers: Record<string, string | string[] | undefined>;
  /** Stop / restart reading the response body (flow control, backpressure). */
  pause(): void;
  resume(): void;
  /** Cancel the exchange (h1: destroy the socket; h2: RST_STREAM CANCEL). */
  abort(): void;
  /** Resolves when the exchange is over, whichever way: `error` set if it was cut. */
  readonly done: Promise<{ error?: Error | undefined }>;
}

export interface RequestSpec {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent and ended at once; leave undefined to stream with write()/end(). */
  body?: Buffer | string;
  trailers?: Record<string, string>;
  /** Don't end the request: the test writes and ends (with `trailers`, announce them here too). */
  open?: boolean;
}

export interface Client {
  request(spec: RequestSpec): Call;
  close(): Promise<void>;
}

/** A client of transport `t` for the server on `port` (one connection for the h2 transports). */
export async function connect(t: TransportName, port: number): Promise<Client> {
  switch (t) {
    case 'h1':
      return h1Client(port, false);
    case 'tls-h1':
      return h1Client(port, true);
    case 'h2c':
    case 'tls-h2':
      return nodeH2Client(t, port);
    case 'h2c-upgrade':
      return upgradeClient(port);
  }
}

/** Convenience: a request sent whole, its response read whole. */
export async function fetchAll(client: Client, spec: RequestSpec): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; trailers: Record<string, string | string[] | undefined>; informational: Informational[] }> {
  const call = client.request(spec);
  const head = await call.response;
  const body = await call.body();
  return { ...head, body, trailers: call.trailers, informational: call.informational };
}

class Deferred<T> {
  promise: Promise<T>;
  resolve!: (v: T) => void;
  reject!: (e: Error) => void;
  settled = false;
  constructor() {
    this.promise = new Promise<T>((res, rej) => {
      this.resolve = (v) => {
        this.settled = true;
        res(v);
      };
      this.reject = (e) => {
        this.settled = true;
        rej(e);
      };
    });
    this.promise.catch(() => {});
  }
}

/** Shared bookkeeping of a Call: body collection, first chunk, done. */
class CallState {
  readonly response = new Deferred<{ status: number; headers: Record<string, string | string[] | undefined> }>();
  readonly continued = new Deferred<void>();
  readonly bodyDone = new Deferred<Buffer>();
  readonly first = new Deferred<Buffer>();
  readonly done = new Deferred<{ error?: Error | undefined }>();
  readonly informational: Informational[] = [];
  trailers: Record<string, string | string[] | undefined> = {};
  readonly chunks: Buffer[] = [];
  onInformational(status: number, headers: Record<string, string | string[] | undefined>): void {
    if (status === 100 && this.informational.some((i) => i.status === 100)) return;
    this.informational.push({ status, headers });
    if (status === 100) this.continued.resolve();
  }
  onResponse(status: number, headers: Record<string, string | string[] | undefined>): void {
    this.continued.resolve();
    this.response.resolve({ status, headers });
  }
  onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    if (!this.first.settled) this.first.resolve(chunk);
  }
  onEnd(): void {
    this.bodyDone.resolve(Buffer.concat(this.chunks));
    if (!this.first.settled) this.first.resolve(Buffer.alloc(0));
    this.done.resolve({});
  }
  onError(err: Error): void {
    this.response.reject(err);
    this.bodyDone.reject(err);
    this.first.reject(err);
    this.continued.reject(err);
    this.done.resolve({ error: err });
  }
}

function h1Client(port: number, secure: boolean): Client {
  const agent = secure
    ? new https.Agent({ keepAlive: true, ca: creds!.cert, servername: 'localhost', ALPNProtocols: ['http/1.1'] } as https.AgentOptions)
    : new http.Agent({ keepAlive: true });
  const lib = secure ? https : http;
  return {
    request(spec) {
      const st = new CallState();
      const headers: Record<string, string> = { ...(spec.headers ?? {}) };
      if (spec.body !== undefined && spec.trailers === undefined && headers['content-length'] === undefined) {
        headers['content-length'] = String(Buffer.byteLength(spec.body));
      }
      const req = lib.request({ host: '127.0.0.1', port, method: spec.method ?? (spec.body !== undefined || spec.open ? 'POST' : 'GET'), path: spec.path, headers, agent });
      req.on('information', (info: { statusCode: number; headers: Record<string, string | string[] | undefined> }) => st.onInformational(info.statusCode, info.headers));
      req.on('continue', () => st.onInformational(100, {}));
      req.on('response', (res) => {
        st.onResponse(res.statusCode!, res.headers);
        res.on('data', (c: Buffer) => st.onData(c));
        res.on('end', () => {
          st.trailers = res.trailers;
          st.onEnd();
        });
        res.on('aborted', () => st.onError(new Error('response aborted')));
        res.on('error', (e) => st.onError(e));
        call.pause = () => res.pause();
        call.resume = () => res.resume();
        if (paused) res.pause();
      });
      req.on('error', (e) => st.onError(e));
      let paused = false;
      const end = (trailers?: Record<string, string>): void => {
        if (trailers) req.addTrailers(trailers);
        req.end();
      };
      const call: Call = {
        response: st.response.promise,
        informational: st.informational,
        continued: st.continued.promise,
        write: (chunk) => new Promise<void>((resolve, reject) => req.write(chunk, (err) => (err ? reject(err) : resolve()))),
        end,
        body: () => st.bodyDone.promise,
        firstChunk: () => st.first.promise,
        get trailers() {
          return st.trailers;
        },
        pause: () => {
          paused = true;
        },
        resume: () => {
          paused = false;
        },
        abort: () => req.destroy(),
        done: st.done.promise,
      };
      if (spec.body !== undefined) {
        req.write(spec.body);
        end(spec.trailers);
      } else if (!spec.open) end(spec.trailers);
      return call;
    },
    async close() {
      agent.destroy();
    },
  };
}

function splitPseudo(h: http2.IncomingHttpHeaders): { status: number; headers: Record<string, string | string[] | undefined> } {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(h)) if (!k.startsWith(':')) headers[k] = v;
  return { status: Number(h[':status']), headers };
}

async function nodeH2Client(t: 'h2c' | 'tls-h2', port: number): Promise<Client> {
  const session =
    t === 'h2c'
      ? http2.connect(`http://127.0.0.1:${port}`)
      : http2.connect(`https://127.0.0.1:${port}`, { ca: creds!.cert, servername: 'localhost' });
  session.on('error', () => {});
  await once(session, 'connect');
  return {
    request(spec) {
      const st = new CallState();
      const method = spec.method ?? (spec.body !== undefined || spec.open ? 'POST' : 'GET');
      const stream = session.request(
        { ':method': method, ':path': spec.path, ...(spec.headers ?? {}) },
        // Trailers must be announced up front (node:http2's waitForTrailers).
        { endStream: spec.body === undefined && !spec.open && spec.trailers === undefined, waitForTrailers: spec.trailers !== undefined },
      );
      let trailersToSend: Record<string, string> | undefined = spec.trailers;
      stream.on('wantTrailers', () => stream.sendTrailers(trailersToSend ?? {}));
      stream.on('continue', () => st.onInformational(100, {}));
      stream.on('headers', (h) => {
        const { status, headers } = splitPseudo(h);
        st.onInformational(status, headers);
      });
      stream.on('response', (h) => {
        const { status, headers } = splitPseudo(h);
        st.onResponse(status, headers);
      });
      stream.on('trailers', (h) => {
        st.trailers = { ...h };
      });
      stream.on('data', (c: Buffer) => st.onData(c));
      // node:http2 emits 'end' on a reset stream too: the verdict waits for 'close' and its code.
      let ended = false;
      stream.on('end', () => (ended = true));
      stream.on('error', (e) => st.onError(e));
      stream.on('close', () => {
        if (stream.rstCode !== undefined && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) {
          st.onError(Object.assign(new Error(`stream reset ${stream.rstCode}`), { code: 'ERR_HTTP2_STREAM_ERROR', rstCode: stream.rstCode }));
        } else if (ended) st.onEnd();
        else st.onError(new Error('stream closed early'));
      });
      const end = (trailers?: Record<string, string>): void => {
        if (trailers !== undefined) trailersToSend = trailers;
        stream.end();
      };
      if (spec.body !== undefined) {
        stream.write(spec.body);
        end(spec.trailers);
      } else if (!spec.open && spec.trailers !== undefined) end(spec.trailers);
      return {
        response: st.response.promise,
        informational: st.informational,
        continued: st.continued.promise,
        write: (chunk) => new Promise<void>((resolve, reject) => stream.write(chunk, (err) => (err ? reject(err) : resolve()))),
        end,
        body: () => st.bodyDone.promise,
        firstChunk: () => st.first.promise,
        get trailers() {
          return st.trailers;
        },
        pause: () => stream.pause(),
        resume: () => stream.resume(),
        abort: () => stream.close(http2.constants.NGHTTP2_CANCEL),
        done: st.done.promise,
      };
    },
    async close() {
      if (session.destroyed) return;
      session.close();
      await once(session, 'close');
    },
  };
}

/** RFC 7540 §3.2.1: HTTP2-Settings is base64url SETTINGS payload; here ENABLE_PUSH = 0. */
const UPGRADE_SETTINGS = Buffer.from([0x00, 0x02, 0, 0, 0, 0]).toString('base64url');

function toRecord(fields: ReadonlyArray<readonly [string, string]>): { status: number; headers: Record<string, string | string[] | undefined> } {
  const headers: Record<string, string | string[] | undefined> = {};
  let status = 0;
  for (const [n, v] of fields) {
    if (n === ':status') status = Number(v);
    else if (n.startsWith(':')) continue;
    else if (n === 'set-cookie') ((headers[n] as string[] | undefined) ?? (headers[n] = [])) && (headers[n] as string[]).push(v);
    else headers[n] = headers[n] === undefined ? v : `${headers[n] as string}, ${v}`;
  }
  return { status, headers };
}

/** h2c by `Upgrade: h2c`, then trama's h2 engine drives the connection as the client. */
async function upgradeClient(port: number): Promise<Client> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.setNoDelay(true);
  socket.write(
    `OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: ${UPGRADE_SETTINGS}\r\n\r\n`,
  );
  let buf = Buffer.alloc(0);
  while (buf.indexOf('\r\n\r\n') < 0) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    buf = Buffer.concat([buf, chunk]);
  }
  const end = buf.indexOf('\r\n\r\n');
  const head = buf.subarray(0, end).toString('latin1');
  if (!head.startsWith('HTTP/1.1 101 ')) throw new Error(`no upgrade: ${head}`);
  socket.pause();
  const conn = new H2Connection({ role: 'client', upgrade: { http2Settings: UPGRADE_SETTINGS, method: 'OPTIONS' } });
  const calls = new Map<number, { st: CallState; paused: boolean; unacked: number; drained: Array<() => void> }>();
  const flush = (): void => {
    const out = conn.takeOutput();
    if (out.length > 0 && !socket.destroyed) socket.write(out);
  };
  const ackLater = (id: number): void => {
    const c = calls.get(id);
    if (c && !c.paused && c.unacked > 0) {
      conn.acknowledgeReceivedData(id, c.unacked);
      c.unacked = 0;
    }
  };
  const onEvent = (e: H2Event): void => {
    switch (e.type) {
      case 'informational-received': {
        const r = toRecord(e.headers);
        calls.get(e.streamId)?.st.onInformational(r.status, r.headers);
        break;
      }
      case 'headers-received': {
        const r = toRecord(e.headers);
        calls.get(e.streamId)?.st.onResponse(r.status, r.headers);
        break;
      }
      case 'data-received': {
        const c = calls.get(e.streamId);
        if (!c) {
          conn.acknowledgeReceivedData(e.streamId, e.flowControlledLength);
          break;
        }
        c.st.onData(Buffer.from(e.data));
        c.unacked += e.flowControlledLength;
        ackLater(e.streamId);
        break;
      }
      case 'trailers-received': {
        const c = calls.get(e.streamId);
        if (c) c.st.trailers = toRecord(e.headers).headers;
        break;
      }
      case 'stream-ended':
        calls.get(e.streamId)?.st.onEnd();
        calls.delete(e.streamId);
        break;
      case 'stream-reset':
        calls.get(e.streamId)?.st.onError(Object.assign(new Error(`stream reset ${e.errorCode}`), { rstCode: e.errorCode }));
        calls.delete(e.streamId);
        break;
      case 'window-updated':
        for (const c of calls.values()) for (const d of c.drained.splice(0)) d();
        break;
      case 'connection-terminated':
        for (const c of calls.values()) c.st.onError(new Error(`connection terminated: ${e.message}`));
        calls.clear();
        break;
      default:
        break;
    }
  };
  socket.on('data', (chunk: Buffer) => {
    for (const e of conn.receive(chunk)) onEvent(e);
    flush();
  });
  socket.on('close', () => {
    for (const c of calls.values()) c.st.onError(new Error('socket closed'));
    calls.clear();
  });
  socket.on('error', () => {});
  // Stream 1 is the upgrade request: its 204 comes back and is dropped.
  calls.set(1, { st: new CallState(), paused: false, unacked: 0, drained: [] });
  flush();
  const rest = buf.subarray(end + 4);
  if (rest.length > 0) {
    for (const e of conn.receive(rest)) onEvent(e);
    flush();
  }
  socket.resume();
  return {
    request(spec) {
      const st = new CallState();
      const id = conn.nextStreamId();
      const entry = { st, paused: false, unacked: 0, drained: [] as Array<() => void> };
      calls.set(id, entry);
      const method = spec.method ?? (spec.body !== undefined || spec.open ? 'POST' : 'GET');
      const fields: Array<[string, string]> = [[':method', method], [':scheme', 'http'], [':authority', `127.0.0.1:${port}`], [':path', spec.path]];
      for (const [n, v] of Object.entries(spec.headers ?? {})) fields.push([n.toLowerCase(), v]);
      const whole = spec.body !== undefined || (!spec.open && spec.trailers === undefined);
      conn.sendHeaders(id, fields, { endStream: spec.body === undefined && !spec.open && spec.trailers === undefined });
      const endCall = (trailers?: Record<string, string>): void => {
        if (!conn.isStreamOpen(id)) return;
        if (trailers && Object.keys(trailers).length > 0) conn.sendTrailers(id, Object.entries(trailers).map(([n, v]) => [n.toLowerCase(), v] as [string, string]));
        else conn.endStream(id);
        flush();
      };
      if (spec.body !== undefined) {
        conn.sendData(id, spec.body, { endStream: spec.trailers === undefined });
        if (spec.trailers !== undefined) endCall(spec.trailers);
      } else if (!spec.open && spec.trailers !== undefined) endCall(spec.trailers);
      void whole;
      flush();
      return {
        response: st.response.promise,
        informational: st.informational,
        continued: st.continued.promise,
        write: async (chunk) => {
          if (!conn.isStreamOpen(id)) throw new Error('stream closed');
          conn.sendData(id, chunk);
          flush();
          // Wait while the engine holds more than a window's worth (the peer's flow control).
          while (conn.streamQueuedBytes(id) > 0 && calls.has(id)) await new Promise<void>((r) => entry.drained.push(r));
          if (!socket.writableNeedDrain) return;
          await once(socket, 'drain');
        },
        end: endCall,
        body: () => st.bodyDone.promise,
        firstChunk: () => st.first.promise,
        get trailers() {
          return st.trailers;
        },
        pause: () => {
          entry.paused = true;
        },
        resume: () => {
          entry.paused = false;
          ackLater(id);
          flush();
        },
        abort: () => {
          if (conn.isStreamOpen(id) || conn.streamState(id) !== 'closed') conn.resetStream(id);
          flush();
          calls.delete(id);
          st.onError(new Error('aborted'));
        },
        done: st.done.promise,
      };
    },
    async close() {
      if (socket.destroyed) return;
      conn.goaway();
      flush();
      socket.end();
      await once(socket, 'close');
    },
  };
}

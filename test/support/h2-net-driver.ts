// A test-only driver that binds the sans-I/O HTTP/2 engine to node:net sockets, so interop tests
// can put it in front of real peers (node:http2, nghttp, h2load, nghttpd). The real driver lives
// in src/io/; this one is deliberately small: read → receive → handlers → takeOutput → write.
import net from 'node:net';
import tls from 'node:tls';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H2Connection, decodeHttp2Settings, type H2ConnectionOptions } from '../../src/wire/h2/connection.js';
import type { H2Event } from '../../src/wire/h2/events.js';

export type Fields = Array<[string, string]>;

/**
 * Drives one engine over one socket. `onEvent` may call engine methods; output is flushed after
 * every batch. Received DATA is acknowledged once handed to `onEvent` (an eager reader).
 */
export function drive(conn: H2Connection, socket: net.Socket, onEvent: (e: H2Event) => void): { flush: () => void; closed: Promise<void> } {
  const flush = () => {
    const out = conn.takeOutput();
    if (out.length > 0 && !socket.destroyed) socket.write(out);
    if (conn.wantsClose && !socket.destroyed) socket.end();
  };
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    for (const e of conn.receive(chunk)) {
      onEvent(e);
      if (e.type === 'data-received') conn.acknowledgeReceivedData(e.streamId, e.data.length);
    }
    flush();
  });
  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
  flush();
  return { flush, closed };
}

export interface ServerRequest {
  streamId: number;
  headers: Fields;
  body: Buffer;
  trailers: Fields | null;
  conn: H2Connection;
}

export interface ServerReply {
  status: number;
  headers?: Fields;
  body?: Buffer | string;
  trailers?: Fields;
  /** Paths to push before the response body, each answered with `pushBody(path)`. */
  push?: Array<{ path: string; body: string }>;
}

/**
 * A throw-away self-signed certificate for 127.0.0.1 / localhost (openssl), or null without
 * openssl. `names` replaces the subjectAltName list (e.g. two DNS names for coalescing tests).
 */
export function selfSignedCert(names: readonly string[] = ['DNS:localhost', 'IP:127.0.0.1']): { key: Buffer; cert: Buffer } | null {
  const dir = mkdtempSync(join(tmpdir(), 'trama-cert-'));
  try {
    const r = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2',
      '-addext', `subjectAltName=${names.join(',')}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    if (r.status !== 0) return null;
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Options of the test server: TLS with ALPN "h2", or cleartext that also accepts `Upgrade: h2c`. */
export interface TransportOptions {
  tls?: { key: Buffer; cert: Buffer };
  /** Accept HTTP/1.1 `Upgrade: h2c` (RFC 7540 §3.2) besides the prior-knowledge preface. */
  allowUpgrade?: boolean;
}

/**
 * An HTTP/2 server on 127.0.0.1:0 answering complete requests with `handler`: h2c with prior
 * knowledge (and `Upgrade: h2c` if allowed), or, given `tls`, HTTP/2 over TLS selected by ALPN.
 */
export async function startTramaH2Server(
  handler: (req: ServerRequest) => ServerReply,
  options: Omit<H2ConnectionOptions, 'role'> = {},
  transport: TransportOptions = {},
): Promise<{ port: number; close: () => Promise<void>; connections: H2Connection[]; upgrades: number }> {
  const connections: H2Connection[] = [];
  const answer = (conn: H2Connection, streamId: number, headers: Fields, body: Buffer, trailers: Fields | null) => {
    const reply = handler({ streamId, headers, body, trailers, conn });
    const authority = headers.find(([n]) => n === ':authority')?.[1] ?? '127.0.0.1';
    const pushed: Array<[number, string]> = [];
    if (reply.push && conn.remoteSettings.enablePush) {
      for (const { path, body: text } of reply.push) {
        const id = conn.pushPromise(streamId, [[':method', 'GET'], [':scheme', 'http'], [':authority', authority], [':path', path]]);
        pushed.push([id, text]);
      }
    }
    const out = reply.body === undefined ? Buffer.alloc(0) : Buffer.from(reply.body);
    const head: Fields = [[':status', String(reply.status)], ...(reply.headers ?? [])];
    if (out.length === 0 && !reply.trailers) conn.sendHeaders(streamId, head, { endStream: true });
    else {
      conn.sendHeaders(streamId, head);
      if (reply.trailers) {
        if (out.length) conn.sendData(streamId, out);
        conn.sendTrailers(streamId, reply.trailers);
      } else conn.sendData(streamId, out, { endStream: true });
    }
    for (const [id, text] of pushed) {
      conn.sendHeaders(id, [[':status', '200'], ['content-length', String(Buffer.byteLength(text))]]);
      conn.sendData(id, text, { endStream: true });
    }
  };
  const serve = (socket: net.Socket, upgraded?: { http2Settings: string; headers: Fields }) => {
    const conn = new H2Connection({ role: 'server', ...options, ...(upgraded ? { upgrade: { http2Settings: upgraded.http2Settings, method: upgraded.headers[0]![1] } } : {}) });
    connections.push(conn);
    const pending = new Map<number, { headers: Fields; chunks: Buffer[]; trailers: Fields | null }>();
    const d = drive(conn, socket, (e) => {
      if (e.type === 'headers-received') pending.set(e.streamId, { headers: e.headers, chunks: [], trailers: null });
      else if (e.type === 'data-received') pending.get(e.streamId)?.chunks.push(Buffer.from(e.data));
      else if (e.type === 'trailers-received') {
        const p = pending.get(e.streamId);
        if (p) p.trailers = e.headers;
      } else if (e.type === 'stream-reset') pending.delete(e.streamId);
      else if (e.type === 'stream-ended') {
        const p = pending.get(e.streamId);
        if (!p) return;
        pending.delete(e.streamId);
        // Events come in batches: a later event of this batch may already have reset the stream.
        if (conn.streamState(e.streamId) === 'closed') return;
        answer(conn, e.streamId, p.headers, Buffer.concat(p.chunks), p.trailers);
      }
    });
    if (upgraded) {
      // The upgraded request is stream 1; its response goes out right after our SETTINGS.
      answer(conn, 1, upgraded.headers, Buffer.alloc(0), null);
      d.flush();
    }
  };
  let upgrades = 0;
  const onCleartext = (socket: net.Socket) => {
    if (!transport.allowUpgrade) return serve(socket);
    // Sniff: the prior-knowledge preface, or an HTTP/1.1 request head asking for h2c.
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.length >= 4 && head.subarray(0, 4).toString('latin1') === 'PRI ') {
        socket.off('data', onData);
        serve(socket);
        socket.emit('data', head);
        return;
      }
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const [line, ...lines] = head.subarray(0, end).toString('latin1').split('\r\n');
      const [method, path] = line!.split(' ');
      const fields = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const settings = fields.get('http2-settings');
      if (fields.get('upgrade')?.toLowerCase() !== 'h2c' || settings === undefined || decodeHttp2Settings(settings) === null) {
        socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      upgrades++;
      socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: h2c\r\n\r\n');
      const headers: Fields = [[':method', method!], [':scheme', 'http'], [':authority', fields.get('host') ?? ''], [':path', path!]];
      for (const [n, v] of fields) if (!['host', 'connection', 'upgrade', 'http2-settings'].includes(n)) headers.push([n, v]);
      serve(socket, { http2Settings: settings, headers });
      const rest = head.subarray(end + 4);
      if (rest.length) socket.emit('data', rest);
    };
    socket.on('data', onData);
  };
  const server = transport.tls
    ? tls.createServer({ ...transport.tls, ALPNProtocols: ['h2'] }, (socket) => {
      if (socket.alpnProtocol !== 'h2') socket.destroy();
      else serve(socket);
    })
    : net.createServer(onCleartext);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections,
    get upgrades() {
      return upgrades;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ClientResponse {
  streamId: number;
  status: number;
  headers: Fields;
  body: Buffer;
  trailers: Fields | null;
  reset?: number;
}

export interface ClientRequest {
  method?: string;
  path: string;
  headers?: Fields;
  body?: Buffer | string;
  trailers?: Fields;
}

/**
 * Opens one h2c connection to 127.0.0.1:port, sends every request (as many at once as the
 * server allows), and resolves with the responses in request order plus any pushed responses.
 */
export async function tramaH2Requests(
  port: number,
  requests: ClientRequest[],
  options: Omit<H2ConnectionOptions, 'role'> = {},
): Promise<{ responses: ClientResponse[]; pushes: Array<ClientResponse & { path: string }>; conn: H2Connection }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const conn = new H2Connection({ role: 'client', ...options });
  const byStream = new Map<number, ClientResponse & { chunks: Buffer[]; path?: string; index: number }>();
  const results: ClientResponse[] = new Array(requests.length);
  const pushes: Array<ClientResponse & { path: string }> = [];
  let next = 0;
  let done = 0;
  let pendingPushes = 0;
  let resolveAll!: () => void;
  let rejectAll!: (e: Error) => void;
  const all = new Promise<void>((res, rej) => { resolveAll = res; rejectAll = rej; });
  const finish = (r: ClientResponse & { chunks: Buffer[]; path?: string; index: number }) => {
    r.body = Buffer.concat(r.chunks);
    const { chunks: _c, index, path, ...plain } = r;
    void _c;
    byStream.delete(r.streamId);
    if (index >= 0) {
      results[index] = plain;
      done++;
    } else {
      pushes.push({ ...plain, path: path ?? '' });
      pendingPushes--;
    }
    if (done === requests.length && pendingPushes === 0) resolveAll();
    else openMore();
  };
  const openMore = () => {
    while (next < requests.length && conn.canOpenStream) {
      const req = requests[next]!;
      const id = conn.nextStreamId();
      const body = req.body === undefined ? undefined : Buffer.from(req.body);
      const head: Fields = [[':method', req.method ?? (body ? 'POST' : 'GET')], [':scheme', 'http'], [':authority', `127.0.0.1:${port}`], [':path', req.path], ...(req.headers ?? [])];
      const ends = !body && !req.trailers;
      conn.sendHeaders(id, head, { endStream: ends });
      if (body) conn.sendData(id, body, { endStream: !req.trailers });
      if (req.trailers) conn.sendTrailers(id, req.trailers);
      byStream.set(id, { streamId: id, status: 0, headers: [], body: Buffer.alloc(0), trailers: null, chunks: [], index: next });
      next++;
    }
  };
  const d = drive(conn, socket, (e) => {
    switch (e.type) {
      case 'push-promise-received':
        pendingPushes++;
        byStream.set(e.promisedId, { streamId: e.promisedId, status: 0, headers: [], body: Buffer.alloc(0), trailers: null, chunks: [], index: -1, path: e.headers.find(([n]) => n === ':path')?.[1] ?? '' });
        break;
      case 'headers-received': {
        const r = byStream.get(e.streamId);
        if (r) { r.headers = e.headers; r.status = Number(e.headers.find(([n]) => n === ':status')?.[1]); }
        break;
      }
      case 'data-received': byStream.get(e.streamId)?.chunks.push(Buffer.from(e.data)); break;
      case 'trailers-received': { const r = byStream.get(e.streamId); if (r) r.trailers = e.headers; break; }
      case 'stream-ended': { const r = byStream.get(e.streamId); if (r) finish(r); break; }
      case 'stream-reset': { const r = byStream.get(e.streamId); if (r) { r.reset = e.errorCode; finish(r); } break; }
      case 'settings-received': openMore(); break;
      case 'connection-terminated': rejectAll(new Error(`connection terminated: ${e.message}`)); break;
      default: break;
    }
  });
  openMore();
  d.flush();
  socket.on('close', () => rejectAll(new Error('socket closed early')));
  try {
    await all;
  } finally {
    conn.goaway();
    d.flush();
    socket.end();
  }
  return { responses: results, pushes, conn };
}

/** Whether a peer binary is installed; when it is missing and CI requires peers, fail loudly. */
export function peerAvailable(bin: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
  if (!found && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(`${bin} is required (TRAMA_REQUIRE_PEERS=1) but not installed`);
  return found;
}

/** Header lookup. */
export function header(fields: Fields, name: string): string | undefined {
  return fields.find(([n]) => n === name)?.[1];
}

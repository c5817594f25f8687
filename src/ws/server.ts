/**
 * The server side: `WebSocketServer` in the shape `ws` users know (`port` / `server` /
 * `noServer` modes, `handleUpgrade()`, `'connection'`, `clients`, `handleProtocols`,
 * `verifyClient`), plus what they usually write by hand: an origin check hook, a heartbeat
 * (ping every interval, terminate a client that did not answer the previous one) and
 * `broadcast()` (one frame encoded once, written to every client).
 *
 * A refused handshake is answered and the socket closed; nothing a client sends affects the
 * others (each connection has its own engine; a fault closes only its own).
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { IncomingMessage, Server as NodeServer } from 'node:http';
import { setInterval as startInterval, clearInterval as stopInterval } from 'node:timers';
import { createServer } from '../http/server.js';
import {
  validateClientHandshake,
  isRefusal,
  serverResponseHead,
  refusalResponse,
  negotiateDeflateServer,
  PerMessageDeflate,
  encodeFrame,
  Opcode,
  STATUS_CODES,
} from './wire.js';
import type { PerMessageDeflateOptions, ClientHandshake } from './wire.js';
import { WebSocket, kAttach, kServerToken, kAlive, kTracker } from './websocket.js';
import { H2Tunnel } from '../io/h2-tunnel.js';
import type { HandshakeRefusal } from './wire.js';

export interface WebSocketServerOptions {
  /** Listen on this port with a trama HTTP server of our own. */
  port?: number;
  host?: string;
  backlog?: number;
  /** Attach to an existing http server's 'upgrade' event. */
  server?: NodeServer | EventEmitter;
  /** Only `handleUpgrade()` by hand. */
  noServer?: boolean;
  /** Accept upgrades for this path only. */
  path?: string;
  /** Pick a subprotocol from those offered; false for none. Default: the first offered (as `ws`). */
  handleProtocols?: (protocols: Set<string>, req: IncomingMessage) => string | false;
  /** The origin check hook: false refuses with 403. */
  checkOrigin?: (origin: string | undefined, req: IncomingMessage) => boolean;
  /** `ws`'s verifyClient, sync (`(info) => boolean`) or async (`(info, cb) => void`). */
  verifyClient?:
    | ((info: { origin: string | undefined; secure: boolean; req: IncomingMessage }) => boolean)
    | ((info: { origin: string | undefined; secure: boolean; req: IncomingMessage }, cb: (ok: boolean, code?: number, message?: string, headers?: Record<string, string>) => void) => void);
  /** Accept permessage-deflate (default false, as `ws`); true or options to enable. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Largest message accepted (bytes). */
  maxPayload?: number;
  /** Keep `clients` (default true). */
  clientTracking?: boolean;
  /** Ping every client this often (ms); one that has not answered since the last ping is terminated. 0 = off. */
  heartbeatInterval?: number;
  /** Answer pings automatically (default true). */
  autoPong?: boolean;
}

type Callback = (ws: WebSocket, req: IncomingMessage) => void;

/**
 * @example
 * const wss = new WebSocketServer({ port: 8080 });
 * wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
 */
export class WebSocketServer extends EventEmitter {
  readonly options: WebSocketServerOptions;
  readonly clients: Set<WebSocket>;
  #server: NodeServer | EventEmitter | null = null;
  #ownServer = false;
  #heartbeat: ReturnType<typeof startInterval> | null = null;
  #closed = false;
  #onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;

  constructor(options: WebSocketServerOptions, callback?: () => void) {
    super();
    const modes = (options.port !== undefined ? 1 : 0) + (options.server !== undefined ? 1 : 0) + (options.noServer ? 1 : 0);
    if (modes !== 1) throw new TypeError('One and only one of the "port", "server", or "noServer" options must be specified');
    this.options = options;
    this.clients = new Set();
    if (options.port !== undefined) {
      const server = createServer((req, res) => {
        const body = STATUS_CODES[426]!;
        res.writeHead(426, { 'Content-Length': Buffer.byteLength(body), 'Content-Type': 'text/plain' });
        res.end(body);
      });
      this.#server = server as unknown as NodeServer;
      this.#ownServer = true;
      server.listen(options.port, options.host, options.backlog, callback);
    } else if (options.server !== undefined) {
      this.#server = options.server;
    }
    if (this.#server !== null) {
      const server = this.#server;
      const onListening = (): void => {
        this.emit('listening');
      };
      const onError = (err: Error): void => {
        this.emit('error', err);
      };
      server.on('listening', onListening);
      server.on('error', onError);
      this.#onUpgrade = (req, socket, head) => {
        this.handleUpgrade(req, socket, head, (ws) => this.emit('connection', ws, req));
      };
      server.on('upgrade', this.#onUpgrade);
      this.once('close', () => {
        server.off('listening', onListening);
        server.off('error', onError);
        if (this.#onUpgrade !== null) server.off('upgrade', this.#onUpgrade);
      });
    }
    const interval = options.heartbeatInterval ?? 0;
    if (interval > 0) {
      this.#heartbeat = startInterval(() => this.#beat(), interval);
      this.#heartbeat.unref();
    }
  }

  /** The address of the server we listen on (`port` mode) or were given. */
  address(): ReturnType<NodeServer['address']> {
    const s = this.#server as NodeServer | null;
    if (s === null || typeof s.address !== 'function') throw new Error('The server is operating in "noServer" mode');
    return s.address();
  }

  /** Does this request's path match `options.path`? */
  shouldHandle(req: IncomingMessage): boolean {
    if (this.options.path === undefined) return true;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    return (q === -1 ? url : url.slice(0, q)) === this.options.path;
  }

  /**
   * Finish an upgrade: check the handshake, answer 101 (or refuse), and hand the WebSocket to `cb`.
   *
   * @example
   * server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: Callback): void {
    socket.on('error', onEarlyError);
    if (this.#closed) return refuse(socket, 503, 'server closing');
    if (!this.shouldHandle(req)) return refuse(socket, 400, 'path not served');
    // RFC 8441: over HTTP/2 the request is an extended CONNECT with `:protocol websocket`; the
    // method and Upgrade/Connection were the h2 layer's business and there is no key (§5).
    const h2 = socket instanceof H2Tunnel;
    if (h2 && socket.protocol !== 'websocket') return refuse(socket, 400, `unsupported :protocol ${socket.protocol}`);
    const hs = validateClientHandshake(req.method ?? '', req.headers, { connect: h2 });
    if (isRefusal(hs)) {
      answerRefusal(socket, hs);
      this.emit('wsClientError', Object.assign(new Error(hs.message), { code: 'WS_ERR_HANDSHAKE' }), socket, req);
      return;
    }
    if (this.options.checkOrigin !== undefined && !this.options.checkOrigin(hs.origin, req)) return refuse(socket, 403, 'origin not allowed');
    const verify = this.options.verifyClient;
    if (verify !== undefined) {
      const info = { origin: hs.origin, secure: (socket as { encrypted?: boolean }).encrypted === true, req };
      if (verify.length >= 2) {
        (verify as (i: typeof info, cb: (ok: boolean, code?: number, message?: string) => void) => void)(info, (ok, code = 401, message) => {
          if (!ok) return refuse(socket, code, message ?? STATUS_CODES[code] ?? '');
          this.#complete(hs, req, socket, head, cb);
        });
        return;
      }
      if (!(verify as (i: typeof info) => boolean)(info)) return refuse(socket, 401, 'Unauthorized');
    }
    this.#complete(hs, req, socket, head, cb);
  }

  #complete(hs: ClientHandshake, req: IncomingMessage, socket: Duplex, head: Buffer, cb: Callback): void {
    if (socket.destroyed || !socket.writable) {
      socket.destroy();
      return;
    }
    let protocol: string | null = null;
    if (hs.protocols.length > 0) {
      const pick = this.options.handleProtocols;
      const chosen = pick === undefined ? hs.protocols[0]! : pick(new Set(hs.protocols), req);
      // RFC 6455 §4.2.2: the server answers with one of the offered values, or none.
      if (chosen !== false && hs.protocols.includes(chosen)) protocol = chosen;
    }
    let deflate: PerMessageDeflate | null = null;
    let extensions: string | null = null;
    const pmd = this.options.perMessageDeflate;
    if (pmd !== undefined && pmd !== false && hs.extensions.length > 0) {
      const opts = pmd === true ? {} : pmd;
      const agreed = negotiateDeflateServer(hs.extensions, opts);
      if (agreed !== null) {
        deflate = new PerMessageDeflate(agreed.params, 'server', opts);
        extensions = agreed.response;
      }
    }
    const extra: string[] = [];
    if (this.listenerCount('headers') > 0) {
      const lines: string[] = [];
      this.emit('headers', lines, req);
      extra.push(...lines);
    }
    if (socket instanceof H2Tunnel) socket.respond(200, h2ResponseFields(protocol, extensions, extra));
    else socket.write(serverResponseHead(hs.key, protocol, extensions, extra));
    socket.off('error', onEarlyError);
    const ws = new WebSocket('', undefined, kServerToken);
    if (this.options.clientTracking !== false) {
      this.clients.add(ws);
      ws[kTracker] = this.clients;
    }
    ws[kAttach](socket, head, {
      role: 'server',
      protocol: protocol ?? '',
      extensions: extensions ?? '',
      deflate,
      maxPayload: this.options.maxPayload,
      autoPong: this.options.autoPong,
      url: req.url ?? '/',
    });
    cb(ws, req);
  }

  /**
   * Send one message to every open client (except `except`): the frame is encoded once and the
   * same bytes written to each (server frames are unmasked, RFC 6455 §5.1); a client with
   * permessage-deflate gets its own compressed copy only when the message is over its threshold.
   *
   * @example
   * wss.broadcast('tick');
   */
  broadcast(data: string | Buffer | ArrayBufferView, opts?: { binary?: boolean; except?: WebSocket }): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const binary = opts?.binary ?? typeof data !== 'string';
    let frame: Buffer | null = null;
    for (const ws of this.clients) {
      if (ws === opts?.except || ws.readyState !== WebSocket.OPEN) continue;
      if (ws.extensions !== '' && buf.length >= 1024) {
        ws.send(buf, { binary });
        continue;
      }
      frame ??= Buffer.concat(encodeFrame(binary ? Opcode.BINARY : Opcode.TEXT, buf, { fin: true, mask: false }));
      ws.stream!.write(frame);
    }
  }

  #beat(): void {
    for (const ws of this.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (!ws[kAlive]) {
        ws.terminate();
        continue;
      }
      ws[kAlive] = false;
      ws.ping();
    }
  }

  /** Stop accepting, close our own server (port mode), and close every client with 1001. */
  close(cb?: (err?: Error) => void): void {
    if (this.#heartbeat !== null) {
      stopInterval(this.#heartbeat);
      this.#heartbeat = null;
    }
    if (this.#closed) {
      if (cb !== undefined) process.nextTick(cb, new Error('The server is not running'));
      return;
    }
    this.#closed = true;
    for (const ws of this.clients) ws.close(1001);
    const done = (): void => {
      this.emit('close');
      cb?.();
    };
    if (this.#ownServer) (this.#server as NodeServer).close(() => done());
    else process.nextTick(done);
  }
}

function onEarlyError(this: Duplex): void {
  this.destroy();
}

function refuse(socket: Duplex, status: number, message: string): void {
  answerRefusal(socket, { status, message });
}

/** A refused handshake: the status and a text body, over HTTP/1.1 (then close) or on the h2 stream (then END_STREAM). */
function answerRefusal(socket: Duplex, r: HandshakeRefusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  if (socket instanceof H2Tunnel) {
    if (!socket.headersSent) socket.respond(r.status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(r.message), ...r.headers });
    socket.end(r.message);
    return;
  }
  socket.end(refusalResponse(r, STATUS_CODES[r.status] ?? ''));
}

/** The 200 answer's fields over HTTP/2 (RFC 8441 §5: as the 101's, without Sec-WebSocket-Accept); `extra` lines from 'headers'. */
function h2ResponseFields(protocol: string | null, extensions: string | null, extra: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (protocol !== null) out['sec-websocket-protocol'] = protocol;
  if (extensions !== null) out['sec-websocket-extensions'] = extensions;
  for (const line of extra) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const name = line.slice(0, at).trim().toLowerCase();
    const value = line.slice(at + 1).trim();
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

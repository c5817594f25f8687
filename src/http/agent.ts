/**
 * `Agent` and `globalAgent`: node:http's connection pool, same members, same protocol between
 * the request and the pool (`addRequest` → `req.onSocket(socket)`; the request emits `'free'` on
 * the socket when it is done with it; the pool keeps or destroys it), so code that subclasses
 * or patches node's Agent (agentkeepalive, nock, proxy agents) works unchanged.
 *
 * Beyond node (see docs/client.md):
 * - the server's `Keep-Alive: timeout=N` hint is honoured with or without an agent `timeout`:
 *   an idle socket gets a deadline `keepAliveHintMargin` (1 s) before the server's, and a socket past its
 *   deadline is never handed out (it is destroyed at the next pick, no timer needed);
 * - `dnsCache` (opt-in): a TTL-honouring DNS cache used as the default `lookup`;
 * - `HttpsAgent` / `globalHttpsAgent`: TLS through node:tls, ALPN `http/1.1`.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { nodeError } from '../wire/shared/index.js';
import { describeReceived } from '../wire/shared/arg-errors.js';
import { DnsCache, type DnsCacheOptions } from '../io/dns-cache.js';
import { keepAliveHintMs, hasH1ClientDriver } from '../io/h1-client.js';
import { h2AddRequest, wantsH2, destroyH2Sessions, type H2Agent } from './client-h2.js';
import { debug, debugEnabled } from './debug.js';

/** node's default `maxFreeSockets`. */
export const DEFAULT_MAX_FREE_SOCKETS = 256;
/** node's default `keepAliveMsecs` (TCP keep-alive initial delay). */
export const DEFAULT_KEEP_ALIVE_MSECS = 1000;
/**
 * Default margin (ms) taken off a server's `Keep-Alive: timeout=` so the client drops an idle
 * socket before the server does (the hint is in whole seconds, and the server's clock started when
 * it sent the response, before the client read it). The Agent option `keepAliveHintMargin` changes it.
 */
export const KEEP_ALIVE_HINT_MARGIN_MS = 1000;

/** A socket as the pool sees it: any Duplex, usually a net.Socket. */
export type AgentSocket = Duplex & {
  setKeepAlive?(enable?: boolean, initialDelay?: number): unknown;
  setTimeout?(ms: number, cb?: () => void): unknown;
  ref?(): unknown;
  unref?(): unknown;
  timeout?: number;
  _httpMessage?: unknown;
  writable: boolean;
  destroyed: boolean;
};

export interface AgentOptions extends Record<string, unknown> {
  keepAlive?: boolean;
  keepAliveMsecs?: number;
  maxSockets?: number;
  maxTotalSockets?: number;
  maxFreeSockets?: number;
  scheduling?: 'fifo' | 'lifo';
  timeout?: number;
  /** trama: a DNS cache for this agent's connections (`true` for the defaults). */
  dnsCache?: boolean | DnsCacheOptions | DnsCache;
  /** trama: the largest request replayed by the stale-socket retry (default 1 MiB; 0: never retry). */
  maxReplayBytes?: number;
  /**
   * trama: ms taken off the server's `Keep-Alive: timeout=` hint for a pooled socket's idle
   * deadline (default `KEEP_ALIVE_HINT_MARGIN_MS`, 1000; a hint not above it: not pooled).
   */
  keepAliveHintMargin?: number;
  /** trama: offer HTTP/2 by ALPN (`h2`, then `http/1.1`) on `https:`; one session per origin (docs/h2-client.md). */
  allowHTTP2?: boolean;
  /** trama: HTTP/2 without negotiation on `http:` (RFC 9113 §3.3 prior knowledge). */
  http2PriorKnowledge?: boolean;
  /** trama: RFC 9113 §9.1.1 connection reuse across `https:` origins (needs `allowHTTP2`). */
  http2Coalescing?: boolean;
  /** trama: ms of server silence, streams open, before a keep-alive PING on an HTTP/2 session. */
  http2PingInterval?: number;
}

/** What a request hands to the pool: node's request options after merging. */
export type AgentRequestOptions = Record<string, unknown> & {
  host?: string | null;
  port?: number | string | null;
  localAddress?: string | null;
  family?: number;
  socketPath?: string;
  path?: string | null;
  servername?: string;
  _agentKey?: string;
  lookup?: unknown;
};

/** The request side of the pool protocol (ClientRequest implements it). */
export interface AgentRequest {
  onSocket(socket: AgentSocket, err?: Error | null): void;
  timeout?: number | undefined;
  reusedSocket: boolean;
  shouldKeepAlive?: boolean;
  getHeader?(name: string): unknown;
  host?: string;
}

// Where the pool keeps per-socket bookkeeping, out of the way of user properties.
const kIdleDeadline = Symbol('trama.idleDeadline');
const kKeepAliveSet = Symbol('trama.keepAliveSet');
type PooledSocket = AgentSocket & { [kIdleDeadline]?: number };

type Bucket<T> = Record<string, T[]>;

// NODE_DEBUG=http: node's agent lines, word for word. NODE_DEBUG is read once at start-up, so
// `DEBUG` is a constant and the hot path pays one branch, never a call or its arguments.
const DEBUG = debugEnabled;

function freeSocketErrorListener(this: AgentSocket, err: Error): void {
  if (DEBUG) debug('SOCKET ERROR on FREE socket:', err.message, err.stack);
  this.destroy();
  this.emit('agentRemove');
}

// trama's per-agent bookkeeping, in one property (an `Agent.call(this)` object has no #fields).
interface AgentState {
  // Queued requests' options, in arrays parallel to `requests[name]` (a symbol-keyed property
  // added to a large request object would push V8 into slow properties; a WeakMap costs more).
  // An entry is set to undefined once a socket is being opened for that request.
  queuedOptions: Record<string, (AgentRequestOptions | undefined)[]>;
  lastHost: string | null | undefined;
  lastPort: number | string | null | undefined;
  lastName: string;
  /** `allowHTTP2` / `http2PriorKnowledge` was set: requests may go over HTTP/2 (src/http/client-h2.ts). */
  h2: boolean;
}

/**
 * node:http's `Agent`: per-origin socket pools with `maxSockets`, `maxTotalSockets`,
 * `maxFreeSockets`, `keepAlive`, `scheduling` and `timeout`. The methods live on this class; the
 * exported `Agent` is a function over it (callable without `new` and on an existing object, as
 * node's is).
 *
 * @example
 * const agent = new Agent({ keepAlive: true, maxSockets: 10 });
 * get('http://127.0.0.1:8080/', { agent }, (res) => res.resume());
 */
export class AgentBase extends EventEmitter {
  declare defaultPort: number;
  declare protocol: string;
  declare options: AgentOptions & { path: null };
  declare requests: Bucket<AgentRequest>;
  declare sockets: Bucket<AgentSocket>;
  declare freeSockets: Bucket<AgentSocket>;
  declare keepAliveMsecs: number;
  declare keepAlive: boolean;
  declare maxSockets: number;
  declare maxFreeSockets: number;
  declare maxTotalSockets: number;
  declare totalSocketCount: number;
  declare scheduling: 'fifo' | 'lifo';
  /** trama: the agent's DNS cache, when `dnsCache` was given. */
  declare dnsCache: DnsCache | null;
  /** trama: ms taken off the server's `Keep-Alive: timeout=` hint (option `keepAliveHintMargin`). */
  declare keepAliveHintMargin: number;
  declare _trama: AgentState;

  constructor(options?: AgentOptions) {
    super();
    initAgent(this, options);
  }

  /** node's `createConnection`: `net.createConnection(options)`. Override to supply any Duplex. */
  createConnection(options: AgentRequestOptions, callback?: (err: Error | null, socket?: Duplex) => void): Duplex | undefined | void {
    void callback;
    return net.createConnection(options as net.NetConnectOpts);
  }

  /**
   * The pool key: `host:port:localAddress[:family][:socketPath]`, exactly node's format.
   *
   * @example
   * new Agent().getName({ host: 'a', port: 80 }); // 'a:80:'
   */
  getName(options: AgentRequestOptions = {}): string {
    let name = options.host || 'localhost';
    name += ':';
    if (options.port) name += options.port;
    name += ':';
    if (options.localAddress) name += options.localAddress;
    if (options.family === 4 || options.family === 6) name += `:${options.family}`;
    if (options.socketPath) name += `:${options.socketPath}`;
    return name;
  }

  /** Pool protocol: give `req` a socket now (free or new) or queue it. */
  addRequest(req: AgentRequest, options: AgentRequestOptions | string, port?: number, localAddress?: string): void {
    if (typeof options === 'string') options = { host: options, port, localAddress };
    if (this._trama.h2 && h2AddRequest(this as unknown as H2Agent, req as never, options)) return;
    // Fast path (the common case): the pool key comes from the request's options alone, so the
    // merged copy node makes for every request is only built when a socket must be created.
    let merged: AgentRequestOptions | null = null;
    let name: string;
    const own = this.options;
    if (
      this.getName === AgentBase.prototype.getName &&
      own.host === undefined &&
      own.port === undefined &&
      own.localAddress === undefined &&
      own.family === undefined &&
      own.socketPath === undefined
    ) {
      // The same origin as the previous request (the usual case): reuse the same key string,
      // whose hash V8 has already computed, instead of building and hashing a new one.
      if (this._trama.lastName !== '' && options.host === this._trama.lastHost && options.port === this._trama.lastPort && !options.localAddress && !options.family && !options.socketPath) {
        name = this._trama.lastName;
      } else {
        name = this.getName(options);
        if (!options.localAddress && !options.family && !options.socketPath) {
          this._trama.lastHost = options.host;
          this._trama.lastPort = options.port;
          this._trama.lastName = name;
        }
      }
    } else {
      merged = mergeOptions(this, options, req);
      name = this.getName(merged);
    }
    const inUse = (this.sockets[name] ??= []);
    const freeSockets = this.freeSockets[name];
    let socket: PooledSocket | undefined;
    if (freeSockets !== undefined) {
      socket = pickFree(this, freeSockets);
      if (freeSockets.length === 0) delete this.freeSockets[name];
    }
    const freeLen = freeSockets !== undefined ? freeSockets.length : 0;
    const sockLen = freeLen + inUse.length;
    if (socket !== undefined) {
      this.reuseSocket(socket, req);
      setRequestSocket(this, req, socket);
      inUse.push(socket);
    } else if (sockLen < this.maxSockets && this.totalSocketCount < this.maxTotalSockets) {
      if (DEBUG) debug('call onSocket', sockLen, freeLen);
      this.createSocket(req, merged ?? mergeOptions(this, options, req), (err, s) => {
        if (err) req.onSocket(s as AgentSocket, err);
        else setRequestSocket(this, req, s!);
      });
    } else {
      if (DEBUG) debug('wait for socket');
      // Kept as given on the fast path: createSocket merges them if a socket must be opened,
      // and most queued requests get a released socket instead.
      (this.requests[name] ??= []).push(req);
      (this._trama.queuedOptions[name] ??= []).push(merged ?? options);
    }
  }

  /** Open a new socket for `req` through `createConnection` and add it to the pool. */
  createSocket(req: AgentRequest, options: AgentRequestOptions, cb: (err: Error | null, socket?: AgentSocket) => void): void {
    options = { __proto__: null, ...options, ...this.options } as AgentRequestOptions;
    if (options.socketPath) options.path = options.socketPath;
    normalizeServerName(options, req);
    const name = this.getName(options);
    options._agentKey = name;
    if (DEBUG) debug('createConnection', name, options);
    options.encoding = null;
    if (this.dnsCache !== null && options.lookup === undefined) options.lookup = this.dnsCache.lookup;
    let called = false;
    const oncreate = (err: Error | null, s?: Duplex): void => {
      if (called) return;
      called = true;
      if (err) {
        cb(err);
        return;
      }
      const socket = s as AgentSocket;
      (this.sockets[name] ??= []).push(socket);
      this.totalSocketCount++;
      if (DEBUG) debug('sockets', name, this.sockets[name]!.length, this.totalSocketCount);
      installListeners(this, socket, options);
      cb(null, socket);
    };
    if (this.keepAlive) {
      options.keepAlive = this.keepAlive;
      options.keepAliveInitialDelay = this.keepAliveMsecs;
    }
    const newSocket = this.createConnection(options, oncreate);
    if (newSocket) oncreate(null, newSocket);
  }

  /** Drop `s` from the in-use and free lists; start a socket for a queued request if one waits. */
  removeSocket(s: AgentSocket, options: AgentRequestOptions): void {
    const name = options._agentKey ?? this.getName(options);
    if (DEBUG) debug('removeSocket', name, 'writable:', s.writable);
    removeFrom(this.sockets, name, s);
    // If the socket was destroyed, also remove it from the free list.
    if (s.destroyed) removeFrom(this.freeSockets, name, s);
    let req: AgentRequest | undefined;
    let reqName = name;
    const queue = this.requests[name];
    if (queue !== undefined && queue.length > 0) {
      if (DEBUG) debug('removeSocket, have a request, make a socket');
      req = queue[0];
    } else {
      // A slot opened under maxTotalSockets: serve the oldest queue of any origin.
      for (const key in this.requests) {
        const q = this.requests[key]!;
        const used = this.sockets[key];
        if (q.length > 0 && (used === undefined || used.length < this.maxSockets)) {
          if (DEBUG) debug('removeSocket, have a request with different origin, make a socket');
          req = q[0];
          reqName = key;
          break;
        }
      }
    }
    const optsList = this._trama.queuedOptions[reqName];
    const reqOptions = req !== undefined && optsList !== undefined ? optsList[0] : undefined;
    if (req !== undefined && reqOptions !== undefined) {
      const inUse = this.sockets[reqName];
      // No maxTotalSockets check here, as in node: the socket just moved to the free list still
      // counts, and the next one to come free while the total is exceeded is destroyed
      // ('free' handler), so an origin's idle sockets never starve another origin's queue.
      if (inUse === undefined || inUse.length < this.maxSockets) {
        // The request stays queued: the new socket's 'free' hands it over (node's way). Its
        // options are cleared so a second removal does not open a second socket for it.
        optsList![0] = undefined;
        this.sockets[reqName] ??= [];
        this.createSocket(req, reqOptions, (err, socket) => {
          if (err) req!.onSocket(socket as AgentSocket, err);
          else socket!.emit('free');
        });
      }
    }
  }

  /**
   * Called when a request is done with `socket` and it may be pooled. node's default, plus the
   * server's `Keep-Alive: timeout=` hint as an idle deadline (see the module comment).
   */
  keepSocketAlive(socket: AgentSocket): boolean {
    // setKeepAlive is two setsockopt calls: only when the setting changes, not on every request.
    const ka = socket as AgentSocket & { [kKeepAliveSet]?: number };
    if (ka[kKeepAliveSet] !== this.keepAliveMsecs) {
      socket.setKeepAlive?.(true, this.keepAliveMsecs);
      ka[kKeepAliveSet] = this.keepAliveMsecs;
    }
    socket.unref?.();
    let agentTimeout = (this.options.timeout as number | undefined) || 0;
    let canKeepSocketAlive = true;
    const res = (socket._httpMessage as { res?: { rawHeaders?: string[] } | null } | null | undefined)?.res;
    const pooled = socket as PooledSocket;
    pooled[kIdleDeadline] = undefined;
    if (res?.rawHeaders !== undefined) {
      const hint = keepAliveHintMs(res.rawHeaders);
      if (hint >= 0) {
        const serverHintTimeout = hint - this.keepAliveHintMargin;
        if (serverHintTimeout <= 0) canKeepSocketAlive = false;
        else {
          if (agentTimeout !== 0 && serverHintTimeout < agentTimeout) agentTimeout = serverHintTimeout;
          pooled[kIdleDeadline] = Date.now() + serverHintTimeout;
        }
      }
    }
    if (socket.timeout !== agentTimeout) socket.setTimeout?.(agentTimeout);
    return canKeepSocketAlive;
  }

  /** Called when a pooled `socket` is handed to `req`: node's default (`ref()`), `reusedSocket`. */
  reuseSocket(socket: AgentSocket, req: AgentRequest): void {
    if (DEBUG) debug('have free socket');
    socket.removeListener('error', freeSocketErrorListener);
    req.reusedSocket = true;
    socket.ref?.();
  }

  /** Destroy every socket of the pool, in use or free (and every HTTP/2 session). */
  destroy(): void {
    destroyH2Sessions(this);
    for (const set of [this.freeSockets, this.sockets]) {
      for (const key of Object.keys(set)) {
        for (const s of set[key]!.slice()) s.destroy();
      }
    }
  }
}

/** `Agent` as a value: constructible, callable without `new` or on an existing object, subclassable. */
export interface AgentConstructor {
  new (options?: AgentOptions): Agent;
  (options?: AgentOptions): Agent;
  readonly prototype: Agent;
  /** node's static default (`Infinity`). */
  defaultMaxSockets: number;
}

/** The node:http Agent. */
export type Agent = AgentBase;

// node's Agent is a plain function: `http.Agent(opts)` without `new` returns a new agent,
// `Agent.call(this, opts)` (util.inherits subclasses) initialises `this`.
function Agent(this: AgentBase | undefined, options?: AgentOptions): AgentBase | void {
  if (new.target === Agent || !(this instanceof AgentBase)) return new AgentBase(options);
  EventEmitter.call(this);
  initAgent(this, options);
}
Agent.prototype = AgentBase.prototype;
Object.defineProperty(AgentBase.prototype, 'constructor', { value: Agent, writable: true, configurable: true, enumerable: false });
Object.setPrototypeOf(Agent, EventEmitter);
(Agent as unknown as AgentConstructor).defaultMaxSockets = Infinity;

const AgentExport = Agent as unknown as AgentConstructor;
export { AgentExport as Agent };

/** node's Agent constructor body (shared by `new Agent`, `Agent(opts)` and `Agent.call(this, opts)`). */
function initAgent(self: AgentBase, options: AgentOptions | undefined): void {
  // node's own fields first, in node's order (code that copies or prints an agent sees node's).
  self.defaultPort = 80;
  self.protocol = 'http:';
  const o = { __proto__: null, ...options } as unknown as AgentOptions & { path: null };
  // node's key order: the user's options, then noDelay, then path.
  if (o.noDelay === undefined) o.noDelay = true;
  o.path = null;
  self.options = o;
  self.requests = Object.create(null);
  self.sockets = Object.create(null);
  self.freeSockets = Object.create(null);
  self.keepAliveMsecs = (options?.keepAliveMsecs as number | undefined) || DEFAULT_KEEP_ALIVE_MSECS;
  self.keepAlive = Boolean(options?.keepAlive);
  self.maxSockets = (options?.maxSockets as number | undefined) || Infinity;
  self.maxFreeSockets = (options?.maxFreeSockets as number | undefined) || DEFAULT_MAX_FREE_SOCKETS;
  self.scheduling = options?.scheduling ?? 'lifo';
  const maxTotal = options?.maxTotalSockets;
  if (maxTotal !== undefined) {
    if (typeof maxTotal !== 'number') {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "maxTotalSockets" argument must be of type number. Received ${describe(maxTotal)}`);
    }
    // NaN is a number out of range for node (RangeError), not a type error.
    if (!(maxTotal >= 1)) {
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "maxTotalSockets" is out of range. It must be >= 1. Received ${maxTotal}`);
    }
    self.maxTotalSockets = maxTotal;
  } else {
    self.maxTotalSockets = Infinity;
  }
  self.totalSocketCount = 0;
  self.dnsCache = null;
  Object.defineProperty(self, '_trama', {
    value: { queuedOptions: Object.create(null), lastHost: undefined, lastPort: undefined, lastName: '', h2: wantsH2(options) } satisfies AgentState,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  if (self.scheduling !== 'fifo' && self.scheduling !== 'lifo') {
    throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'scheduling' must be one of: 'fifo', 'lifo'. Received '${String(self.scheduling)}'`);
  }
  const margin = options?.keepAliveHintMargin;
  if (margin !== undefined) {
    if (typeof margin !== 'number' || Number.isNaN(margin)) {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "keepAliveHintMargin" argument must be of type number. Received ${describe(margin)}`);
    }
    if (margin < 0 || !Number.isFinite(margin)) {
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "keepAliveHintMargin" is out of range. It must be >= 0 && < Infinity. Received ${margin}`);
    }
    self.keepAliveHintMargin = margin;
    delete (self.options as Record<string, unknown>).keepAliveHintMargin;
  } else {
    self.keepAliveHintMargin = KEEP_ALIVE_HINT_MARGIN_MS;
  }
  const dc = options?.dnsCache;
  if (dc) {
    self.dnsCache = dc instanceof DnsCache ? dc : new DnsCache(dc === true ? {} : dc);
    delete (self.options as Record<string, unknown>).dnsCache;
  }
  self.on('free', (socket: AgentSocket, opts: AgentRequestOptions) => onFree(self, socket as PooledSocket, opts));
}

function onFree(self: AgentBase, socket: PooledSocket, options: AgentRequestOptions): void {
  // createSocket recorded the key: no need to rebuild it for every request.
  const name = options._agentKey ?? self.getName(options);
  if (DEBUG) debug('agent.on(free)', name);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const requests = self.requests[name];
  if (requests !== undefined && requests.length > 0) {
    const req = requests.shift()!;
    const opts = self._trama.queuedOptions[name];
    opts?.shift();
    if (requests.length === 0) {
      delete self.requests[name];
      delete self._trama.queuedOptions[name];
    }
    setRequestSocket(self, req, socket);
    return;
  }
  const req = socket._httpMessage as AgentRequest | null | undefined;
  if (!req || !req.shouldKeepAlive || !self.keepAlive) {
    socket.destroy();
    return;
  }
  const freeSockets = self.freeSockets[name] ?? [];
  const freeLen = freeSockets.length;
  let count = freeLen;
  const inUse = self.sockets[name];
  if (inUse !== undefined) count += inUse.length;
  if (self.totalSocketCount > self.maxTotalSockets || count > self.maxSockets || freeLen >= self.maxFreeSockets || !self.keepSocketAlive(socket)) {
    socket.destroy();
    return;
  }
  self.freeSockets[name] = freeSockets;
  socket._httpMessage = null;
  self.removeSocket(socket, options);
  // A socket driven by trama's client already destroys itself on an error while idle.
  if (!hasH1ClientDriver(socket)) socket.once('error', freeSocketErrorListener);
  freeSockets.push(socket);
}

// node's per-request options: the request's, overridden by the agent's.
function mergeOptions(self: AgentBase, options: AgentRequestOptions, req: AgentRequest): AgentRequestOptions {
  const merged = { __proto__: null, ...options, ...self.options } as AgentRequestOptions;
  if (merged.socketPath) merged.path = merged.socketPath;
  normalizeServerName(merged, req);
  return merged;
}

// A free socket that is open and not past the server's keep-alive deadline, by `scheduling`.
function pickFree(self: AgentBase, list: AgentSocket[]): PooledSocket | undefined {
  let now = 0;
  while (list.length > 0) {
    const s = (self.scheduling === 'fifo' ? list.shift() : list.pop()) as PooledSocket;
    if (s.destroyed) continue;
    if (!s.writable || s.readableEnded) {
      // The server already closed its side: never hand it out.
      s.destroy();
      continue;
    }
    const deadline = s[kIdleDeadline];
    if (deadline !== undefined) {
      if (now === 0) now = Date.now();
      if (now >= deadline) {
        // The server is about to close it (or has): reusing it would race the FIN.
        s.destroy();
        continue;
      }
    }
    return s;
  }
  return undefined;
}

function setRequestSocket(self: AgentBase, req: AgentRequest, socket: AgentSocket): void {
  req.onSocket(socket);
  const agentTimeout = (self.options.timeout as number | undefined) || 0;
  if (req.timeout === undefined || req.timeout === agentTimeout) return;
  socket.setTimeout?.(req.timeout);
}

function removeFrom(set: Bucket<AgentSocket>, name: string, s: AgentSocket): void {
  const list = set[name];
  if (list === undefined) return;
  const index = list.indexOf(s);
  if (index !== -1) {
    list.splice(index, 1);
    if (list.length === 0) delete set[name];
  }
}

function installListeners(agent: AgentBase, s: AgentSocket, options: AgentRequestOptions): void {
  function onFree(): void {
    if (DEBUG) debug('CLIENT socket onFree');
    agent.emit('free', s, options);
  }
  s.on('free', onFree);
  function onClose(): void {
    if (DEBUG) debug('CLIENT socket onClose');
    agent.totalSocketCount--;
    agent.removeSocket(s, options);
  }
  s.on('close', onClose);
  function onTimeout(): void {
    if (DEBUG) debug('CLIENT socket onTimeout');
    // An idle pooled socket that times out is destroyed; one in use tells its request.
    const sockets = agent.freeSockets;
    for (const name of Object.keys(sockets)) {
      if (sockets[name]!.includes(s)) {
        s.destroy();
        return;
      }
    }
  }
  s.on('timeout', onTimeout);
  function onRemove(): void {
    if (DEBUG) debug('CLIENT socket onRemove');
    agent.totalSocketCount--;
    agent.removeSocket(s, options);
    s.removeListener('close', onClose);
    s.removeListener('free', onFree);
    s.removeListener('timeout', onTimeout);
    s.removeListener('agentRemove', onRemove);
  }
  s.on('agentRemove', onRemove);
}

function normalizeServerName(options: AgentRequestOptions, req: AgentRequest): void {
  if (!options.servername && options.servername !== '') options.servername = calculateServerName(options, req);
}

function calculateServerName(options: AgentRequestOptions, req: AgentRequest): string {
  let servername = (options.host as string | undefined) ?? '';
  const hostHeader = req.getHeader?.('host');
  // node validates a user Host field here, when the socket is made: an array is a TypeError
  // thrown from request() itself.
  if (hostHeader && typeof hostHeader !== 'string') {
    throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options.headers.host" property must be of type string.${describeReceived(hostHeader)}`);
  }
  if (typeof hostHeader === 'string' && hostHeader !== '') {
    // Strip the port (and IPv6 brackets) from the Host field.
    if (hostHeader.startsWith('[')) {
      const index = hostHeader.indexOf(']');
      servername = index === -1 ? hostHeader : hostHeader.slice(1, index);
    } else {
      servername = hostHeader.split(':', 1)[0]!;
    }
  }
  // SNI carries names, never IP literals (RFC 6066 §3).
  if (net.isIP(servername)) servername = '';
  return servername;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `type string ('${v}')`;
  if (typeof v === 'object') return 'an instance of ' + ((v as object).constructor?.name ?? 'Object');
  return `type ${typeof v} (${String(v)})`;
}

/** TLS options that make two connections non-interchangeable (node's https.Agent name parts). */
const TLS_NAME_KEYS = [
  'ca',
  'cert',
  'clientCertEngine',
  'ciphers',
  'key',
  'pfx',
  'rejectUnauthorized',
  'servername',
  'minVersion',
  'maxVersion',
  'secureProtocol',
  'crl',
  'honorCipherOrder',
  'ecdhCurve',
  'dhparam',
  'secureOptions',
  'sessionIdContext',
  'sigalgs',
  'privateKeyIdentifier',
  'privateKeyEngine',
] as const;

/**
 * The pool for `https:` URLs: TLS through node:tls with ALPN offering `http/1.1`, `defaultPort`
 * 443, and a pool key that includes the TLS options (like node's `https.Agent`).
 *
 * @example
 * const agent = new HttpsAgent({ keepAlive: true, ca: myCa });
 * get('https://localhost:8443/', { agent }, (res) => res.resume());
 */
export class HttpsAgent extends AgentBase {
  constructor(options?: AgentOptions & tls.ConnectionOptions) {
    super(options);
    this.defaultPort = 443;
    this.protocol = 'https:';
  }

  override createConnection(options: AgentRequestOptions): Duplex {
    const o = { ...options } as tls.ConnectionOptions & AgentRequestOptions;
    // RFC 7301: offer HTTP/1.1 (the h2 client comes through the same agent later).
    if (o.ALPNProtocols === undefined) o.ALPNProtocols = ['http/1.1'];
    if (o.servername === '') delete o.servername;
    return tls.connect(o as tls.ConnectionOptions);
  }

  override getName(options: AgentRequestOptions = {}): string {
    let name = super.getName(options);
    // One ':' before each TLS option, as node's key (its parts are compared by programs that
    // inspect agent.sockets).
    for (const key of TLS_NAME_KEYS) {
      name += ':';
      const v = options[key];
      // node's tests per option: rejectUnauthorized, honorCipherOrder and secureOptions count when defined (false
      // and 0 too), servername only when it differs from the host, the others when truthy;
      // sigalgs is written as JSON (a string gets its quotes).
      if (key === 'rejectUnauthorized' || key === 'secureOptions' || key === 'honorCipherOrder') {
        if (v !== undefined) name += String(v);
      } else if (key === 'servername') {
        if (v && v !== options.host) name += String(v);
      } else if (v) {
        name += key === 'sigalgs' ? JSON.stringify(v) : String(v);
      }
    }
    return name;
  }
}

/**
 * The default pool for `http:`: node 20's globalAgent, `keepAlive: true`, `timeout: 5000`.
 */
export let globalAgent: Agent = new AgentBase({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });

/**
 * What node's `http.globalAgent = agent` setter does: `request()` without an `agent` option uses
 * the new pool from then on (the binding above is live for every importer).
 */
export function setGlobalAgent(agent: Agent): void {
  globalAgent = agent;
}

/** The default pool for `https:` (trama's extension of `request`). */
export let globalHttpsAgent: HttpsAgent = new HttpsAgent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });

/**
 * What node's `https.globalAgent = agent` does: `https.request()` without an `agent` option uses
 * the new pool from then on (node reads `module.exports.globalAgent` per request).
 */
export function setGlobalHttpsAgent(agent: HttpsAgent): void {
  globalHttpsAgent = agent;
}

/** `https.Agent` as a value: constructible, callable without `new` (as node's), subclassable. */
export interface HttpsAgentConstructor {
  new (options?: AgentOptions & tls.ConnectionOptions): HttpsAgent;
  (options?: AgentOptions & tls.ConnectionOptions): HttpsAgent;
  readonly prototype: HttpsAgent;
}

// node's https.Agent is a plain function too: `https.Agent()` returns a new agent and
// `https.Agent.call(this, opts)` initialises a util.inherits subclass.
function HttpsAgentFn(this: AgentBase | undefined, options?: AgentOptions & tls.ConnectionOptions): HttpsAgent | void {
  if (new.target === HttpsAgentFn || !(this instanceof AgentBase)) return new HttpsAgent(options);
  EventEmitter.call(this);
  initAgent(this, options);
  this.defaultPort = 443;
  this.protocol = 'https:';
}
HttpsAgentFn.prototype = HttpsAgent.prototype;
Object.defineProperty(HttpsAgentFn, 'name', { value: 'Agent' });
Object.setPrototypeOf(HttpsAgentFn, AgentExport);

/** The node:https Agent (the class is HttpsAgent; this is its callable face). */
export const HttpsAgentExport = HttpsAgentFn as unknown as HttpsAgentConstructor;

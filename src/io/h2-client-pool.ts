/**
 * One HTTP/2 session per origin: the pool behind an Agent with HTTP/2 enabled
 * (src/http/client-h2.ts). An origin is the Agent's pool key (scheme, host, port and TLS options,
 * as node's `https.Agent#getName` builds it).
 *
 * - `pick(key)` is synchronous: an open session with no GOAWAY is shared by every request of its
 *   origin (streams beyond the server's MAX_CONCURRENT_STREAMS queue inside the session).
 * - `connect(key, …)` opens at most one connection per origin at a time; everyone asking
 *   meanwhile waits for it. Over TLS the ALPN answer decides: `h2` makes a session, anything
 *   else marks the origin HTTP/1.1 for `H1_ORIGIN_MEMORY_MS` and hands the socket back.
 * - A session that received a GOAWAY or closed is never picked again; its streams finish.
 * - Coalescing (RFC 9113 §9.1.1, off by default): an `https:` origin whose host resolves to the
 *   address of an open session, on the same port with the same TLS options, and whose name the
 *   session's certificate covers, reuses that session.
 */
import * as tls from 'node:tls';
import * as dns from 'node:dns';
import type { Duplex } from 'node:stream';
import { H2ClientSession, type H2ClientSessionOptions } from './h2-client.js';

/**
 * How long an origin that answered ALPN with `http/1.1` is remembered: requests go straight to
 * HTTP/1.1 instead of paying a TLS handshake to learn it again. Servers rarely change protocol
 * within minutes; a restart that adds h2 is picked up after this.
 */
export const H1_ORIGIN_MEMORY_MS = 5 * 60 * 1000;

/**
 * What a connection attempt ended as: a session, or `h1` when ALPN chose HTTP/1.1 (the socket is
 * closed; the callers go the HTTP/1.1 way — one extra handshake, once per `H1_ORIGIN_MEMORY_MS`).
 */
export type H2ConnectOutcome = { session: H2ClientSession } | { h1: true };

interface Meta {
  keys: Set<string>;
  /** Port and TLS options: what must match for coalescing (the host may differ). */
  signature: string;
}

/** Options of {@link H2SessionPool}. */
export interface H2SessionPoolOptions {
  /** Options of every session (idle timeout, keep-alive PING, engine settings). */
  session?: H2ClientSessionOptions;
  /** RFC 9113 §9.1.1 connection reuse across origins. Default false. */
  coalesce?: boolean;
  /** Resolver for coalescing (default `dns.lookup` with `all: true`). */
  lookup?: (host: string, cb: (err: Error | null, addresses: string[]) => void) => void;
}

/** Per-origin HTTP/2 sessions. See the module header. */
export class H2SessionPool {
  #sessions = new Map<string, H2ClientSession>();
  #meta = new Map<H2ClientSession, Meta>();
  #connecting = new Map<string, Array<(err: Error | null, outcome?: H2ConnectOutcome) => void>>();
  #h1 = new Map<string, number>();
  readonly options: H2SessionPoolOptions;

  constructor(options: H2SessionPoolOptions = {}) {
    this.options = options;
  }

  /**
   * The open session of `key` that takes new requests, if any.
   *
   * @example
   * const session = pool.pick(key) ?? (await connect());
   */
  pick(key: string): H2ClientSession | undefined {
    const s = this.#sessions.get(key);
    if (s === undefined) return undefined;
    if (s.available) return s;
    this.#sessions.delete(key);
    return undefined;
  }

  /** ALPN said `http/1.1` for this origin lately. */
  isH1(key: string): boolean {
    const until = this.#h1.get(key);
    if (until === undefined) return false;
    if (Date.now() < until) return true;
    this.#h1.delete(key);
    return false;
  }

  /** A connection is being opened for `key`. */
  connecting(key: string): boolean {
    return this.#connecting.has(key);
  }

  /** Every session (open or draining), for `destroy()` and tests. */
  get sessions(): H2ClientSession[] {
    return [...this.#meta.keys()];
  }

  /**
   * Opens (once per origin at a time) a connection with `open()`; every waiter's `cb` gets the
   * session, or `{ h1: true }` when ALPN chose HTTP/1.1.
   *
   * @example
   * pool.connect(key, () => tls.connect({ host, port, ALPNProtocols: ['h2', 'http/1.1'] }), true, sig, host, cb);
   */
  connect(key: string, open: () => Duplex, tlsAlpn: boolean, signature: string, host: string, cb: (err: Error | null, outcome?: H2ConnectOutcome) => void): void {
    const waiting = this.#connecting.get(key);
    if (waiting !== undefined) {
      waiting.push(cb);
      return;
    }
    this.#connecting.set(key, [cb]);
    const done = (err: Error | null, outcome?: H2ConnectOutcome): void => {
      const list = this.#connecting.get(key) ?? [];
      this.#connecting.delete(key);
      for (const f of list) f(err, outcome);
    };
    if (this.options.coalesce === true && tlsAlpn && !isIpLiteral(host)) {
      this.#coalesce(host, signature, (found) => {
        if (found !== undefined) {
          this.#adopt(found, key);
          done(null, { session: found });
        } else this.#open(key, open, tlsAlpn, signature, done);
      });
      return;
    }
    this.#open(key, open, tlsAlpn, signature, done);
  }

  #open(key: string, open: () => Duplex, tlsAlpn: boolean, signature: string, done: (err: Error | null, outcome?: H2ConnectOutcome) => void): void {
    let socket: Duplex;
    try {
      socket = open();
    } catch (err) {
      done(err as Error);
      return;
    }
    const onError = (err: Error): void => {
      cleanup();
      done(err);
    };
    const onClose = (): void => {
      cleanup();
      const err = new Error('socket hang up') as Error & { code: string };
      err.code = 'ECONNRESET';
      done(err);
    };
    const onReady = (): void => {
      cleanup();
      if (tlsAlpn && (socket as tls.TLSSocket).alpnProtocol !== 'h2') {
        // RFC 7301: the server picked HTTP/1.1 (or nothing): remember it, hand the socket back.
        this.#h1.set(key, Date.now() + H1_ORIGIN_MEMORY_MS);
        socket.destroy();
        done(null, { h1: true });
        return;
      }
      const session = new H2ClientSession(socket, this.options.session ?? {});
      this.#register(session, key, signature);
      done(null, { session });
    };
    const cleanup = (): void => {
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.removeListener(tlsAlpn ? 'secureConnect' : 'connect', onReady);
    };
    const connecting = (socket as { connecting?: boolean }).connecting === true || (tlsAlpn && (socket as tls.TLSSocket).alpnProtocol === undefined && !(socket as { encrypted?: boolean; authorized?: boolean }).authorized);
    if (!connecting && (!tlsAlpn || (socket as tls.TLSSocket).alpnProtocol !== undefined)) {
      process.nextTick(onReady);
      return;
    }
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.once(tlsAlpn ? 'secureConnect' : 'connect', onReady);
  }

  /** Adds a session made elsewhere (a user's Duplex) under `key`. */
  #register(session: H2ClientSession, key: string, signature: string): void {
    this.#meta.set(session, { keys: new Set([key]), signature });
    this.#sessions.set(key, session);
    const forget = (): void => {
      const meta = this.#meta.get(session);
      if (meta === undefined) return;
      for (const k of meta.keys) if (this.#sessions.get(k) === session) this.#sessions.delete(k);
      if (session.destroyed) this.#meta.delete(session);
    };
    session.on('goaway', forget);
    session.on('close', () => {
      forget();
      this.#meta.delete(session);
    });
    // A session error is reported to its streams; the pool only forgets it.
    session.on('error', () => {});
  }

  #adopt(session: H2ClientSession, key: string): void {
    this.#meta.get(session)?.keys.add(key);
    this.#sessions.set(key, session);
  }

  /** RFC 9113 §9.1.1: an open session whose address and certificate cover `host`. */
  #coalesce(host: string, signature: string, cb: (s: H2ClientSession | undefined) => void): void {
    const candidates: H2ClientSession[] = [];
    for (const [s, meta] of this.#meta) if (s.available && meta.signature === signature) candidates.push(s);
    if (candidates.length === 0) {
      cb(undefined);
      return;
    }
    const lookup = this.options.lookup ?? defaultLookup;
    lookup(host, (err, addresses) => {
      if (err !== null) {
        cb(undefined);
        return;
      }
      for (const s of candidates) {
        if (!s.available) continue;
        const sock = s.socket as unknown as tls.TLSSocket;
        if (typeof sock.getPeerCertificate !== 'function' || !addresses.includes(sock.remoteAddress ?? '')) continue;
        const cert = sock.getPeerCertificate();
        if (cert === null || Object.keys(cert).length === 0) continue;
        // The session's certificate must be valid for the new host (RFC 9113 §9.1.1, RFC 6125).
        if (tls.checkServerIdentity(host, cert) === undefined) {
          cb(s);
          return;
        }
      }
      cb(undefined);
    });
  }

  /** Closes every session (Agent#destroy). */
  destroy(): void {
    for (const s of [...this.#meta.keys()]) s.destroy();
  }
}

function defaultLookup(host: string, cb: (err: Error | null, addresses: string[]) => void): void {
  dns.lookup(host, { all: true }, (err, list) => cb(err, err ? [] : list.map((a) => a.address)));
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

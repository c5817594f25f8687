/**
 * node:http2's `Http2Session` over trama's drivers: the shared surface (settings, ping, goaway,
 * close, destroy, state, altsvc/origin) and `ServerHttp2Session`, a thin object in front of one
 * `H2ServerSession` (src/io/h2-server.ts). Node's session events are built from the engine's
 * events, which the driver hands to {@link Http2SessionBase.onEngineEvent} before acting on them.
 *
 * Decisions (docs/http2.md):
 * - `session.socket` is the real socket, not node's proxy that throws on reads and writes.
 * - `goaway(code, lastStreamID)`: the engine names the last stream it processed itself (RFC 9113
 *   §6.8 wants the highest processed id); a given `lastStreamID` is not used.
 * - 'frameError' is never emitted: the engine refuses a frame it cannot send when the
 *   application asks for it (the call throws), not later.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { H2Connection } from '../wire/h2/connection.js';
import type { H2Event } from '../wire/h2/events.js';
import { invalidArgType, nodeError } from '../wire/shared/index.js';
import { http2Error } from './errors.js';
import { fromEngineSettings, toEngineSettings, validateSettings, type Settings } from './settings.js';
import { constants } from './constants.js';

export type PingCallback = (err: Error | null, duration: number, payload: Buffer) => void;
type SettingsCallback = (err: Error | null, settings: Settings, duration: number) => void;

/** RFC 7838 §4 / RFC 8336 §2: ALTSVC and ORIGIN frame types, not modelled by the engine. */
const FRAME_ALTSVC = 0x0a;
const FRAME_ORIGIN = 0x0c;
/** node's limit on an ALTSVC/ORIGIN payload: the default max frame size minus the two length bytes. */
const MAX_EXTENSION_PAYLOAD = 16382;
const MAX_WINDOW = 2 ** 31 - 1;

/** What a session wrapper needs of its driver (server or client). */
export interface SessionDriver {
  readonly socket: Socket;
  readonly conn: H2Connection;
  readonly destroyed: boolean;
  /** Output is waiting: flush it soon. */
  schedule(): void;
  /** Flush now. */
  flush(): void;
  /** Graceful close (GOAWAY, streams finish). */
  close(): void;
}

/** node:http2's Http2Session: what server and client sessions share. */
export class Http2SessionBase extends EventEmitter {
  readonly #driver: SessionDriver;
  readonly type: number;
  #pings = new Map<string, { cb: PingCallback; at: number }>();
  #settingsCbs: Array<{ cb: SettingsCallback | undefined; at: number }> = [];
  #closed = false;
  #destroyed = false;
  #lastProcStreamID = 0;
  #originSet: string[] | undefined;

  constructor(driver: SessionDriver, type: number) {
    super();
    this.#driver = driver;
    this.type = type;
    // The preface's SETTINGS is acknowledged first ('localSettings' without a callback).
    for (let i = 0; i < driver.conn.settingsAwaitingAck; i++) this.#settingsCbs.push({ cb: undefined, at: performance.now() });
  }

  /** The driver behind this session (trama). */
  get driver(): SessionDriver {
    return this.#driver;
  }
  get socket(): Socket {
    return this.#driver.socket;
  }
  get encrypted(): boolean {
    return (this.socket as { encrypted?: boolean }).encrypted === true;
  }
  get alpnProtocol(): string | undefined {
    const s = this.socket as { alpnProtocol?: string | false };
    return this.encrypted ? s.alpnProtocol || undefined : 'h2c';
  }
  get originSet(): string[] | undefined {
    return this.#originSet;
  }
  get connecting(): boolean {
    return false;
  }
  get closed(): boolean {
    return this.#closed;
  }
  get destroyed(): boolean {
    return this.#destroyed;
  }
  get pendingSettingsAck(): boolean {
    return !this.#destroyed && this.#driver.conn.settingsAwaitingAck > 0;
  }
  get localSettings(): Settings {
    return fromEngineSettings(this.#driver.conn.localSettings);
  }
  get remoteSettings(): Settings {
    return fromEngineSettings(this.#driver.conn.remoteSettings);
  }
  /** node's session state (the fields nghttp2 reports; the ones trama has no counterpart for are 0). */
  get state(): Record<string, number> {
    if (this.#destroyed) return {};
    const conn = this.#driver.conn;
    return {
      effectiveLocalWindowSize: conn.connectionReceiveWindow,
      effectiveRecvDataLength: 0,
      nextStreamID: conn.nextStreamId(),
      localWindowSize: conn.connectionReceiveWindow,
      lastProcStreamID: this.#lastProcStreamID,
      remoteWindowSize: conn.connectionSendWindow,
      outboundQueueSize: 1,
      deflateDynamicTableSize: 0,
      inflateDynamicTableSize: 0,
    };
  }

  #assertAlive(): void {
    if (this.#destroyed) throw http2Error('ERR_HTTP2_INVALID_SESSION');
  }

  /**
   * Sends a PING; `cb(err, durationMs, payload)` when it is acknowledged. false when the session
   * cannot send one.
   *
   * @example
   * session.ping((err, ms) => console.log(`rtt ${ms} ms`));
   */
  ping(payload?: Uint8Array | PingCallback, cb?: PingCallback): boolean {
    this.#assertAlive();
    const args = pingArgs(payload, cb);
    cb = args.cb;
    if (this.#closed) return false;
    const sent = this.#driver.conn.ping(args.payload);
    this.#pings.set(sent.toString('hex'), { cb, at: performance.now() });
    this.#driver.schedule();
    return true;
  }

  /**
   * Sends new SETTINGS; 'localSettings' and `cb` follow the peer's acknowledgement.
   *
   * @example
   * session.settings({ initialWindowSize: 1 << 20 });
   */
  settings(settings: Settings, cb?: SettingsCallback): void {
    this.#assertAlive();
    const s = validateSettings(settings);
    if (cb !== undefined && typeof cb !== 'function') throw invalidArgType('callback', ['function'], cb);
    this.#driver.conn.updateSettings(toEngineSettings(s));
    this.#settingsCbs.push({ cb, at: performance.now() });
    this.#driver.schedule();
  }

  /**
   * Sends GOAWAY with `code` (RFC 9113 §6.8); `opaqueData` is its debug data.
   *
   * @example
   * session.goaway(constants.NGHTTP2_NO_ERROR);
   */
  goaway(code: number = constants.NGHTTP2_NO_ERROR, _lastStreamID?: number, opaqueData?: Uint8Array): void {
    this.#assertAlive();
    if (typeof code !== 'number') throw invalidArgType('code', ['number'], code);
    if (opaqueData !== undefined && !ArrayBuffer.isView(opaqueData)) throw invalidArgType('opaqueData', ['Buffer', 'TypedArray', 'DataView'], opaqueData);
    const conn = this.#driver.conn;
    if (conn.isTerminated) return;
    conn.goaway(code, opaqueData ? Buffer.from(opaqueData.buffer, opaqueData.byteOffset, opaqueData.byteLength).toString('latin1') : '');
    this.#driver.schedule();
  }

  /**
   * Graceful close: no new streams, the open ones finish, then 'close' (`cb` listens for it).
   *
   * @example
   * session.close(() => console.log('closed'));
   */
  close(cb?: () => void): void {
    if (this.#closed || this.#destroyed) {
      if (cb) this.once('close', cb);
      return;
    }
    this.#closed = true;
    if (typeof cb === 'function') this.once('close', cb);
    this.#driver.close();
  }

  /**
   * Ends the session now: GOAWAY with `code` (default NO_ERROR, INTERNAL_ERROR with an error),
   * the socket destroyed, 'error' (if `err`) then 'close'.
   *
   * @example
   * session.destroy();
   */
  destroy(err?: Error | number, code?: number): void {
    if (this.#destroyed) return;
    if (typeof err === 'number') {
      code = err;
      err = undefined;
    }
    const conn = this.#driver.conn;
    const c = code ?? (err ? constants.NGHTTP2_INTERNAL_ERROR : constants.NGHTTP2_NO_ERROR);
    if (!conn.isTerminated && c !== constants.NGHTTP2_NO_ERROR) {
      conn.goaway(c);
      this.#driver.flush();
    }
    this.#closed = true;
    if (err) this.#pendingError = err;
    this.socket.destroy();
  }

  #pendingError: Error | undefined;

  /** Raise or lower the connection's receive window to `size` (RFC 9113 §6.9). */
  setLocalWindowSize(size: number): void {
    this.#assertAlive();
    if (typeof size !== 'number') throw invalidArgType('windowSize', ['number'], size);
    if (!Number.isInteger(size) || size < 0 || size > MAX_WINDOW) {
      throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "windowSize" is out of range. It must be >= 0 && <= ${MAX_WINDOW}. Received ${size}`);
    }
    const conn = this.#driver.conn;
    const more = size - conn.connectionReceiveWindow;
    // The engine only grows a window (a WINDOW_UPDATE cannot take credit back, RFC 9113 §6.9).
    if (more > 0) {
      conn.openWindow(0, more);
      this.#driver.schedule();
    }
  }

  /** The socket's inactivity timeout; 'timeout' on the session when it fires. */
  setTimeout(msecs: number, cb?: () => void): this {
    if (cb !== undefined) this.once('timeout', cb);
    this.socket.setTimeout(msecs);
    return this;
  }

  ref(): void {
    this.socket.ref?.();
  }
  unref(): void {
    this.socket.unref?.();
  }

  /**
   * RFC 7838 ALTSVC: advertises `alt` for `originOrStream` (an origin, or a stream id).
   *
   * @example
   * session.altsvc('h2=":8000"', 'https://example.org');
   */
  altsvc(alt: string, originOrStream: string | URL | number | { origin: string }): void {
    this.#assertAlive();
    if (typeof alt !== 'string') throw invalidArgType('alt', ['string'], alt);
    let stream = 0;
    let origin = '';
    if (typeof originOrStream === 'number') {
      if (!Number.isInteger(originOrStream) || originOrStream <= 0 || originOrStream > MAX_WINDOW) {
        throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "originOrStream" is out of range. It must be > 0 && < 4294967296. Received ${originOrStream}`);
      }
      stream = originOrStream;
    } else {
      origin = originOf(originOrStream, 'ERR_HTTP2_ALTSVC_INVALID_ORIGIN');
    }
    if (/[^\x21-\x7e ]/.test(alt)) throw nodeError(TypeError, 'ERR_INVALID_CHAR', 'Invalid character in alt');
    const payload = Buffer.alloc(2 + origin.length + alt.length);
    payload.writeUInt16BE(origin.length, 0);
    payload.write(origin, 2, 'latin1');
    payload.write(alt, 2 + origin.length, 'latin1');
    if (payload.length - 2 > MAX_EXTENSION_PAYLOAD) throw http2Error('ERR_HTTP2_ALTSVC_LENGTH');
    this.#writeExtensionFrame(FRAME_ALTSVC, stream, payload);
  }

  /**
   * RFC 8336 ORIGIN: the origins this connection is authoritative for.
   *
   * @example
   * session.origin('https://example.com', 'https://example.org');
   */
  origin(...origins: Array<string | URL | { origin: string }>): void {
    this.#assertAlive();
    const parts: Buffer[] = [];
    let len = 0;
    for (const o of origins) {
      const origin = originOf(o, 'ERR_HTTP2_INVALID_ORIGIN');
      const b = Buffer.alloc(2 + origin.length);
      b.writeUInt16BE(origin.length, 0);
      b.write(origin, 2, 'latin1');
      parts.push(b);
      len += b.length;
    }
    if (len > MAX_EXTENSION_PAYLOAD) throw http2Error('ERR_HTTP2_ORIGIN_LENGTH');
    this.#writeExtensionFrame(FRAME_ORIGIN, 0, Buffer.concat(parts, len));
  }

  #writeExtensionFrame(type: number, stream: number, payload: Buffer): void {
    // The engine does not model these frames (an endpoint may ignore them, RFC 9113 §5.5): they go
    // out after whatever the engine has queued, straight to the socket.
    this.#driver.flush();
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head[3] = type;
    head.writeUInt32BE(stream, 5);
    this.socket.write(Buffer.concat([head, payload]));
  }

  /** The engine event the driver is about to act on: node's session events. */
  onEngineEvent(e: H2Event): void {
    switch (e.type) {
      case 'headers-received':
        if (e.streamId > this.#lastProcStreamID) this.#lastProcStreamID = e.streamId;
        break;
      case 'ping-received':
        this.emit('ping', Buffer.from(e.data));
        break;
      case 'ping-acked': {
        const key = e.data.toString('hex');
        const p = this.#pings.get(key);
        if (p !== undefined) {
          this.#pings.delete(key);
          p.cb(null, performance.now() - p.at, Buffer.from(e.data));
        }
        break;
      }
      case 'settings-received':
        this.emit('remoteSettings', this.remoteSettings);
        break;
      case 'settings-acked': {
        const waiting = this.#settingsCbs.shift();
        const local = this.localSettings;
        if (waiting?.cb) waiting.cb(null, local, performance.now() - waiting.at);
        this.emit('localSettings', local);
        break;
      }
      case 'goaway-received':
        // node passes no opaqueData when the GOAWAY carried none.
        this.emit('goaway', e.errorCode, e.lastStreamId, e.debug.length > 0 ? Buffer.from(e.debug) : undefined);
        break;
      default:
        break;
    }
  }

  /** The socket timed out: true when someone listened. */
  onTimeout(): boolean {
    return this.emit('timeout');
  }

  /** The driver is gone: pending pings and settings fail, 'error' (if any) then 'close'. */
  onDriverClosed(err: Error | null): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#closed = true;
    for (const p of this.#pings.values()) p.cb(http2Error('ERR_HTTP2_PING_CANCEL'), 0, Buffer.alloc(8));
    this.#pings.clear();
    for (const s of this.#settingsCbs) s.cb?.(http2Error('ERR_HTTP2_SETTINGS_CANCEL'), {}, 0);
    this.#settingsCbs = [];
    const error = this.#pendingError ?? err;
    process.nextTick(() => {
      if (error && this.listenerCount('error') > 0) this.emit('error', error);
      this.emit('close');
    });
  }
}

/** node's checks on `ping([payload][, callback])`: an 8-byte payload (RFC 9113 §6.7) and a callback. */
export function pingArgs(payload: Uint8Array | PingCallback | undefined, cb: PingCallback | undefined): { payload: Uint8Array | undefined; cb: PingCallback } {
  if (typeof payload === 'function') {
    cb = payload;
    payload = undefined;
  }
  if (payload !== undefined && !ArrayBuffer.isView(payload)) throw invalidArgType('payload', ['Buffer', 'TypedArray', 'DataView'], payload);
  if (payload !== undefined && payload.byteLength !== 8) throw http2Error('ERR_HTTP2_PING_LENGTH');
  if (typeof cb !== 'function') throw invalidArgType('callback', ['function'], cb);
  return { payload, cb };
}

function originOf(o: unknown, code: string): string {
  let origin: string;
  if (typeof o === 'string') {
    try {
      origin = new URL(o).origin;
    } catch {
      throw http2Error(code);
    }
  } else if (o instanceof URL) origin = o.origin;
  else if (o !== null && typeof o === 'object' && typeof (o as { origin?: unknown }).origin === 'string') origin = (o as { origin: string }).origin;
  else throw invalidArgType('originOrStream', ['number', 'string', 'URL', 'object'], o);
  if (origin === 'null') throw http2Error(code);
  return origin;
}

/**
 * node:http2's settings objects: `getDefaultSettings`, `getPackedSettings`,
 * `getUnpackedSettings` (byte-exact with node's, node's errors on bad input), the validation the
 * session API shares (`settings()`, `createServer({ settings })`, `connect({ settings })`), and
 * the mapping between node's settings object and the engine's `H2Settings`.
 */
import type { H2Settings } from '../wire/h2/connection.js';
import { invalidArgType } from '../wire/shared/index.js';
import { http2Error, invalidSettingValue } from './errors.js';

/** node:http2's settings object (`getDefaultSettings()`, `session.localSettings`, …). */
export interface Settings {
  headerTableSize?: number;
  enablePush?: boolean;
  initialWindowSize?: number;
  maxFrameSize?: number;
  maxConcurrentStreams?: number;
  maxHeaderListSize?: number;
  maxHeaderSize?: number;
  enableConnectProtocol?: boolean;
  customSettings?: Record<number, number>;
}

const U32 = 2 ** 32 - 1;
/** RFC 9113 §6.5.2: SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 is a FLOW_CONTROL_ERROR. */
const MAX_WINDOW = 2 ** 31 - 1;
/** RFC 9113 §6.5.2: SETTINGS_MAX_FRAME_SIZE lies in [2^14, 2^24-1]. */
const MIN_FRAME = 16384;
const MAX_FRAME = 2 ** 24 - 1;
/** node's MAX_ADDITIONAL_SETTINGS: custom settings one SETTINGS frame may carry. */
export const MAX_CUSTOM_SETTINGS = 10;

/** Numeric settings in node's packing order (RFC 9113 §6.5.2 identifiers), with their ranges. */
const NUMERIC: ReadonlyArray<[keyof Settings, number, number, number]> = [
  ['headerTableSize', 1, 0, U32],
  ['maxConcurrentStreams', 3, 0, U32],
  ['initialWindowSize', 4, 0, MAX_WINDOW],
  ['maxFrameSize', 5, MIN_FRAME, MAX_FRAME],
  ['maxHeaderListSize', 6, 0, U32],
];

/**
 * node's defaults for a new session: what `getDefaultSettings()` returns (a fresh object each
 * call, null prototype, node's key order).
 *
 * @example
 * getDefaultSettings().initialWindowSize; // 65535
 */
export function getDefaultSettings(): Settings {
  const s = Object.create(null) as Settings;
  s.headerTableSize = 4096;
  s.enablePush = true;
  s.initialWindowSize = 65535;
  s.maxFrameSize = MIN_FRAME;
  s.maxConcurrentStreams = U32;
  s.maxHeaderSize = 65535;
  s.maxHeaderListSize = 65535;
  s.enableConnectProtocol = false;
  return s;
}

function checkNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) throw invalidSettingValue(name, value);
  // node stores settings in a Uint32Array: fractions are truncated.
  return Math.trunc(value);
}

function checkBool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidSettingValue(name, value, true);
  return value;
}

/**
 * A settings object checked as node checks it; the returned copy has `maxHeaderSize` folded into
 * `maxHeaderListSize` (node: the former wins, with a warning) and fractions truncated.
 */
export function validateSettings(settings: unknown, name = 'settings'): Settings {
  if (settings === null || typeof settings !== 'object') throw invalidArgType(name, ['object'], settings);
  const s = settings as Record<string, unknown>;
  const out: Settings = {};
  if (s.maxHeaderSize !== undefined) {
    if (s.maxHeaderListSize !== undefined) process.emitWarning('settings.maxHeaderSize overwrite settings.maxHeaderListSize');
    out.maxHeaderListSize = checkNumber('maxHeaderSize', s.maxHeaderSize, 0, U32);
  }
  for (const [key, , min, max] of NUMERIC) {
    if (key === 'maxHeaderListSize' && out.maxHeaderListSize !== undefined) continue;
    if (s[key] !== undefined) (out as Record<string, unknown>)[key] = checkNumber(key, s[key], min, max);
  }
  if (s.enablePush !== undefined) out.enablePush = checkBool('enablePush', s.enablePush);
  if (s.enableConnectProtocol !== undefined) out.enableConnectProtocol = checkBool('enableConnectProtocol', s.enableConnectProtocol);
  if (s.customSettings !== undefined) {
    const custom = s.customSettings;
    if (custom === null || typeof custom !== 'object') throw invalidArgType('customSettings', ['Number'], custom);
    const entries = Object.entries(custom as Record<string, unknown>);
    if (entries.length > MAX_CUSTOM_SETTINGS) throw nodeTooManyCustom();
    const copy: Record<number, number> = {};
    for (const [k, v] of entries) {
      const id = Number(k);
      if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw invalidSettingValue('customSettings:id', k);
      copy[id] = checkNumber('customSettings:value', v, 0, U32);
    }
    out.customSettings = copy;
  }
  return out;
}

function nodeTooManyCustom(): Error {
  const err = new RangeError('Number of custom settings exceeds MAX_ADDITIONAL_SETTINGS') as RangeError & { code: string };
  err.code = 'ERR_HTTP2_TOO_MANY_CUSTOM_SETTINGS';
  return err;
}

/**
 * The SETTINGS frame payload of `settings` (RFC 9113 §6.5.1: 16-bit id, 32-bit value), as node
 * packs it — ids 1, 2, 3, 4, 5, 6, 8 in that order, then custom settings — suitable for an
 * `HTTP2-Settings` header once base64url-encoded.
 *
 * @example
 * getPackedSettings({ enablePush: false }); // <Buffer 00 02 00 00 00 00>
 */
export function getPackedSettings(settings: Settings = {}): Buffer {
  const s = validateSettings(settings);
  const entries: Array<[number, number]> = [];
  if (s.headerTableSize !== undefined) entries.push([1, s.headerTableSize]);
  if (s.enablePush !== undefined) entries.push([2, s.enablePush ? 1 : 0]);
  if (s.maxConcurrentStreams !== undefined) entries.push([3, s.maxConcurrentStreams]);
  if (s.initialWindowSize !== undefined) entries.push([4, s.initialWindowSize]);
  if (s.maxFrameSize !== undefined) entries.push([5, s.maxFrameSize]);
  if (s.maxHeaderListSize !== undefined) entries.push([6, s.maxHeaderListSize]);
  if (s.enableConnectProtocol !== undefined) entries.push([8, s.enableConnectProtocol ? 1 : 0]);
  if (s.customSettings !== undefined) for (const [k, v] of Object.entries(s.customSettings)) entries.push([Number(k), v]);
  const out = Buffer.alloc(entries.length * 6);
  for (let i = 0; i < entries.length; i++) {
    out.writeUInt16BE(entries[i]![0], i * 6);
    out.writeUInt32BE(entries[i]![1], i * 6 + 2);
  }
  return out;
}

/**
 * The settings object a SETTINGS payload describes (node's shape: `maxHeaderSize` beside
 * `maxHeaderListSize`, unknown ids under `customSettings`). `{ validate: true }` checks each
 * value's RFC 9113 range.
 *
 * @example
 * getUnpackedSettings(Buffer.from([0, 2, 0, 0, 0, 0])); // { enablePush: false }
 */
export function getUnpackedSettings(buf: Uint8Array, options: { validate?: boolean } = {}): Settings {
  if (!ArrayBuffer.isView(buf) || buf instanceof DataView) throw invalidArgType('buf', ['Buffer', 'TypedArray'], buf);
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (bytes.length % 6 !== 0) throw http2Error('ERR_HTTP2_INVALID_PACKED_SETTINGS_LENGTH');
  const out: Settings = {};
  for (let at = 0; at < bytes.length; at += 6) {
    const id = bytes.readUInt16BE(at);
    const value = bytes.readUInt32BE(at + 2);
    switch (id) {
      case 1: out.headerTableSize = value; break;
      case 2: out.enablePush = value !== 0; break;
      case 3: out.maxConcurrentStreams = value; break;
      case 4: out.initialWindowSize = value; break;
      case 5: out.maxFrameSize = value; break;
      case 6: out.maxHeaderSize = value; out.maxHeaderListSize = value; break;
      case 8: out.enableConnectProtocol = value !== 0; break;
      default: (out.customSettings ??= {})[id] = value;
    }
  }
  if (options !== null && typeof options === 'object' && options.validate === true) {
    for (const [key, , min, max] of NUMERIC) {
      const v = out[key];
      if (typeof v === 'number' && (v < min || v > max)) throw invalidSettingValue(key, v);
    }
  }
  return out;
}

/** node's settings object → the engine's (only what was given). */
export function toEngineSettings(s: Settings): Partial<H2Settings> {
  const out: Partial<H2Settings> = {};
  if (s.headerTableSize !== undefined) out.headerTableSize = s.headerTableSize;
  if (s.enablePush !== undefined) out.enablePush = s.enablePush;
  if (s.maxConcurrentStreams !== undefined) out.maxConcurrentStreams = s.maxConcurrentStreams;
  if (s.initialWindowSize !== undefined) out.initialWindowSize = s.initialWindowSize;
  if (s.maxFrameSize !== undefined) out.maxFrameSize = s.maxFrameSize;
  const mhl = s.maxHeaderListSize ?? s.maxHeaderSize;
  if (mhl !== undefined) out.maxHeaderListSize = mhl;
  if (s.enableConnectProtocol !== undefined) out.enableConnectProtocol = s.enableConnectProtocol;
  return out;
}

/**
 * The engine's settings → node's `localSettings` / `remoteSettings` shape. An unlimited value
 * (the RFC's "no limit", Infinity in the engine) shows as node shows it: 2^32-1.
 */
export function fromEngineSettings(s: Readonly<H2Settings>): Settings {
  const n = (v: number): number => (Number.isFinite(v) ? v : U32);
  return {
    headerTableSize: s.headerTableSize,
    enablePush: s.enablePush,
    initialWindowSize: s.initialWindowSize,
    maxFrameSize: s.maxFrameSize,
    maxConcurrentStreams: n(s.maxConcurrentStreams),
    maxHeaderListSize: n(s.maxHeaderListSize),
    maxHeaderSize: n(s.maxHeaderListSize),
    enableConnectProtocol: s.enableConnectProtocol,
  };
}

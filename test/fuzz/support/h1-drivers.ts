/**
 * Two drivers with one output shape: trama's `H1Parser` and node's own llhttp (the parser node
 * 20 ships, through `_http_common`'s `HTTPParser`, driven the way `_http_server.js` /
 * `_http_client.js` drive it). Both are fed the same bytes and summarised as plain data.
 */
import { createRequire } from 'node:module';
import { H1Parser } from '../../../src/wire/h1/parser.js';
import type { H1Role } from '../../../src/wire/h1/types.js';

export interface H1Msg {
  method: string;
  url: string;
  versionMajor: number;
  versionMinor: number;
  statusCode: number;
  statusMessage: string;
  rawHeaders: string[];
  upgrade: boolean;
  keepAlive: boolean;
  body: string; // latin1
  trailers: string[];
  complete: boolean;
}

export interface H1Outcome {
  messages: H1Msg[];
  /** HPE_* code, or null. */
  error: string | null;
  reason: string;
  /** Absolute offset where an upgrade/CONNECT handed the rest over, or -1. */
  upgradeAt: number;
}

const require = createRequire(import.meta.url);

interface NodeHTTPParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(buf: Buffer): number | (Error & { code: string; reason?: string; bytesParsed?: number });
  finish(): undefined | (Error & { code: string; reason?: string });
  close(): void;
  [k: number]: unknown;
}
interface NodeHTTPParserCtor {
  new (): NodeHTTPParser;
  REQUEST: number;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
  kLenientNone: number;
  kLenientAll: number;
}
const common = require('_http_common') as { HTTPParser: NodeHTTPParserCtor };
const HTTPParser = common.HTTPParser;
/** llhttp's method enum → name, as `_http_common` maps it (`allMethods`, only on the binding). */
const METHODS: string[] = (() => {
  const quiet = process.noDeprecation;
  process.noDeprecation = true; // process.binding is deprecated (DEP0111); this is a test oracle
  try {
    return (process as unknown as { binding(name: string): { allMethods: string[] } }).binding('http_parser').allMethods;
  } finally {
    process.noDeprecation = quiet;
  }
})();

/**
 * node's llhttp, strict (no lenient flags), maxHeaderSize 16384 (node's default, like trama's).
 * In the response role it answers kOnHeadersComplete like node's client
 * (`parserOnIncomingClient`): a 1xx response has no body (skip), anything else the default.
 */
export function runLlhttp(role: H1Role, input: Buffer, lenient = false): H1Outcome {
  const p = new HTTPParser();
  // lenient: node's insecureHTTPParser (every llhttp leniency flag)
  p.initialize(role === 'request' ? HTTPParser.REQUEST : HTTPParser.RESPONSE, {}, 16384, lenient ? HTTPParser.kLenientAll : HTTPParser.kLenientNone);
  const messages: H1Msg[] = [];
  let cur: H1Msg | null = null;
  let bodyParts: Buffer[] = [];
  // node collects header pairs and the url across kOnHeaders flushes (parserOnHeaders).
  let pendingHeaders: string[] = [];
  let pendingUrl = '';
  p[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
    pendingHeaders = pendingHeaders.concat(headers);
    pendingUrl += url;
  };
  p[HTTPParser.kOnHeadersComplete] = (
    versionMajor: number,
    versionMinor: number,
    headers: string[] | undefined,
    method: number | undefined,
    url: string | undefined,
    statusCode: number | undefined,
    statusMessage: string | undefined,
    upgrade: boolean,
    shouldKeepAlive: boolean,
  ) => {
    const h = headers ?? pendingHeaders;
    const u = url ?? pendingUrl;
    pendingHeaders = [];
    pendingUrl = '';
    cur = {
      method: role === 'request' ? (METHODS[method ?? -1] ?? `#${method}`) : '',
      url: role === 'request' ? u : '',
      versionMajor,
      versionMinor,
      statusCode: statusCode ?? 0,
      statusMessage: statusMessage ?? '',
      rawHeaders: h,
      upgrade,
      keepAlive: shouldKeepAlive,
      body: '',
      trailers: [],
      complete: false,
    };
    bodyParts = [];
    messages.push(cur);
    // _http_client.js: informational responses skip the body (return 1); upgrades return 2.
    if (role === 'response' && statusCode !== undefined && statusCode >= 100 && statusCode < 200 && !upgrade) return 1;
    return 0;
  };
  p[HTTPParser.kOnBody] = (b: Buffer) => {
    bodyParts.push(Buffer.from(b));
    cur!.body = Buffer.concat(bodyParts).toString('latin1');
  };
  p[HTTPParser.kOnMessageComplete] = () => {
    if (cur) {
      cur.trailers = pendingHeaders;
      cur.complete = true;
    }
    pendingHeaders = [];
    pendingUrl = '';
  };
  p[HTTPParser.kOnExecute] = () => {};
  let error: string | null = null;
  let reason = '';
  let upgradeAt = -1;
  const r = p.execute(input);
  if (typeof r !== 'number') {
    error = r.code;
    reason = r.reason ?? r.message;
  } else if (r < input.length || (messages.length > 0 && messages[messages.length - 1]!.upgrade && messages[messages.length - 1]!.complete)) {
    // llhttp pauses after an upgrade / CONNECT message (node resumes it and hands the rest over).
    // It also stops short, with no error, inside an upgrade request's trailer section on a bad
    // byte: that is a rejection, not a switch.
    const last = messages[messages.length - 1];
    if (last !== undefined && last.complete) upgradeAt = r;
    else {
      error = 'HPE_STOPPED_MID_MESSAGE';
      reason = 'llhttp stopped inside a message without an error';
    }
  } else {
    const f = p.finish();
    if (f) {
      error = f.code;
      reason = f.reason ?? f.message;
    } else if (messages.length > 0 && !messages[messages.length - 1]!.complete) {
      // llhttp's finish() is silent in some mid-message states (e.g. an upgrade request's chunked
      // body): a message still incomplete at EOF is a truncated stream, as node reports it.
      error = 'HPE_INVALID_EOF_STATE';
      reason = 'Invalid EOF state';
    }
  }
  p.close();
  return { messages, error, reason, upgradeAt };
}

export interface TramaRunOptions {
  lenient?: boolean;
  requireHost?: boolean;
}

/** trama's H1Parser fed `chunks` in order (resuming after pauses), then `finish()`. */
export function runTrama(role: H1Role, chunks: Buffer[], o: TramaRunOptions = {}): H1Outcome {
  const messages: H1Msg[] = [];
  let cur: H1Msg | null = null;
  let bodyParts: Buffer[] = [];
  const parser = new H1Parser(
    { role, lenient: o.lenient === true, requireHost: o.requireHost !== false },
    {
      onHeadersComplete(head) {
        cur = {
          method: head.method,
          url: head.url,
          versionMajor: head.versionMajor,
          versionMinor: head.versionMinor,
          statusCode: head.statusCode,
          statusMessage: head.statusMessage,
          rawHeaders: head.rawHeaders.slice(),
          upgrade: head.upgrade,
          keepAlive: head.keepAlive,
          body: '',
          trailers: [],
          complete: false,
        };
        bodyParts = [];
        messages.push(cur);
      },
      onBody(chunk) {
        if (chunk.length === 0) return;
        bodyParts.push(Buffer.from(chunk));
        cur!.body = Buffer.concat(bodyParts).toString('latin1');
      },
      onMessageComplete(trailers) {
        cur!.trailers = trailers ? trailers.slice() : [];
        cur!.complete = true;
      },
    },
  );
  let abs = 0;
  let upgradeAt = -1;
  outer: for (const chunk of chunks) {
    let off = 0;
    while (off < chunk.length) {
      const n = parser.execute(chunk.subarray(off));
      off += n;
      if (parser.error) break outer;
      if (parser.upgraded) {
        upgradeAt = abs + off;
        break outer;
      }
      if (n === 0) throw new Error('H1Parser made no progress without error/upgrade/pause');
    }
    abs += chunk.length;
  }
  if (!parser.error && upgradeAt < 0) parser.finish();
  const e = parser.error;
  return { messages, error: e ? e.code : null, reason: e ? e.reason : '', upgradeAt };
}

export function bytewise(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1));
  return out;
}

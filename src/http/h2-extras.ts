/**
 * HTTP/2-only abilities as extra members of the same `IncomingMessage` / `ServerResponse`
 * objects (DESIGN.md: never another API). Over HTTP/1.1 the getters are undefined and push
 * reports `ERR_HTTP2_PUSH_DISABLED`.
 *
 * - `req.authority`, `req.scheme` (node:http2's compat names), `req.streamId`, `req.priority`
 *   (the RFC 7540 fields and/or RFC 9218 `urgency`/`incremental` the client signalled);
 * - `res.streamId`, `res.setPriority(spec)` (reorders our DATA scheduler: RFC 9218 urgency /
 *   incremental, or RFC 7540 dependency / weight);
 * - `res.createPushResponse(headers, cb)` (node:http2's compat API) and `res.pushResponse(headers)`,
 *   its promise form.
 *
 * They live on the prototypes (installed once), not on each object: an HTTP/1.1 request pays
 * nothing for them.
 */
import type { Socket } from 'node:net';
import { nodeError } from '../wire/shared/index.js';
import type { H2Exchange } from '../io/h2-server.js';
import type { PrioritySpec } from '../wire/h2/priority/index.js';
import { IncomingMessageBase, kBodySource } from './incoming-message.js';
import { ServerResponseBase } from './server-response.js';

/**
 * The h2 Exchange behind a request (its body source) or a response (its sink); no extra property
 * per object (adding one grew every h2 req and res by a property store).
 */
function exchangeOf(o: object): H2Exchange | undefined {
  const ex = (o as { [kBodySource]?: unknown })[kBodySource] ?? (o as { _kSink?: unknown })._kSink;
  return ex != null && (ex as { structured?: unknown }).structured === true ? (ex as H2Exchange) : undefined;
}

function field(ex: H2Exchange | undefined, name: string): string | undefined {
  if (ex === undefined) return undefined;
  for (const [n, v] of ex.fields) if (n === name) return v;
  return undefined;
}

type PushCallback = (err: Error | null, res?: ServerResponseBase) => void;

/** node's accepted push headers: an object of request fields, `:path` required. */
function pushFields(ex: H2Exchange, headers: Record<string, string | string[] | number | undefined>): Array<[string, string]> {
  if (headers === null || typeof headers !== 'object') {
    throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "headers" argument must be of type object');
  }
  const get = (n: string): string | undefined => {
    const v = headers[n];
    return v === undefined ? undefined : String(v);
  };
  const path = get(':path');
  if (path === undefined) throw nodeError(TypeError, 'ERR_HTTP2_INVALID_PSEUDOHEADER', '":path" is required for a pushed request');
  const out: Array<[string, string]> = [
    [':method', get(':method') ?? 'GET'],
    [':scheme', get(':scheme') ?? field(ex, ':scheme') ?? 'http'],
    [':authority', get(':authority') ?? field(ex, ':authority') ?? field(ex, 'host') ?? ''],
    [':path', path],
  ];
  for (const k of Object.keys(headers)) {
    if (k.charCodeAt(0) === 58) continue;
    const v = headers[k];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.push([k.toLowerCase(), String(x)]);
    else out.push([k.toLowerCase(), String(v)]);
  }
  return out;
}

/** A pushed stream as a request/response pair: the promised request is complete, bodiless. */
function pushedPair(parentRes: ServerResponseBase, ex: H2Exchange): ServerResponseBase {
  const parentReq = parentRes.req;
  const req = new IncomingMessageBase(ex.socket as Socket);
  req.httpVersionMajor = 2;
  req.httpVersionMinor = 0;
  req.httpVersion = '2.0';
  req.method = ex.head.method;
  req.url = ex.head.url;
  req.rawHeaders = ex.head.rawHeaders;
  req.complete = true;
  req.push(null);
  req[kBodySource] = ex;
  ex.req = req;
  const Res = parentRes.constructor as unknown as new (r: IncomingMessageBase) => ServerResponseBase;
  let res: ServerResponseBase;
  try {
    res = new Res(req);
  } catch {
    res = new ServerResponseBase(req);
  }
  res.sendDate = true;
  res.socket = ex.socket as Socket;
  res._attachSink(ex);
  ex.res = res;
  void parentReq;
  return res;
}

/**
 * Put the HTTP/2-only members on the message prototypes (idempotent).
 *
 * @example
 * installH2Extras();
 * server.on('request', (req, res) => res.pushResponse({ ':path': '/app.css' }).then((p) => p.end(css)));
 */
export function installH2Extras(): void {
  const reqProto = IncomingMessageBase.prototype as object;
  if (Object.prototype.hasOwnProperty.call(reqProto, 'streamId')) return;
  Object.defineProperties(reqProto, {
    authority: {
      configurable: true,
      get(this: IncomingMessageBase) {
        return field(exchangeOf(this), ':authority') ?? (exchangeOf(this) ? field(exchangeOf(this), 'host') : undefined);
      },
    },
    scheme: {
      configurable: true,
      get(this: IncomingMessageBase) {
        return field(exchangeOf(this), ':scheme');
      },
    },
    streamId: {
      configurable: true,
      get(this: IncomingMessageBase) {
        return exchangeOf(this)?.streamId;
      },
    },
    priority: {
      configurable: true,
      get(this: IncomingMessageBase): PrioritySpec | undefined {
        const ex = exchangeOf(this);
        return ex === undefined ? undefined : { ...ex.priority };
      },
    },
  });
  const resProto = ServerResponseBase.prototype as object;
  Object.defineProperties(resProto, {
    streamId: {
      configurable: true,
      get(this: ServerResponseBase) {
        return exchangeOf(this)?.streamId;
      },
    },
    setPriority: {
      configurable: true,
      writable: true,
      /** Reorder this response's DATA among the connection's streams (RFC 9218 / RFC 7540 fields). */
      value(this: ServerResponseBase, spec: PrioritySpec): ServerResponseBase {
        const ex = exchangeOf(this);
        if (ex !== undefined && !ex.closed && ex.connection.isStreamOpen(ex.streamId)) {
          ex.connection.prioritize(ex.streamId, spec);
          ex.priority = { ...ex.priority, ...spec };
        }
        return this;
      },
    },
    createPushResponse: {
      configurable: true,
      writable: true,
      /** node:http2's compat push: `cb(err, pushedResponse)`. */
      value(this: ServerResponseBase, headers: Record<string, string | string[] | number | undefined>, callback: PushCallback): void {
        if (typeof callback !== 'function') throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "callback" argument must be of type function');
        const ex = exchangeOf(this);
        if (ex === undefined || ex.closed || this.finished) {
          process.nextTick(callback, ex === undefined
            ? nodeError(Error, 'ERR_HTTP2_PUSH_DISABLED', 'HTTP/2 server push is not available on this connection')
            : nodeError(Error, 'ERR_HTTP2_INVALID_STREAM', 'The stream has been destroyed'));
          return;
        }
        let res: ServerResponseBase;
        try {
          const pushed = ex.session.openPushed(ex, pushFields(ex, headers));
          res = pushedPair(this, pushed);
        } catch (err) {
          process.nextTick(callback, err as Error);
          return;
        }
        process.nextTick(callback, null, res);
      },
    },
    pushResponse: {
      configurable: true,
      writable: true,
      /** `createPushResponse` as a promise. */
      value(this: ServerResponseBase & { createPushResponse(h: unknown, cb: PushCallback): void }, headers: Record<string, string | string[] | number | undefined>): Promise<ServerResponseBase> {
        return new Promise((resolve, reject) => {
          this.createPushResponse(headers, (err, res) => (err ? reject(err) : resolve(res!)));
        });
      },
    },
  });
}

/** HTTP/2-only members, for TypeScript users. */
export interface H2RequestExtras {
  readonly authority?: string;
  readonly scheme?: string;
  readonly streamId?: number;
  readonly priority?: PrioritySpec;
}
export interface H2ResponseExtras {
  readonly streamId?: number;
  setPriority(spec: PrioritySpec): this;
  createPushResponse(headers: Record<string, string | string[] | number | undefined>, callback: PushCallback): void;
  pushResponse(headers: Record<string, string | string[] | number | undefined>): Promise<ServerResponseBase>;
}

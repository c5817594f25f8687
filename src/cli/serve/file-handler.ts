/**
 * The request handler of `trama serve`: a static file server as a plain `(req, res)` listener,
 * so it runs on trama's server and on node:http alike (tests use both).
 *
 * What it does, in order: method check (GET, HEAD; OPTIONS for CORS preflight) → target check
 * (safe-path.ts: no `..`, no encoded separators, dotfiles hidden) → real path inside the real
 * root (symlinks out of the root are a 404, as if absent) → directory (redirect to `dir/`,
 * `index.html`, or a listing) → preconditions (conditional.ts: 304/412) → Range (range.ts:
 * 206/416) → content-coding (accept-encoding.ts: br/gzip streamed through node:zlib) → body.
 *
 * Decisions:
 * - Refusals of a bad path are 403 (the request was understood and refused); things that do
 *   not exist for the client — missing files, hidden dotfiles, symlinks pointing out of the
 *   root, sockets and devices — are 404, so the answer reveals nothing about the disk.
 * - `Cache-Control: no-cache` by default (store, but revalidate each time: right while editing
 *   a site), `public, max-age=N` with `maxAge`.
 * - Compression only for compressible types (content-types.ts) of at least
 *   COMPRESS_MIN_BYTES, never for a Range answer (ranges address the identity bytes), and
 *   `Vary: Accept-Encoding` on every response of a compressible type, compressed or not.
 * - The file is opened once and its stat read from the open handle, so headers and body
 *   describe the same file even if it is replaced meanwhile. (A symlink swapped between the
 *   realpath check and the open is a race this development server accepts.)
 * - Every response carries `X-Content-Type-Options: nosniff`; listings also carry a CSP that
 *   forbids scripts.
 */
import { promises as fsp, realpathSync, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { constants as zc, createBrotliCompress, createGzip } from 'node:zlib';
import { STATUS_CODES } from '../../wire/shared/index.js';
import { formatAccessLine } from './access-log.js';
import { negotiateEncoding } from './accept-encoding.js';
import { evaluatePreconditions, formatHttpDate, rangeAllowed, weakEtag, type Validators } from './conditional.js';
import { contentTypeFor, isCompressible } from './content-types.js';
import { renderListing, type ListingEntry } from './listing.js';
import { parseRange, type ByteRange } from './range.js';
import { encodePath, isInside, resolveTarget } from './safe-path.js';

/**
 * The request members `serve` reads. Structural, so trama's `IncomingMessage` and node's both
 * fit (tests run the handler on either server).
 */
export interface ServeRequest {
  readonly method?: string | null | undefined;
  readonly url?: string | null | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly httpVersion: string | null;
  readonly socket: { readonly remoteAddress?: string | undefined } | null;
}

/** The response members `serve` uses: trama's `ServerResponse` and node's both fit. */
export interface ServeResponse {
  statusCode: number;
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  removeHeader(name: string): void;
  getHeaderNames(): string[];
  flushHeaders(): void;
  write(chunk: Buffer | string): boolean;
  end(chunk?: Buffer | string): unknown;
  destroy(error?: Error): unknown;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  once(event: 'close' | 'drain', listener: () => void): unknown;
  removeListener(event: 'close' | 'drain', listener: () => void): unknown;
}

/** A request listener over {@link ServeRequest} and {@link ServeResponse}. */
export type RequestListener = (req: ServeRequest, res: ServeResponse) => void;

/** Smallest body worth compressing: below it, gzip's header and the chunked framing cost more than they save. */
export const COMPRESS_MIN_BYTES = 1024;
/** Brotli quality for on-the-fly compression: 11 (the default) is far too slow to stream; 5 is near gzip's speed with a better ratio. */
export const BROTLI_STREAM_QUALITY = 5;
/** Most directory entries a listing shows: a bound on the memory and time of one request. */
export const MAX_LISTING_ENTRIES = 10_000;
/** Chunk size for reading files. */
const READ_CHUNK = 64 * 1024;

/** Options of {@link createFileHandler}. */
export interface FileHandlerOptions {
  /** The folder to serve. */
  readonly root: string;
  /** Serve names that start with `.` (default false: 404). */
  readonly dotfiles?: boolean;
  /** Show an HTML listing for a folder without `index.html` (default true). */
  readonly listing?: boolean;
  /** `Access-Control-Allow-Origin: *` and preflight answers (default false). */
  readonly cors?: boolean;
  /** `Cache-Control: public, max-age=N`; default: `no-cache`. */
  readonly maxAge?: number;
  /** Compress with br/gzip when the client accepts it (default true). */
  readonly compress?: boolean;
  /** Smallest body to compress (default {@link COMPRESS_MIN_BYTES}). */
  readonly compressMinBytes?: number;
  /** Most entries a listing shows (default {@link MAX_LISTING_ENTRIES}). */
  readonly maxListingEntries?: number;
  /** Receives one access-log line per request (no newline); default: no log. */
  readonly log?: (line: string) => void;
  /**
   * Single-page app (`--single`): a GET/HEAD for a path that does not exist, whose last segment
   * has no extension (a client-side route like `/users/42`, not a missing `/app.js`), gets the
   * root's `index.html` with 200 (default false).
   */
  readonly single?: boolean;
  /** The page sent with every 404, if that file exists (default: `404.html` in the root). */
  readonly notFoundPage?: string;
}

const CORS_ALLOW_METHODS = 'GET, HEAD, OPTIONS';
const CORS_EXPOSE = 'Accept-Ranges, Content-Encoding, Content-Range, ETag, Last-Modified';
const CORS_MAX_AGE = '86400';
const LISTING_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'";

/** Bytes of body written per response, read by the access log. */
const bodyBytes = new WeakMap<object, number>();

/**
 * Count body bytes for the access log of a response whose body another module writes
 * (the live endpoint, for instance).
 *
 * @example
 * noteBodyBytes(res, chunk.length);
 */
export function noteBodyBytes(res: object, n: number): void {
  bodyBytes.set(res, (bodyBytes.get(res) ?? 0) + n);
}

/**
 * Wrap a listener so each request gets one access-log line when its response closes.
 *
 * @example
 * const listener = withAccessLog(handler, (line) => process.stdout.write(line + '\n'));
 */
export function withAccessLog(handler: RequestListener, log: (line: string) => void): RequestListener {
  return (req, res) => {
    const t0 = process.hrtime.bigint();
    const time = new Date();
    // Read now: once the socket is closed its address is gone.
    const remoteAddress = req.socket?.remoteAddress;
    res.once('close', () => {
      log(
        formatAccessLine({
          remoteAddress,
          time,
          method: req.method ?? '-',
          url: req.url ?? '-',
          httpVersion: req.httpVersion ?? '1.1',
          status: res.headersSent ? res.statusCode : 0,
          bytes: bodyBytes.get(res) ?? 0,
          referer: header(req, 'referer'),
          userAgent: header(req, 'user-agent'),
          durationMs: Number(process.hrtime.bigint() - t0) / 1e6,
        }),
      );
    });
    handler(req, res);
  };
}

function header(req: ServeRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * Create the static-file request listener for `options.root`.
 *
 * @example
 * import { createServer } from 'node:http';
 * createServer(createFileHandler({ root: 'examples/site' })).listen(8080);
 */
export function createFileHandler(options: FileHandlerOptions): RequestListener {
  const root = resolve(options.root);
  // The real root, resolved once: every served file's real path must lie inside it.
  const realRoot = realpathSync(root);
  const dotfiles = options.dotfiles === true;
  const listing = options.listing !== false;
  const cors = options.cors === true;
  const compress = options.compress !== false;
  const minBytes = options.compressMinBytes ?? COMPRESS_MIN_BYTES;
  const maxEntries = options.maxListingEntries ?? MAX_LISTING_ENTRIES;
  const cacheControl = options.maxAge !== undefined && options.maxAge > 0 ? `public, max-age=${Math.floor(options.maxAge)}` : 'no-cache';
  const single = options.single === true;
  const notFoundPage = options.notFoundPage ?? join(root, '404.html');

  /** 404 with the custom page when there is one (GitHub Pages' and Netlify's `404.html` convention). */
  async function notFound(res: ServeResponse, method: string): Promise<void> {
    const page = await fsp.readFile(notFoundPage).catch(() => undefined);
    if (page === undefined) return sendStatus(res, method, 404);
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Length', page.length);
    res.setHeader('Cache-Control', 'no-cache');
    if (method === 'HEAD') return void res.end();
    noteBodyBytes(res, page.length);
    res.end(page);
  }

  /** A status answer; 404s go through {@link notFound}. */
  function answer(res: ServeResponse, method: string, status: number): Promise<void> | void {
    return status === 404 ? notFound(res, method) : sendStatus(res, method, status);
  }

  /** `--single`: the root's index.html for a missing extension-less path, if it exists. */
  async function appShell(req: ServeRequest, res: ServeResponse, segments: readonly string[]): Promise<boolean> {
    const last = segments[segments.length - 1] ?? '';
    if (!single || last.includes('.')) return false;
    const index = join(realRoot, 'index.html');
    const st = await fsp.stat(index).catch(() => undefined);
    if (st === undefined || !st.isFile()) return false;
    await sendFile(req, res, index);
    return true;
  }

  const handler: RequestListener = (req, res) => {
    serve(req, res).catch((err: unknown) => failed(req, res, err));
  };

  async function serve(req: ServeRequest, res: ServeResponse): Promise<void> {
    const method = req.method ?? 'GET';
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (cors) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE);
    }
    if (method === 'OPTIONS') return preflight(req, res);
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', CORS_ALLOW_METHODS);
      return sendStatus(res, method, 405);
    }
    const target = resolveTarget(req.url ?? '/', dotfiles);
    if ('status' in target) return answer(res, method, target.status);

    const lexical = join(root, ...target.segments);
    let real: string;
    try {
      real = await fsp.realpath(lexical);
    } catch (err) {
      const status = fsErrorStatus(err);
      if (status === 404 && (await appShell(req, res, target.segments))) return;
      return answer(res, method, status);
    }
    if (!isInside(realRoot, real, sep)) return notFound(res, method);

    const st = await fsp.stat(real);
    if (st.isDirectory()) {
      if (!target.trailingSlash) {
        res.setHeader('Location', encodePath(target.segments, true) + target.query);
        return sendStatus(res, method, 301);
      }
      const index = join(real, 'index.html');
      const ist = await fsp.stat(index).catch(() => undefined);
      if (ist !== undefined && ist.isFile()) return sendFile(req, res, index);
      if (!listing) return notFound(res, method);
      return sendListing(req, res, real, target.segments, st);
    }
    if (!st.isFile()) return notFound(res, method);
    return sendFile(req, res, real);
  }

  function preflight(req: ServeRequest, res: ServeResponse): void {
    res.setHeader('Allow', CORS_ALLOW_METHODS);
    if (cors && req.headers['access-control-request-method'] !== undefined) {
      res.setHeader('Access-Control-Allow-Methods', CORS_ALLOW_METHODS);
      const asked = header(req, 'access-control-request-headers');
      // Echo the asked headers only when they are a clean token list.
      if (asked !== undefined && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:\s*,\s*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*$/.test(asked.trim())) {
        res.setHeader('Access-Control-Allow-Headers', asked.trim());
      }
      res.setHeader('Access-Control-Max-Age', CORS_MAX_AGE);
    }
    res.statusCode = 204;
    res.end();
  }

  async function sendListing(req: ServeRequest, res: ServeResponse, dir: string, segments: readonly string[], st: Stats): Promise<void> {
    const method = req.method ?? 'GET';
    const names = await fsp.readdir(dir);
    const entries: ListingEntry[] = [];
    for (const name of names) {
      if (entries.length >= maxEntries) break;
      if (name.startsWith('.') && !dotfiles) continue;
      const es = await fsp.stat(join(dir, name)).catch(() => undefined);
      if (es === undefined) continue; // a dangling symlink, or a race with a delete
      entries.push({ name, isDirectory: es.isDirectory(), size: es.size, mtimeMs: es.mtimeMs });
    }
    const body = Buffer.from(renderListing(segments, entries), 'utf8');
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', LISTING_CSP);
    res.setHeader('Last-Modified', formatHttpDate(Math.floor(st.mtimeMs / 1000)));
    const coding = compress && body.length >= minBytes ? negotiateEncoding(header(req, 'accept-encoding')) : 'identity';
    res.setHeader('Vary', 'Accept-Encoding');
    if (coding !== 'identity') {
      res.setHeader('Content-Encoding', coding);
      res.statusCode = 200;
      if (method === 'HEAD') return void res.end();
      return streamBody(res, Readable.from([body]), compressor(coding, body.length));
    }
    res.setHeader('Content-Length', body.length);
    res.statusCode = 200;
    if (method === 'HEAD') return void res.end();
    noteBodyBytes(res, body.length);
    res.end(body);
  }

  async function sendFile(req: ServeRequest, res: ServeResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    let fh: FileHandle | undefined = await fsp.open(path, 'r');
    try {
      const st = await fh.stat();
      const size = st.size;
      const validators: Validators = { etag: weakEtag(size, st.mtimeMs), lastModified: Math.floor(st.mtimeMs / 1000) };
      const type = contentTypeFor(path);
      const compressible = compress && isCompressible(type);
      res.setHeader('ETag', validators.etag);
      res.setHeader('Last-Modified', formatHttpDate(validators.lastModified));
      res.setHeader('Cache-Control', cacheControl);
      if (compressible) res.setHeader('Vary', 'Accept-Encoding');

      const pre = evaluatePreconditions(
        method,
        {
          'if-match': header(req, 'if-match'),
          'if-none-match': header(req, 'if-none-match'),
          'if-modified-since': header(req, 'if-modified-since'),
          'if-unmodified-since': header(req, 'if-unmodified-since'),
        },
        validators,
      );
      if (pre !== 'proceed') return sendStatus(res, method, pre);

      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Content-Type', type);
      // RFC 9110 §14.2: Range is only defined for GET; other methods ignore it.
      const rangeHeader = method === 'GET' ? header(req, 'range') : undefined;
      if (rangeHeader !== undefined && rangeAllowed(header(req, 'if-range'), validators)) {
        const r = parseRange(rangeHeader, size);
        if (r.kind === 'unsatisfiable') {
          res.setHeader('Content-Range', `bytes */${size}`);
          return sendStatus(res, method, 416);
        }
        if (r.kind === 'ranges') {
          const handle = fh;
          fh = undefined; // ownership moves to the body stream
          if (r.ranges.length === 1) return sendSingleRange(res, handle, r.ranges[0]!, size);
          return sendMultipart(res, handle, r.ranges, size, type);
        }
      }
      const coding = compressible && size >= minBytes ? negotiateEncoding(header(req, 'accept-encoding')) : 'identity';
      res.statusCode = 200;
      if (coding !== 'identity') res.setHeader('Content-Encoding', coding);
      else res.setHeader('Content-Length', size);
      if (method === 'HEAD') return void res.end();
      const handle = fh;
      fh = undefined;
      const body = handle.createReadStream({ highWaterMark: READ_CHUNK });
      return streamBody(res, body, coding === 'identity' ? undefined : compressor(coding, size));
    } finally {
      if (fh !== undefined) await fh.close();
    }
  }

  function sendSingleRange(res: ServeResponse, fh: FileHandle, range: ByteRange, size: number): void {
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    res.setHeader('Content-Length', range.end - range.start + 1);
    streamBody(res, fh.createReadStream({ start: range.start, end: range.end, highWaterMark: READ_CHUNK }), undefined);
  }

  function sendMultipart(res: ServeResponse, fh: FileHandle, ranges: ByteRange[], size: number, type: string): void {
    // RFC 9110 §14.6: a boundary that cannot occur in the parts' header lines; random, as
    // the content itself could hold any fixed string.
    const boundary = 'trama-' + Math.random().toString(36).slice(2) + Date.now().toString(36);
    const heads = ranges.map((r, i) => Buffer.from(`${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`, 'latin1'));
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
    let length = tail.length;
    for (let i = 0; i < ranges.length; i++) length += heads[i]!.length + ranges[i]!.end - ranges[i]!.start + 1;
    res.statusCode = 206;
    res.setHeader('Content-Type', `multipart/byteranges; boundary=${boundary}`);
    res.setHeader('Content-Length', length);
    async function* parts(): AsyncGenerator<Buffer> {
      try {
        for (let i = 0; i < ranges.length; i++) {
          yield heads[i]!;
          let pos = ranges[i]!.start;
          const end = ranges[i]!.end + 1;
          while (pos < end) {
            const want = Math.min(READ_CHUNK, end - pos);
            const { bytesRead, buffer } = await fh.read(Buffer.allocUnsafe(want), 0, want, pos);
            if (bytesRead === 0) throw new Error('file shrank while serving a range');
            pos += bytesRead;
            yield bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
          }
        }
        yield tail;
      } finally {
        await fh.close();
      }
    }
    streamBody(res, Readable.from(parts()), undefined);
  }

  function streamBody(res: ServeResponse, body: Readable, transform: Transform | undefined): void {
    // A hand-written pump rather than stream.pipeline: the response only needs write/end and
    // 'drain'/'close' (ServeResponse), whichever server made it.
    let source: Readable = body;
    if (transform !== undefined) {
      body.on('error', (err) => transform.destroy(err));
      source = body.pipe(transform);
    }
    const onClose = (): void => {
      // The client went away (or the response was cut): stop reading, which closes the file.
      if (!res.writableEnded) {
        body.destroy();
        source.destroy();
      }
    };
    res.once('close', onClose);
    source.on('data', (chunk: Buffer) => {
      noteBodyBytes(res, chunk.length);
      if (!res.write(chunk)) {
        source.pause();
        res.once('drain', () => source.resume());
      }
    });
    source.once('end', () => {
      res.removeListener('close', onClose);
      res.end();
    });
    // The file failed mid-way: the head is out, so the only honest signal is a cut response.
    source.once('error', () => res.destroy());
  }

  function failed(req: ServeRequest, res: ServeResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const status = fsErrorStatus(err);
    for (const name of res.getHeaderNames()) if (name !== 'x-content-type-options' && !name.startsWith('access-control-')) res.removeHeader(name);
    void answer(res, req.method ?? 'GET', status === 404 ? 404 : status === 403 ? 403 : 500);
  }

  return handler;
}

function compressor(coding: 'br' | 'gzip', size: number): Transform {
  if (coding === 'gzip') return createGzip();
  return createBrotliCompress({
    params: { [zc.BROTLI_PARAM_QUALITY]: BROTLI_STREAM_QUALITY, [zc.BROTLI_PARAM_SIZE_HINT]: size },
  });
}

function fsErrorStatus(err: unknown): 403 | 404 | 500 {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENAMETOOLONG') return 404;
  if (code === 'EACCES' || code === 'EPERM') return 403;
  return 500;
}

/** A short plain-text answer for a status without a file body (none for 304 and HEAD). */
function sendStatus(res: ServeResponse, method: string, status: number): void {
  res.statusCode = status;
  if (status === 304) {
    // RFC 9110 §15.4.5: a 304 carries the validators and cache fields, no content fields.
    res.removeHeader('Content-Type');
    res.removeHeader('Content-Length');
    res.end();
    return;
  }
  const body = Buffer.from(`${status} ${STATUS_CODES[status] ?? ''}\n`, 'latin1');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  if (method === 'HEAD') {
    res.end();
    return;
  }
  noteBodyBytes(res, body.length);
  res.end(body);
}

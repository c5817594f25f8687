/**
 * `trama get URL`: a curl-like client. It shows the path of a request the way a browser walks
 * it — DNS, connection (new or reused), TLS, request head, response head, body — with `-v`.
 *
 * Decisions:
 * - Options and defaults follow curl's where curl has one (`-X -H -d -o -i -I -L -v -s -S -f
 *   -m -k -A`, `--max-redirs` 50, `--compressed`, `--connect-timeout`), and so do the exit
 *   codes (exit-codes.ts) and the redirect rules: 301/302/303 turn a POST into a GET without
 *   body, 303 turns anything but HEAD into GET, 307/308 keep method and body; Authorization and
 *   Cookie are dropped when a redirect leaves the origin.
 * - `-H` is validated before anything is sent: a name must be a token and a value may not hold
 *   CR, LF, NUL or another control character, so `-H $'a: b\r\nc: d'` (header injection) is a
 *   usage error (exit 2) with one line, where node would throw and curl would send two headers.
 *   `-H 'Name:'` removes a default header and `-H 'Name;'` sends an empty one, as in curl.
 * - `-d` values are joined with `&`, `-d @file` reads a file without its CR/LF (curl's rule),
 *   `--data-binary @file` keeps every byte; pieces keep their command-line order, as in curl.
 * - One keep-alive Agent per scheme for the whole run, so a redirect to the same origin reuses
 *   the connection (and `-v` says so); agents are destroyed at the end.
 * - A response cut short (fewer bytes than Content-Length, a chunked body without its last
 *   chunk) is exit 18 even when part of it was written (`-o` keeps the partial file, as curl).
 * - `--http2` offers h2 by ALPN on https: (HTTP/1.1 when the server declines; http: stays
 *   HTTP/1.1 — trama's client does not send `Upgrade: h2c`), `--http2-prior-knowledge` speaks
 *   h2c on http: (and ALPN on https:), `--http1.1` clears both. With `-v`, every HTTP/2 frame is
 *   printed as `nghttp -v` prints it (frames.ts), between the connection phases.
 * - `-F`, `--form-string`, `--data-urlencode` build their bodies in form.ts; `-F` and `-d` in one
 *   command are a usage error (two different bodies), as in curl.
 * - `-u user:password` is sent as Basic credentials (RFC 7617) and, like any Authorization, is
 *   dropped when a redirect leaves the origin. `-u user` alone is refused: curl would prompt for
 *   the password, trama does not read passwords from a terminal.
 * - `-O` names the file after the last segment of the URL's path, as typed (no decoding, no
 *   query), in the current folder; a URL whose path ends in `/` has no name: exit 23.
 * - A body is refused on a terminal when a chunk holds a NUL byte (binary output can leave the
 *   terminal in a strange mode), exit 23 as in curl, unless the output is asked for with
 *   `-o -`/`--output -`. Text before that chunk has been printed.
 * - `-w FORMAT` is written after the transfer, success or not (write-out.ts).
 */
import { once } from 'node:events';
import { createWriteStream, promises as fsp } from 'node:fs';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { validateHeaderName, validateHeaderValue } from '../../wire/shared/index.js';
import { integerOption, numberOption, oneLine, parseCommandLine, stringOption, UsageError, type OptionSpec, type ParsedOptions } from '../args.js';
import { classifyError, ExitCode, GetError, type FailureContext } from './exit-codes.js';
import { dataUrlencodePiece, formBoundary, multipartBody, parseFormArg, readSource, type FormPart } from './form.js';
import { ProgressBar } from './progress.js';
import { createTransport, type GetRequest as ClientRequest, type GetResponse as IncomingMessage, type H2Choice, type Transport } from './transport.js';
import { FramePrinter } from './frames.js';
import { emptyStats, writeOut, type TransferStats } from './write-out.js';

/** curl's default bound on followed redirects. */
export const DEFAULT_MAX_REDIRS = 50;

/** Options of `trama get`. */
export const GET_OPTIONS: readonly OptionSpec[] = [
  { name: 'request', short: 'X', kind: 'value' },
  { name: 'header', short: 'H', kind: 'value', multiple: true },
  { name: 'data', short: 'd', kind: 'value', multiple: true },
  { name: 'data-binary', kind: 'value', multiple: true },
  { name: 'data-raw', kind: 'value', multiple: true },
  { name: 'output', short: 'o', kind: 'value' },
  { name: 'include', short: 'i', kind: 'flag' },
  { name: 'head', short: 'I', kind: 'flag' },
  { name: 'location', short: 'L', kind: 'flag' },
  { name: 'max-redirs', kind: 'value' },
  { name: 'verbose', short: 'v', kind: 'flag' },
  { name: 'silent', short: 's', kind: 'flag' },
  { name: 'show-error', short: 'S', kind: 'flag' },
  { name: 'fail', short: 'f', kind: 'flag' },
  { name: 'max-time', short: 'm', kind: 'value' },
  { name: 'connect-timeout', kind: 'value' },
  { name: 'http1.1', kind: 'flag' },
  { name: 'http2', kind: 'flag' },
  { name: 'http2-prior-knowledge', kind: 'flag' },
  { name: 'insecure', short: 'k', kind: 'flag' },
  { name: 'user-agent', short: 'A', kind: 'value' },
  { name: 'compressed', kind: 'flag' },
  { name: 'remote-name', short: 'O', kind: 'flag' },
  { name: 'write-out', short: 'w', kind: 'value' },
  { name: 'form', short: 'F', kind: 'value', multiple: true },
  { name: 'form-string', kind: 'value', multiple: true },
  { name: 'data-urlencode', kind: 'value', multiple: true },
  { name: 'user', short: 'u', kind: 'value' },
  { name: 'cacert', kind: 'value' },
  { name: 'range', short: 'r', kind: 'value' },
  { name: 'help', short: 'h', kind: 'flag' },
];

/** Help text of `trama get`. */
export const GET_USAGE = `Usage: trama get URL [options]

Fetch a URL over HTTP/1.1 (http: or https:), curl-style. The body goes to stdout.

Options:
  -X, --request M        method (default GET; POST with -d; HEAD with -I)
  -H, --header 'N: v'    add a header ('N:' removes a default one, 'N;' sends it empty)
  -d, --data DATA        send DATA as a form body (repeatable, joined with &; @file, @-)
      --data-binary D    send D as is (@file keeps every byte)
      --data-raw D       send D as is, no @file
      --data-urlencode D  URL-encode D and send it as a form piece ('name=value',
                         '=value', 'name@file', '@file'; joined with -d pieces)
  -F, --form 'N=V'       multipart/form-data field (repeatable): 'N=@file' uploads a file
                         (';type=T', ';filename=F' may follow), 'N=<file' sends its text
      --form-string 'N=V'  a multipart field taken literally (no @ or <)
  -u, --user U:P         HTTP Basic credentials (dropped on a redirect to another origin)
  -r, --range R          ask for bytes R only (Range: bytes=R): 0-99, -500, 100-
  -o, --output FILE      write the body to FILE (progress bar on a terminal); '-' is stdout,
                         even for a binary body on a terminal (refused otherwise, exit 23)
  -O, --remote-name      write the body to a file named like the URL's last path segment
  -w, --write-out FMT    print FMT after the transfer: %{http_code} %{time_total}
                         %{size_download} %{url_effective} %{content_type} %{num_redirects}
                         %{remote_ip} %{time_starttransfer} …; escapes \\n \\t; -w @file
  -i, --include          include the response head in the output
  -I, --head             HEAD request, print the response head
  -L, --location         follow redirects (at most --max-redirs, default ${DEFAULT_MAX_REDIRS})
  -v, --verbose          show DNS, connection, TLS, request and response heads on stderr
  -s, --silent           no progress bar and no error message (-S shows errors)
  -f, --fail             exit 22 without output on an HTTP status >= 400
  -m, --max-time S       give up after S seconds (exit 28)
      --connect-timeout S  give up connecting after S seconds (exit 28)
  -k, --insecure         do not verify the server's TLS certificate
      --cacert FILE      verify the server's certificate against the CA(s) in FILE (PEM)
  -A, --user-agent UA    User-Agent (default trama/VERSION)
      --compressed       ask for deflate/gzip/br and decode the body
      --http1.1          use HTTP/1.1 (the default)
      --http2            offer HTTP/2 by ALPN on https: (HTTP/1.1 if the server declines;
                         http: stays HTTP/1.1)
      --http2-prior-knowledge  HTTP/2 without negotiation on http: (h2c); ALPN on https:;
                         -v then prints every frame as nghttp -v does
  -h, --help             this help

Exit codes are curl's: 6 could not resolve, 7 could not connect, 18 partial body,
22 HTTP error with -f, 28 timeout, 35 TLS handshake, 47 too many redirects, 60 bad certificate.
`;

/** Where `get` writes; stdout takes bytes. */
export interface GetIo {
  readonly stdout: { write(chunk: string | Uint8Array): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  readonly version: string;
}

/** The resolved options of one `get` run. */
export interface GetConfig {
  readonly url: URL;
  readonly method: string;
  /** Ordered headers to send: [name as typed, value]. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Lower-case names of default headers to leave out (`-H 'Name:'`). */
  readonly removed: ReadonlySet<string>;
  readonly body: Buffer | undefined;
  readonly output: string | undefined;
  readonly include: boolean;
  readonly head: boolean;
  readonly location: boolean;
  readonly maxRedirs: number;
  readonly verbose: boolean;
  /** `--http2` (ALPN on https:) / `--http2-prior-knowledge` (h2c on http:); `--http1.1` clears both. */
  readonly http2: boolean;
  readonly http2PriorKnowledge: boolean;
  readonly silent: boolean;
  readonly showError: boolean;
  readonly fail: boolean;
  readonly maxTimeMs: number | undefined;
  readonly connectTimeoutMs: number | undefined;
  readonly insecure: boolean;
  readonly userAgent: string;
  readonly compressed: boolean;
  /** `-w` format (already read from its file for `-w @file`). */
  readonly writeOut: string | undefined;
  /** `--cacert`: the PEM text of the CA(s) to trust instead of node's bundle. */
  readonly ca: string | undefined;
}

/**
 * Parse one `-H` argument: `[name, value]`, `[name, null]` for "remove this default header".
 * Throws a {@link UsageError} for a bad name or a value with CR/LF/NUL (header injection).
 *
 * @example
 * parseHeaderArg('X-Trace: abc'); // ['X-Trace', 'abc']
 * parseHeaderArg('Accept:'); // ['Accept', null]
 * parseHeaderArg('a: b\r\nc: d'); // throws UsageError
 */
export function parseHeaderArg(arg: string): [string, string | null] {
  const shown = JSON.stringify(arg);
  const colon = arg.indexOf(':');
  const semi = arg.indexOf(';');
  let name: string;
  let value: string | null;
  if (colon === -1 && semi !== -1 && arg.slice(semi + 1).trim() === '') {
    name = arg.slice(0, semi).trim();
    value = '';
  } else if (colon === -1) {
    throw new UsageError(`-H ${shown}: expected "Name: value"`);
  } else {
    name = arg.slice(0, colon).trim();
    // Leading and trailing spaces/tabs are not part of a field value (RFC 9110 §5.5).
    const raw = arg.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    value = raw === '' ? null : raw;
  }
  try {
    validateHeaderName(name);
  } catch {
    throw new UsageError(`-H ${shown}: the header name is not a valid token`);
  }
  if (value !== null) {
    try {
      validateHeaderValue(name, value);
    } catch {
      throw new UsageError(`-H ${shown}: the header value holds CR, LF, NUL or another control character (header injection refused)`);
    }
  }
  return [name, value];
}

async function readData(kind: 'data' | 'data-binary' | 'data-raw', arg: string): Promise<Buffer> {
  if (kind === 'data-raw' || !arg.startsWith('@')) return Buffer.from(arg, 'utf8');
  const file = arg.slice(1);
  let bytes: Buffer;
  try {
    bytes = await readSource(file);
  } catch (err) {
    throw new GetError(ExitCode.READ_ERROR, `Failed to read data from ${file}: ${(err as Error).message}`);
  }
  if (kind === 'data') {
    // curl's -d @file: CR and LF are removed, so a text file can hold one form body.
    const kept: number[] = [];
    for (const b of bytes) if (b !== 0x0d && b !== 0x0a) kept.push(b);
    return Buffer.from(kept);
  }
  return bytes;
}

function listOption(options: ParsedOptions, name: string): string[] {
  const v = options[name];
  return Array.isArray(v) ? v : [];
}

/**
 * Turn `trama get` arguments into a configuration; `'help'` for `--help`.
 *
 * @example
 * const config = await parseGetArgs(['-L', '-o', 'out.html', 'http://127.0.0.1:8080/'], '0.1.0');
 */
export async function parseGetArgs(argv: readonly string[], version: string): Promise<GetConfig | 'help'> {
  const { options, positionals, sequence } = parseCommandLine(argv, GET_OPTIONS);
  if (options.help === true) return 'help';
  if (positionals.length === 0) throw new UsageError('get needs a URL (see trama get --help)');
  if (positionals.length > 1) throw new UsageError(`get takes one URL, got ${positionals.length}: ${positionals.join(' ')}`);
  const url = parseUrl(positionals[0]!);

  const headers: Array<[string, string]> = [];
  const removed = new Set<string>();
  for (const h of listOption(options, 'header')) {
    const [name, value] = parseHeaderArg(h);
    if (value === null) removed.add(name.toLowerCase());
    else headers.push([name, value]);
  }
  const userAgent = stringOption(options, 'user-agent') ?? `trama/${version}`;
  try {
    validateHeaderValue('user-agent', userAgent);
  } catch {
    throw new UsageError(`-A ${JSON.stringify(userAgent)}: holds CR, LF or another control character`);
  }

  const pieces: Buffer[] = [];
  const parts: FormPart[] = [];
  for (const [name, value] of sequence) {
    if (typeof value !== 'string') continue;
    if (name === 'data' || name === 'data-binary' || name === 'data-raw') pieces.push(await readData(name, value));
    else if (name === 'data-urlencode') pieces.push(Buffer.from(await dataUrlencodePiece(value, readSource), 'latin1'));
    else if (name === 'form' || name === 'form-string') parts.push(await parseFormArg(value, name === 'form-string', readSource));
  }
  if (pieces.length > 0 && parts.length > 0) throw new UsageError('-d and -F cannot be used together (one request, one body)');
  const hasData = pieces.length > 0 || parts.length > 0;
  const amp = Buffer.from('&');
  let body: Buffer | undefined = pieces.length > 0 ? Buffer.concat(pieces.flatMap((p, i) => (i === 0 ? [p] : [amp, p]))) : undefined;
  let formType: string | undefined;
  if (parts.length > 0) {
    const boundary = formBoundary();
    body = multipartBody(parts, boundary);
    formType = `multipart/form-data; boundary=${boundary}`;
  }
  const head = options.head === true;
  if (head && hasData) throw new UsageError('-I and -d/-F cannot be used together');
  let method = stringOption(options, 'request') ?? (head ? 'HEAD' : hasData ? 'POST' : 'GET');
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) throw new UsageError(`-X ${JSON.stringify(method)}: a method must be a token`);
  if (head && method !== 'HEAD') method = 'HEAD';
  const has = (name: string): boolean => headers.some(([n]) => n.toLowerCase() === name) || removed.has(name);
  if (hasData && !has('content-type')) headers.push(['Content-Type', formType ?? 'application/x-www-form-urlencoded']);
  const user = stringOption(options, 'user');
  if (user !== undefined && !has('authorization')) {
    // RFC 7617 §2: user-id ":" password, UTF-8, base64. Without a colon curl prompts; we refuse.
    if (!user.includes(':')) throw new UsageError(`-u ${JSON.stringify(user)}: give user:password (trama get does not prompt for a password)`);
    headers.unshift(['Authorization', `Basic ${Buffer.from(user, 'utf8').toString('base64')}`]);
  }
  const range = stringOption(options, 'range');
  if (range !== undefined && !has('range')) {
    // RFC 9110 §14.2: byte ranges; the spec is passed as typed (curl does not check it either),
    // but never with a control character in it.
    if (!/^[\x20-\x7e]+$/.test(range)) throw new UsageError(`-r ${JSON.stringify(range)}: a range holds printable characters only`);
    headers.push(['Range', `bytes=${range}`]);
  }
  let output = stringOption(options, 'output');
  if (output === undefined && options['remote-name'] === true) {
    const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
    if (name === '') throw new GetError(ExitCode.WRITE_ERROR, `Remote file name has no length (${url.href} ends in "/"): use -o FILE`);
    output = name;
  }
  let format = stringOption(options, 'write-out');
  if (format?.startsWith('@') === true) {
    try {
      format = (await readSource(format.slice(1))).toString('utf8');
    } catch (err) {
      throw new GetError(ExitCode.READ_ERROR, `-w: Failed to read the format from ${format.slice(1)}: ${(err as Error).message}`);
    }
  }
  const cacert = stringOption(options, 'cacert');
  let ca: string | undefined;
  if (cacert !== undefined) {
    try {
      ca = await fsp.readFile(cacert, 'utf8');
    } catch (err) {
      throw new GetError(ExitCode.SSL_CACERT_BADFILE, `error setting certificate file: ${cacert} (${(err as Error).message})`);
    }
  }
  const maxTime = numberOption(options, 'max-time');
  const connectTimeout = numberOption(options, 'connect-timeout');
  return {
    url,
    method,
    headers,
    removed,
    body,
    output,
    include: options.include === true,
    head,
    location: options.location === true,
    maxRedirs: integerOption(options, 'max-redirs', 0, 10_000) ?? DEFAULT_MAX_REDIRS,
    verbose: options.verbose === true,
    http2: options.http2 === true && options['http1.1'] !== true,
    http2PriorKnowledge: options['http2-prior-knowledge'] === true && options['http1.1'] !== true,
    silent: options.silent === true,
    showError: options['show-error'] === true,
    fail: options.fail === true,
    maxTimeMs: maxTime === undefined || maxTime === 0 ? undefined : maxTime * 1000,
    connectTimeoutMs: connectTimeout === undefined || connectTimeout === 0 ? undefined : connectTimeout * 1000,
    insecure: options.insecure === true,
    userAgent,
    compressed: options.compressed === true,
    writeOut: format,
    ca,
  };
}

/**
 * Parse the URL argument like curl: no scheme means `http://`; only http and https.
 *
 * @example
 * parseUrl('127.0.0.1:8080/x').href; // 'http://127.0.0.1:8080/x'
 */
export function parseUrl(arg: string): URL {
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(arg) ? arg : `http://${arg}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new GetError(ExitCode.URL_MALFORMED, `URL rejected: Malformed input: ${JSON.stringify(arg)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GetError(ExitCode.UNSUPPORTED_PROTOCOL, `Protocol "${url.protocol.slice(0, -1)}" not supported (http and https only)`);
  }
  if (url.hostname === '') throw new GetError(ExitCode.URL_MALFORMED, `URL rejected: No host part in the URL ${JSON.stringify(arg)}`);
  return url;
}

/**
 * Run `trama get` with `argv` (the arguments after `get`). Resolves with the exit code.
 *
 * @example
 * process.exitCode = await getCommand(['-v', 'http://127.0.0.1:8080/'], { stdout: process.stdout, stderr: process.stderr, version: '0.1.0' });
 */
export async function getCommand(argv: readonly string[], io: GetIo): Promise<number> {
  let config: GetConfig | 'help';
  try {
    config = await parseGetArgs(argv, io.version);
  } catch (err) {
    if (err instanceof GetError) {
      // -s silences these too (a file that cannot be read, -O without a name), -S shows them.
      const { options } = parseCommandLine(argv, GET_OPTIONS);
      if (options.silent !== true || options['show-error'] === true) io.stderr.write(`trama: ${oneLine(err.message)}\n`);
      return err.exitCode;
    }
    throw err;
  }
  if (config === 'help') {
    io.stdout.write(GET_USAGE);
    return 0;
  }
  const fetch = new Fetch(config, io);
  let code: number = ExitCode.OK;
  try {
    await fetch.run();
  } catch (err) {
    const e = err instanceof GetError ? err : new GetError(ExitCode.FAILED, err instanceof Error ? err.message : String(err));
    if (!config.silent || config.showError) io.stderr.write(`trama: ${oneLine(e.message)}\n`);
    fetch.stats.errorMessage = oneLine(e.message);
    code = e.exitCode;
  }
  if (config.writeOut !== undefined) {
    fetch.stats.exitCode = code;
    writeOut(config.writeOut, fetch.stats, {
      stdout: (t) => io.stdout.write(t),
      stderr: (t) => io.stderr.write(t),
      warn: (m) => io.stderr.write(`trama: ${m}\n`),
    });
  }
  return code;
}

/** Why a body is not printed on a terminal (curl refuses too, exit 23). */
export const BINARY_TO_TERMINAL =
  'Binary output can mess up your terminal: use "--output -" to print it there anyway, or "-o FILE" to save it to a file';

type Out = { write(chunk: string | Uint8Array): unknown };

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** One run of `trama get`: the request, its redirects, the output. */
class Fetch {
  readonly #c: GetConfig;
  readonly #io: GetIo;
  readonly #transports = new Map<string, Transport>();
  readonly #socketIds = new WeakMap<object, number>();
  #nextSocketId = 0;
  #timedOut = false;
  #received = 0;
  #current: { req: ClientRequest; res?: IncomingMessage; socket?: Socket } | undefined;
  #file: ReturnType<typeof createWriteStream> | undefined;
  #writeError: Error | undefined;
  #fileBytes = 0;
  /** `#received` when each response's body began: what a cut-short body did deliver. */
  readonly #bodyStart = new WeakMap<IncomingMessage, number>();
  /** What `-w` prints; times are ms since {@link #t0}. */
  readonly stats: TransferStats;
  readonly #t0 = performance.now();

  constructor(config: GetConfig, io: GetIo) {
    this.#c = config;
    this.#io = io;
    this.stats = emptyStats(config.method, config.url.href);
    this.stats.filenameEffective = config.output !== undefined && config.output !== '-' ? config.output : '';
  }

  #now(): number {
    return performance.now() - this.#t0;
  }

  #frames: FramePrinter | undefined;

  #info(line: string): void {
    if (this.#c.verbose) this.#io.stderr.write(`* ${line}\n`);
  }

  #transport(protocol: string): Transport {
    let t = this.#transports.get(protocol);
    if (t === undefined) {
      const c = this.#c;
      const h2: H2Choice = { http2: c.http2, priorKnowledge: c.http2PriorKnowledge };
      if (c.verbose && (c.http2 || c.http2PriorKnowledge)) {
        this.#frames ??= new FramePrinter((text) => this.#io.stderr.write(text), this.#t0);
        const printer = this.#frames;
        h2.frameTap = (dir, frame, length) => printer.frame(dir, frame, length);
      }
      t = createTransport(protocol as 'http:' | 'https:', { rejectUnauthorized: !c.insecure, ...(c.ca !== undefined ? { ca: c.ca } : {}) }, h2);
      this.#transports.set(protocol, t);
    }
    return t;
  }

  async run(): Promise<void> {
    const c = this.#c;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (c.maxTimeMs !== undefined) {
      timer = setTimeout(() => {
        this.#timedOut = true;
        const err = this.#timeoutError();
        this.#current?.res?.destroy(err);
        this.#current?.req.destroy(err);
      }, c.maxTimeMs);
    }
    // The -o file is opened before the first request: between a response's head and its body
    // there must be no wait, or a body cut short would be discarded before it is written.
    await this.#openOutput();
    let ok = false;
    try {
      await this.#follow();
      ok = true;
    } finally {
      this.stats.timeTotal = this.#now();
      if (timer !== undefined) clearTimeout(timer);
      for (const t of this.#transports.values()) t.agent.destroy();
      const wrote = this.#fileBytes > 0;
      await this.#closeFile();
      // curl leaves no file behind when the transfer failed before any byte was written.
      if (!ok && !wrote && c.output !== undefined && c.output !== '-') await fsp.rm(c.output, { force: true });
    }
  }

  #timeoutError(): GetError {
    return new GetError(ExitCode.OPERATION_TIMEDOUT, `Operation timed out after ${Math.round(this.#c.maxTimeMs ?? 0)} milliseconds with ${this.#received} bytes received`);
  }

  async #follow(): Promise<void> {
    const c = this.#c;
    let url = c.url;
    let method = c.method;
    let body = c.body;
    let headers = c.headers;
    for (let redirects = 0; ; ) {
      const res = await this.#send(url, method, headers, body);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      const st = this.stats;
      st.httpCode = status;
      st.httpVersion = res.httpVersion ?? '';
      st.method = method;
      st.urlEffective = url.href;
      st.contentType = fieldValue(res.headers['content-type']) ?? '';
      st.sizeHeader += Buffer.byteLength(headText(res), 'latin1');
      st.sizeDownload = 0;
      st.redirectUrl = '';
      if (isRedirect(status) && location !== undefined) {
        try {
          st.redirectUrl = new URL(location, url).href;
        } catch {
          // A Location that is no URL: nothing to show.
        }
      }
      if (c.include || c.head) await this.#emit(headText(res));
      if (c.location && isRedirect(status) && location !== undefined) {
        await this.#drain(res);
        if (redirects >= c.maxRedirs) throw new GetError(ExitCode.TOO_MANY_REDIRECTS, `Maximum (${c.maxRedirs}) redirects followed`);
        redirects++;
        this.stats.numRedirects = redirects;
        this.stats.timeRedirect = this.#now();
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new GetError(ExitCode.WEIRD_SERVER_REPLY, `Bad redirect target ${JSON.stringify(location)}`);
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new GetError(ExitCode.UNSUPPORTED_PROTOCOL, `Redirect to protocol "${next.protocol.slice(0, -1)}" not supported`);
        }
        // RFC 9110 §15.4.2-4: 301/302 may, and 303 must, be followed with GET; curl does it for POST.
        if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          headers = headers.filter(([n]) => !/^content-(type|length)$/i.test(n));
        }
        if (next.origin !== url.origin) headers = headers.filter(([n]) => !/^(authorization|cookie)$/i.test(n));
        this.#info(`Issue another request to this URL: '${next.href}'`);
        url = next;
        continue;
      }
      if (c.fail && status >= 400) {
        await this.#drain(res).catch(() => undefined);
        throw new GetError(ExitCode.HTTP_RETURNED_ERROR, `The requested URL returned error: ${status}`);
      }
      if (method === 'HEAD' || c.head) {
        await this.#drain(res);
        return;
      }
      await this.#receiveBody(res, url);
      return;
    }
  }

  /** Send one request; resolves with the response once its head arrived. */
  #send(url: URL, method: string, headers: ReadonlyArray<readonly [string, string]>, body: Buffer | undefined): Promise<IncomingMessage> {
    const c = this.#c;
    const tls = url.protocol === 'https:';
    const port = url.port !== '' ? Number(url.port) : tls ? 443 : 80;
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const ctx: { -readonly [K in keyof FailureContext]: FailureContext[K] } = { host, port, tls, connected: false, secured: false, responseStarted: false };
    const out: Record<string, string | string[]> = {};
    const have = new Set(headers.map(([n]) => n.toLowerCase()));
    if (!have.has('user-agent') && !c.removed.has('user-agent')) out['User-Agent'] = c.userAgent;
    if (!have.has('accept') && !c.removed.has('accept')) out['Accept'] = '*/*';
    // The codings node:zlib decodes (curl also offers zstd, which node 20's zlib lacks).
    if (c.compressed && !have.has('accept-encoding')) out['Accept-Encoding'] = 'deflate, gzip, br';
    for (const [n, v] of headers) {
      const prev = out[n];
      out[n] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
    }
    if (body !== undefined) out['Content-Length'] = String(body.length);

    const lookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, options, (err, address: string | LookupAddress[], family?: number) => {
        this.stats.timeNamelookup = this.#now();
        if (err === null && c.verbose) {
          const list: LookupAddress[] = Array.isArray(address) ? address : [{ address, family: family ?? 4 }];
          this.#info(`Host ${hostname}:${port} was resolved.`);
          const v6 = list.filter((a) => a.family === 6).map((a) => a.address);
          const v4 = list.filter((a) => a.family === 4).map((a) => a.address);
          this.#info(`IPv6: ${v6.length > 0 ? v6.join(', ') : '(none)'}`);
          this.#info(`IPv4: ${v4.length > 0 ? v4.join(', ') : '(none)'}`);
          const first = list[0];
          if (first !== undefined) this.#info(`  Trying ${first.family === 6 ? `[${first.address}]` : first.address}:${port}...`);
        }
        (callback as (e: NodeJS.ErrnoException | null, a: string | LookupAddress[], f?: number) => void)(err, address, family);
      });
    };

    return new Promise<IncomingMessage>((resolve, reject) => {
      let connectTimer: ReturnType<typeof setTimeout> | undefined;
      const fail = (err: unknown): void => {
        if (connectTimer !== undefined) clearTimeout(connectTimer);
        reject(this.#timedOut ? this.#timeoutError() : classifyError(err, ctx));
      };
      let req: ClientRequest;
      try {
        req = this.#transport(url.protocol).request(url, {
          method,
          headers: out,
          agent: this.#transport(url.protocol).agent,
          lookup,
          setHost: !c.removed.has('host'),
        });
      } catch (err) {
        reject(new GetError(ExitCode.USAGE, `cannot build the request: ${(err as Error).message}`));
        return;
      }
      this.#current = { req };
      // HTTP/2 frames wait until the connection's phases are printed (FramePrinter#hold).
      this.#frames?.hold();
      req.once('error', () => this.#frames?.release());
      if (c.connectTimeoutMs !== undefined) {
        const ms = c.connectTimeoutMs;
        connectTimer = setTimeout(() => {
          req.destroy(new GetError(ExitCode.OPERATION_TIMEDOUT, `Connection timed out after ${Math.round(ms)} milliseconds (${host} port ${port})`));
        }, ms);
      }
      req.on('socket', (socket: Socket) => {
        if (this.#current?.req === req) this.#current.socket = socket;
        const st = this.stats;
        const connected = (): void => {
          ctx.connected = true;
          if (connectTimer !== undefined) clearTimeout(connectTimer);
          connectTimer = undefined;
          st.timeConnect = this.#now();
          st.remoteIp = socket.remoteAddress ?? '';
          st.remotePort = socket.remotePort;
          st.localIp = socket.localAddress ?? '';
          st.localPort = socket.localPort;
        };
        if (req.reusedSocket) {
          // No lookup, no handshake on a reused connection: those steps take no time.
          st.timeNamelookup = st.timeAppconnect = st.timePretransfer = this.#now();
          connected();
          ctx.secured = tls;
          this.#info(`Re-using existing connection #${this.#socketIds.get(socket) ?? '?'} with host ${host}`);
          this.#frames?.release();
          return;
        }
        const id = this.#nextSocketId++;
        this.#socketIds.set(socket, id);
        st.numConnects++;
        // An IP literal is not looked up: its "lookup" is done at once.
        if (isIP(host) !== 0) st.timeNamelookup = this.#now();
        // An IP literal needs no lookup, so the lookup hook above did not say where we connect.
        if (isIP(host) !== 0) this.#info(`  Trying ${url.hostname}:${port}...`);
        const onConnect = (): void => {
          connected();
          if (!tls) st.timePretransfer = this.#now();
          this.#info(`Connected to ${host} (${socket.remoteAddress ?? '?'}) port ${socket.remotePort ?? port} (connection #${id}, new)`);
        };
        const onSecure = (): void => {
          ctx.secured = true;
          st.timeAppconnect = st.timePretransfer = this.#now();
          this.#tlsInfo(socket as TLSSocket);
        };
        // An HTTP/2 session hands its request a socket already connected (and past ALPN): the
        // phases happened before 'socket'; report them now, with the times they are seen.
        const ready = (socket as { connecting?: boolean }).connecting === false;
        const secured = tls && ready && (socket as TLSSocket).alpnProtocol !== undefined && (socket as TLSSocket).alpnProtocol !== null;
        if (ready) onConnect();
        else socket.once('connect', onConnect);
        if (tls) {
          if (secured) onSecure();
          else socket.once('secureConnect', onSecure);
        }
        this.#frames?.release();
      });
      let headShown = false;
      const showHead = (): void => {
        if (headShown || !c.verbose) return;
        headShown = true;
        const raw = (req as unknown as { _header?: string | null })._header;
        if (typeof raw === 'string') {
          // Over HTTP/2 the head left as frames (printed above); show it as curl does, `HTTP/2`.
          const h2 = (req as unknown as { _trama?: { h2: unknown } })._trama?.h2 != null;
          for (const line of raw.split('\r\n').slice(0, -2)) {
            // Connection-specific fields never leave over HTTP/2 (RFC 9113 §8.2.2).
            if (h2 && /^(connection|keep-alive|transfer-encoding):/i.test(line)) continue;
            this.#io.stderr.write(`> ${h2 ? line.replace(/ HTTP\/1\.1$/, ' HTTP/2') : line}\n`);
          }
          this.#io.stderr.write('>\n');
        }
        if (body !== undefined && body.length > 0) this.#info(`upload completely sent off: ${body.length} bytes`);
      };
      req.on('finish', () => {
        const raw = (req as unknown as { _header?: string | null })._header;
        this.stats.sizeRequest += (typeof raw === 'string' ? Buffer.byteLength(raw, 'latin1') : 0) + (body?.length ?? 0);
        this.stats.sizeUpload += body?.length ?? 0;
        showHead();
      });
      req.on('error', fail);
      req.on('response', (res: IncomingMessage) => {
        this.stats.timeStarttransfer = this.#now();
        showHead();
        ctx.responseStarted = true;
        if (connectTimer !== undefined) clearTimeout(connectTimer);
        this.#current = { req, res, ...(this.#current?.socket !== undefined ? { socket: this.#current.socket } : {}) };
        if (c.verbose) {
          // curl's spelling: `HTTP/2`, not `HTTP/2.0`.
          const version = res.httpVersion === '2.0' ? '2' : res.httpVersion;
          this.#io.stderr.write(`< HTTP/${version} ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd() + '\n');
          const raw = res.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) this.#io.stderr.write(`< ${raw[i]}: ${raw[i + 1]}\n`);
          this.#io.stderr.write('<\n');
        }
        resolve(res);
      });
      req.end(body);
    });
  }

  #tlsInfo(socket: TLSSocket): void {
    if (!this.#c.verbose) return;
    const cipher = socket.getCipher();
    this.#info(`TLS connection using ${socket.getProtocol() ?? '?'} / ${cipher.name}`);
    this.#info(`ALPN: server accepted ${socket.alpnProtocol === false || socket.alpnProtocol === undefined ? '(none)' : socket.alpnProtocol}`);
    const cert = socket.getPeerCertificate();
    if (cert !== undefined && Object.keys(cert).length > 0) {
      const dn = (o: object | undefined): string =>
        o === undefined ? '?' : Object.entries(o).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`).join('; ');
      this.#info('Server certificate:');
      this.#info(` subject: ${dn(cert.subject)}`);
      this.#info(` issuer: ${dn(cert.issuer)}`);
      this.#info(` expire date: ${cert.valid_to}`);
    }
    if (socket.authorized) this.#info('TLS certificate verify ok.');
    else this.#info(`TLS certificate verify result: ${String(socket.authorizationError)}, continuing anyway (-k).`);
  }

  /** Read and discard a response body (a redirect's, a HEAD's); cut-short bodies still fail. */
  async #drain(res: IncomingMessage): Promise<void> {
    this.#bodyStart.set(res, this.#received);
    try {
      for await (const chunk of res) this.#received += (chunk as Buffer).length;
    } catch (err) {
      throw this.#bodyError(err, res);
    }
  }

  async #receiveBody(res: IncomingMessage, url: URL): Promise<void> {
    const c = this.#c;
    const lengthHeader = fieldValue(res.headers['content-length']);
    const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    const toFile = c.output !== undefined && c.output !== '-';
    const stderr = this.#io.stderr;
    const progress = toFile && stderr.isTTY === true && !c.silent && !c.verbose ? new ProgressBar(stderr, () => (stderr.columns !== undefined && stderr.columns > 0 ? stderr.columns : 80), total) : undefined;
    this.#bodyStart.set(res, this.#received);
    let source: Readable = res;
    let decodeError: Error | undefined;
    const coding = (fieldValue(res.headers['content-encoding']) ?? '').trim().toLowerCase();
    if (c.compressed && coding !== '' && coding !== 'identity') {
      const decoder = coding === 'gzip' || coding === 'x-gzip' ? createGunzip() : coding === 'br' ? createBrotliDecompress() : coding === 'deflate' ? createInflate() : undefined;
      if (decoder !== undefined) {
        res.on('error', (err) => decoder.destroy(err));
        decoder.on('error', (err) => {
          if (!res.destroyed || res.complete) decodeError ??= err;
        });
        source = res.pipe(decoder);
      }
    }
    // Event-driven, not `for await`: when the peer cuts the body short, node destroys the
    // response, and an async iterator would drop chunks still buffered; 'data' events hand
    // over every byte that arrived, so a partial download keeps all of them (as curl does).
    try {
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const settle = (err?: unknown): void => {
          if (settled) return;
          settled = true;
          if (err === undefined) resolve();
          else reject(err);
        };
        // Bytes are counted as received, before decoding.
        res.on('data', (chunk: Buffer) => {
          this.#received += chunk.length;
          progress?.add(chunk.length);
        });
        source.on('data', (chunk: Buffer) => {
          let more: boolean;
          try {
            more = this.#write(chunk);
          } catch (err) {
            source.destroy();
            settle(err);
            return;
          }
          if (!more) {
            source.pause();
            this.#file?.once('drain', () => source.resume());
          }
        });
        // Already gone (closed while the head was being written out): nothing more will come.
        if (res.destroyed && !res.complete) settle(new Error('incomplete'));
        source.once('end', () => settle());
        source.once('error', (err) => settle(err));
        res.once('error', (err) => settle(err));
        res.once('close', () => {
          if (!res.complete) settle(new Error('incomplete'));
        });
        this.#file?.once('error', (err) => settle(err));
      });
    } catch (err) {
      if (decodeError !== undefined && res.complete && !this.#timedOut) {
        throw new GetError(ExitCode.BAD_CONTENT_ENCODING, `Error while decoding the ${coding} body: ${decodeError.message}`);
      }
      throw this.#bodyError(err, res);
    } finally {
      this.stats.sizeDownload = this.#bodyBytes(res);
      progress?.finish();
    }
    if (!res.complete) throw this.#bodyError(new Error('incomplete'), res);
    if (c.verbose) {
      // res.socket is already detached (back in the agent's pool) once the body ended.
      const socket = this.#current?.socket;
      if (socket !== undefined && !socket.destroyed && res.headers.connection !== 'close') this.#info(`Connection #${this.#socketIds.get(socket) ?? '?'} to host ${url.hostname} left intact`);
      else this.#info('Closing connection');
    }
  }

  #bodyError(err: unknown, res: IncomingMessage): GetError {
    if (err instanceof GetError) return err;
    if (this.#timedOut) return this.#timeoutError();
    if (this.#writeError !== undefined) return new GetError(ExitCode.WRITE_ERROR, `Failed writing body: ${this.#writeError.message}`);
    if (!res.complete) {
      const len = fieldValue(res.headers['content-length']);
      if (len !== undefined && /^\d+$/.test(len)) {
        const got = this.#bodyBytes(res);
        return new GetError(ExitCode.PARTIAL_FILE, `transfer closed with ${Number(len) - got} bytes remaining to read`);
      }
      return new GetError(ExitCode.PARTIAL_FILE, 'transfer closed with outstanding read data remaining');
    }
    return new GetError(ExitCode.RECV_ERROR, `Failure when receiving data from the peer: ${(err as Error).message}`);
  }

  #bodyBytes(res: IncomingMessage): number {
    return this.#received - (this.#bodyStart.get(res) ?? 0);
  }

  async #openOutput(): Promise<void> {
    const c = this.#c;
    if (c.output === undefined || c.output === '-' || this.#file !== undefined) return;
    const file = createWriteStream(c.output);
    file.on('error', (err) => (this.#writeError ??= err));
    try {
      await once(file, 'open');
    } catch (err) {
      throw new GetError(ExitCode.WRITE_ERROR, `Failed to open ${c.output} for writing: ${(err as Error).message}`);
    }
    this.#file = file;
  }

  /** Write to the output (-o file or stdout), with backpressure. */
  async #emit(chunk: string | Buffer): Promise<void> {
    if (this.#c.output !== undefined && this.#c.output !== '-') await this.#openOutput();
    if (!this.#write(chunk) && this.#file !== undefined) await once(this.#file, 'drain');
  }

  /** Write to the opened output; false when the file wants a 'drain' first. */
  #write(chunk: string | Buffer): boolean {
    if (this.#writeError !== undefined) throw new GetError(ExitCode.WRITE_ERROR, `Failed writing body: ${this.#writeError.message}`);
    const out: Out = this.#file ?? this.#io.stdout;
    // A NUL byte is curl's sign of a binary body; on a terminal it is refused unless `-o -`.
    if (this.#file === undefined && this.#c.output === undefined && this.#io.stdout.isTTY === true && typeof chunk !== 'string' && chunk.includes(0)) {
      throw new GetError(ExitCode.WRITE_ERROR, BINARY_TO_TERMINAL);
    }
    if (this.#file !== undefined) this.#fileBytes += chunk.length;
    // stdout (a pipe or a file on Linux) writes synchronously; only the -o file pushes back.
    return out.write(chunk) !== false || this.#file === undefined;
  }

  async #closeFile(): Promise<void> {
    const f = this.#file;
    if (f === undefined) return;
    this.#file = undefined;
    await new Promise<void>((resolve) => f.end(() => resolve()));
  }
}

/** One value of a response field (a repeated one is joined, as a list field would be). */
function fieldValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The response head as curl's `-i` prints it: status line and fields, CRLF-terminated. */
function headText(res: IncomingMessage): string {
  let s = `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd() + '\r\n';
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) s += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return s + '\r\n';
}

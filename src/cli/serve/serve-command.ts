/**
 * `trama serve [dir]`: serve a folder over HTTP/1.1.
 *
 * Start-up prints the URL on stdout (`npm start` users click it); each request prints an
 * access-log line on stdout; problems go to stderr as one `trama: …` line.
 *
 * Decisions:
 * - Defaults: port 8080 (the usual development port, no privileges needed), host 127.0.0.1 (a
 *   development server is not exposed to the network unless asked with `--host 0.0.0.0`).
 * - Graceful shutdown on SIGINT/SIGTERM: stop accepting, answer in-flight requests with
 *   `Connection: close`, close idle keep-alive sockets (again after each in-flight response),
 *   end live event streams, then exit 0. After `--grace` seconds (default 10) the remaining
 *   connections are cut and the exit code is 1. A second signal cuts at once (exit 130).
 * - `--workers [N]`: node:cluster, N workers sharing the port (one per core when N is
 *   omitted). The primary prints the URL once, forwards the shutdown to every worker, waits
 *   for them, and restarts a worker that dies unexpectedly (at most MAX_RESTARTS per minute,
 *   then it gives up and shuts down with exit 1).
 * - Shutdown with workers: a worker listens for the primary's message (and for signals) before
 *   its server starts, and the primary tells again every worker that reports listening after the
 *   shutdown began, so a worker still starting is never missed. A signal to the whole process
 *   group (Ctrl-C) reaches the workers too: for a worker, that signal and the primary's message
 *   are one graceful request (only the primary escalates, on a second signal: SIGKILL). A worker
 *   still running `WORKER_EXIT_SLACK_SECONDS` after `--grace` is killed and the exit code is 1.
 */
import cluster, { type Worker } from 'node:cluster';
import { readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { integerOption, numberOption, parseCommandLine, stringOption, UsageError, type OptionSpec } from '../args.js';
import { createFileHandler, withAccessLog, type RequestListener, type ServeRequest, type ServeResponse } from './file-handler.js';
import { createHttpServer, SERVER_IMPLEMENTATION, type HttpServer } from './http-server.js';
import { LIVE_EVENTS_PATH, LiveEvents } from './live-events.js';

/** The port `trama serve` (and `npm start`) listens on by default. */
export const DEFAULT_PORT = 8080;
/** The default interface: loopback only. */
export const DEFAULT_HOST = '127.0.0.1';
/** Seconds in-flight responses get to finish after SIGINT/SIGTERM. */
export const DEFAULT_GRACE_SECONDS = 10;
/** Most unexpected worker restarts per minute before the primary gives up. */
export const MAX_RESTARTS = 5;
/** Upper bound for `--workers`. */
export const MAX_WORKERS = 256;

/** Where the command writes. */
export interface CommandIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

/** Options of `trama serve`. */
export const SERVE_OPTIONS: readonly OptionSpec[] = [
  { name: 'port', short: 'p', kind: 'value' },
  { name: 'host', kind: 'value' },
  { name: 'cors', kind: 'flag' },
  { name: 'workers', short: 'w', kind: 'optional-number' },
  { name: 'dotfiles', kind: 'flag' },
  { name: 'no-listing', kind: 'flag' },
  { name: 'no-compress', kind: 'flag' },
  { name: 'no-live', kind: 'flag' },
  { name: 'max-age', kind: 'value' },
  { name: 'grace', kind: 'value' },
  { name: 'quiet', short: 'q', kind: 'flag' },
  { name: 'single', short: 's', kind: 'flag' },
  { name: '404', kind: 'value' },
  { name: 'tls-cert', kind: 'value' },
  { name: 'tls-key', kind: 'value' },
  { name: 'help', short: 'h', kind: 'flag' },
];

/** Help text of `trama serve`. */
export const SERVE_USAGE = `Usage: trama serve [dir] [options]

Serve a folder (default: the current one) over HTTP/1.1 and HTTP/2 (h2c, or HTTPS
with --tls-cert/--tls-key): content types, ETag and
Last-Modified with conditional requests, ranges, gzip/brotli, directory listings.

Options:
  -p, --port N        port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
      --host ADDR     address to listen on (default ${DEFAULT_HOST}: this machine only, so a
                      development folder is not published to the network by accident;
                      0.0.0.0 or :: for every interface, e.g. to test from a phone)
      --cors          allow cross-origin requests (Access-Control-Allow-Origin: *)
  -w, --workers [N]   run N worker processes (node:cluster); one per core without N
      --dotfiles      serve names starting with "." (hidden by default: 404)
      --no-listing    404 instead of an HTML listing for folders without index.html
      --no-compress   never gzip/brotli responses
      --no-live       no live event stream at ${LIVE_EVENTS_PATH}
      --max-age S     Cache-Control: public, max-age=S (default: no-cache)
      --grace S       seconds in-flight responses get on shutdown (default ${DEFAULT_GRACE_SECONDS})
  -s, --single        single-page app: a missing path without an extension (/users/42)
                      gets the root's index.html (a missing /app.js stays 404)
      --404 FILE      the page sent with every 404 (default: 404.html in dir, if present)
  -q, --quiet         no access log
      --tls-cert FILE  serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with this PEM certificate
      --tls-key FILE   and this PEM private key (both or neither)
  -h, --help          this help
`;

/** The resolved configuration of one `serve` run. */
export interface ServeConfig {
  readonly root: string;
  readonly port: number;
  readonly host: string;
  readonly cors: boolean;
  readonly workers: number;
  readonly dotfiles: boolean;
  readonly listing: boolean;
  readonly compress: boolean;
  readonly live: boolean;
  readonly maxAge: number | undefined;
  readonly graceMs: number;
  readonly quiet: boolean;
  readonly single: boolean;
  /** The custom 404 page (`--404`, else `404.html` in the root when present). */
  readonly notFoundPage: string;
  /** PEM files for HTTPS (`--tls-cert`/`--tls-key`); without them, cleartext HTTP/1.1 and h2c. */
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
}

/**
 * Turn `trama serve` arguments into a configuration (usage errors throw {@link UsageError}).
 *
 * @example
 * parseServeArgs(['site', '--port', '0', '--cors']);
 */
export function parseServeArgs(argv: readonly string[]): ServeConfig | 'help' {
  const { options, positionals } = parseCommandLine(argv, SERVE_OPTIONS);
  if (options.help === true) return 'help';
  if (positionals.length > 1) throw new UsageError(`serve takes one folder, got ${positionals.length}: ${positionals.join(' ')}`);
  const root = resolve(positionals[0] ?? '.');
  const workersOpt = options.workers;
  const workers = workersOpt === undefined ? 0 : workersOpt === true ? availableParallelism() : (integerOption(options, 'workers', 1, MAX_WORKERS) ?? 0);
  return {
    root,
    port: integerOption(options, 'port', 0, 65535) ?? DEFAULT_PORT,
    host: stringOption(options, 'host') ?? DEFAULT_HOST,
    cors: options.cors === true,
    workers,
    dotfiles: options.dotfiles === true,
    listing: options['no-listing'] !== true,
    compress: options['no-compress'] !== true,
    live: options['no-live'] !== true,
    maxAge: numberOption(options, 'max-age'),
    graceMs: (numberOption(options, 'grace') ?? DEFAULT_GRACE_SECONDS) * 1000,
    quiet: options.quiet === true,
    single: options.single === true,
    notFoundPage: resolve(stringOption(options, '404') ?? join(root, '404.html')),
    tls: tlsFiles(stringOption(options, 'tls-cert'), stringOption(options, 'tls-key')),
  };
}

function tlsFiles(cert: string | undefined, key: string | undefined): ServeConfig['tls'] {
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new UsageError('--tls-cert and --tls-key go together');
  return { cert: resolve(cert), key: resolve(key) };
}

/** A server started by {@link startServe}. */
export interface RunningServe {
  readonly server: HttpServer;
  /** The URL to print, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  readonly port: number;
  /** Start the graceful shutdown (idempotent); resolves with the exit code. */
  shutdown(force?: boolean): Promise<number>;
}

/**
 * The request listener of a configuration: live endpoint, then files, behind the access log.
 *
 * @example
 * createServer(createServeListener(config, { stdout: process.stdout, stderr: process.stderr }, new LiveEvents()));
 */
export function createServeListener(config: ServeConfig, io: CommandIo, live: LiveEvents | undefined): RequestListener {
  const files = createFileHandler({
    root: config.root,
    dotfiles: config.dotfiles,
    listing: config.listing,
    cors: config.cors,
    compress: config.compress,
    maxAge: config.maxAge,
    single: config.single,
    notFoundPage: config.notFoundPage,
  });
  const routed: RequestListener =
    live === undefined
      ? files
      : (req, res) => {
          const url = req.url ?? '';
          if (url === LIVE_EVENTS_PATH || url.startsWith(LIVE_EVENTS_PATH + '?')) live.handle(req, res);
          else files(req, res);
        };
  return config.quiet ? routed : withAccessLog(routed, (line) => io.stdout.write(line + '\n'));
}

/**
 * Start serving in this process (no signal handlers: the caller decides when to shut down).
 *
 * @example
 * const running = await startServe({ ...parseServeArgs(['site', '--port', '0']) as ServeConfig }, io);
 * console.log(running.url);
 * await running.shutdown();
 */
export async function startServe(config: ServeConfig, io: CommandIo): Promise<RunningServe> {
  let st;
  try {
    st = statSync(config.root);
  } catch {
    throw new UsageError(`cannot serve ${config.root}: no such folder`);
  }
  if (!st.isDirectory()) throw new UsageError(`cannot serve ${config.root}: not a folder`);

  const live = config.live ? new LiveEvents() : undefined;
  const inner = createServeListener(config, io, live);
  const inflight = new Set<ServeResponse>();
  let closing = false;
  const server = createHttpServer((req: ServeRequest, res: ServeResponse) => {
    inflight.add(res);
    res.once('close', () => {
      inflight.delete(res);
      // The socket of a finished response is idle now: close it if we are shutting down.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    if (closing) res.setHeader('Connection', 'close');
    inner(req, res);
  }, readTlsFiles(config));

  await new Promise<void>((resolveListen, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(listenError(err, config));
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.removeListener('error', onError);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let done: Promise<number> | undefined;
  let forceNow: (() => void) | undefined;
  const shutdown = (force = false): Promise<number> => {
    if (done !== undefined) {
      if (force) forceNow?.();
      return done;
    }
    closing = true;
    done = new Promise<number>((resolveDone) => {
      let settled = false;
      const finish = (code: number): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolveDone(code);
      };
      const timer = setTimeout(() => {
        io.stderr.write(`trama: shutdown grace period over, cutting ${inflight.size} unfinished response(s)\n`);
        server.closeAllConnections();
        finish(1);
      }, config.graceMs);
      forceNow = () => {
        server.closeAllConnections();
        finish(130);
      };
      server.close(() => finish(0));
      for (const res of inflight) if (!res.headersSent) res.setHeader('Connection', 'close');
      live?.closeAll();
      server.closeIdleConnections();
      if (force) forceNow();
    });
    return done;
  };
  return { server, url: urlFor(config.host, port, config.tls !== undefined), port, shutdown };
}

function readTlsFiles(config: ServeConfig): { cert: Buffer; key: Buffer } | undefined {
  if (config.tls === undefined) return undefined;
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new UsageError(`cannot read the TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  return { cert: read(config.tls.cert, 'certificate'), key: read(config.tls.key, 'key') };
}

function urlFor(host: string, port: number, secure = false): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `${secure ? 'https' : 'http'}://${shown.includes(':') ? `[${shown}]` : shown}:${port}/`;
}

function listenError(err: NodeJS.ErrnoException, config: ServeConfig): Error {
  const where = `${config.host}:${config.port}`;
  if (err.code === 'EADDRINUSE') return new ServeError(`cannot listen on ${where}: the port is in use (choose another with --port)`);
  if (err.code === 'EACCES') return new ServeError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new ServeError(`cannot listen on ${where}: no such local address`);
  return new ServeError(`cannot listen on ${where}: ${err.message}`);
}

/**
 * A start-up failure of `serve` (exit code 1, one line).
 *
 * @example
 * throw new ServeError('cannot listen on 127.0.0.1:8080: the port is in use');
 */
export class ServeError extends Error {}

/**
 * Run `trama serve` with `argv` (the arguments after `serve`) until a signal stops it.
 * Resolves with the exit code.
 *
 * @example
 * process.exitCode = await serveCommand(['examples/site', '--port', '8080'], process);
 */
export async function serveCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const config = parseServeArgs(argv);
  if (config === 'help') {
    io.stdout.write(SERVE_USAGE);
    return 0;
  }
  if (config.workers > 0 && cluster.isPrimary) return runPrimary(config, io);
  return runSingle(config, io);
}

const SHUTDOWN_MESSAGE = 'trama:shutdown';
const LISTENING_MESSAGE = 'trama:listening';
/** Seconds the primary waits past `--grace` for its workers before it kills them. */
export const WORKER_EXIT_SLACK_SECONDS = 5;

function isShutdownMessage(m: unknown): boolean {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === SHUTDOWN_MESSAGE;
}

async function runSingle(config: ServeConfig, io: CommandIo): Promise<number> {
  const worker = cluster.isWorker;
  // Stop requests are taken from the start, not once the server listens: a request can come
  // while it is still starting (an early Ctrl-C; in a worker, the primary's message sent when
  // another worker was up first), and a message nobody listens to is lost for good.
  let stopNow: ((force: boolean) => void) | undefined;
  let early: boolean | undefined; // a request that came before the server was up: its force flag
  const request = (force: boolean): void => {
    if (stopNow !== undefined) stopNow(force);
    else early = early === true || force;
  };
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    // In a worker, a signal to the process group (Ctrl-C, a service manager) comes with the
    // primary's message: both are one graceful request; the primary escalates, not the worker.
    request(!worker && signals > 1);
  };
  const onMessage = (m: unknown): void => {
    if (isShutdownMessage(m)) request(false);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (worker) process.on('message', onMessage);
  const unlisten = (): void => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('message', onMessage);
  };

  let running: RunningServe;
  try {
    running = await startServe(config, io);
  } catch (err) {
    unlisten();
    // A worker reports to the primary, which prints one line for all of them.
    if ((err instanceof ServeError || err instanceof UsageError) && worker && process.send !== undefined) {
      process.send({ type: 'trama:failed', message: err.message });
      return 1;
    }
    throw err;
  }
  if (worker) {
    process.send?.({ type: LISTENING_MESSAGE, url: running.url });
  } else {
    io.stdout.write(`trama serve: ${config.root} on ${SERVER_IMPLEMENTATION === 'trama' ? "trama's" : "node's"} HTTP/1.1 server\n`);
    io.stdout.write(`trama serve: listening on ${running.url}  (Ctrl-C to stop)\n`);
  }
  return new Promise<number>((resolveRun) => {
    let announced = false;
    let finished = false;
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      unlisten();
      if (!worker) io.stdout.write(`trama serve: stopped\n`);
      resolveRun(code);
    };
    stopNow = (force) => {
      running.shutdown(force).then(finish, finish);
      // Said after the listening socket is closed: from this line on, connections are refused.
      if (!announced && !worker) io.stdout.write('trama serve: shutting down, letting in-flight responses finish\n');
      announced = true;
    };
    if (early !== undefined) stopNow(early);
  });
}

async function runPrimary(config: ServeConfig, io: CommandIo): Promise<number> {
  io.stdout.write(`trama serve: ${config.root} on ${SERVER_IMPLEMENTATION === 'trama' ? "trama's" : "node's"} HTTP/1.1 server, ${config.workers} workers\n`);
  return new Promise<number>((resolveRun) => {
    const workers = new Set<Worker>();
    const restarts: number[] = [];
    let shuttingDown = false;
    let printed = false;
    let exitCode = 0;
    let signals = 0;
    let deadline: ReturnType<typeof setTimeout> | undefined;

    const tell = (w: Worker): void => {
      // A worker that failed its start may be exiting as we tell it (EPIPE): its 'exit' follows
      // and is what counts, so the send's error is not the primary's (without a callback it
      // would be thrown as an 'error' nobody listens to).
      if (w.isConnected()) w.send({ type: SHUTDOWN_MESSAGE }, undefined, undefined, () => {});
    };
    const fork = (): void => {
      const w = cluster.fork();
      workers.add(w);
      w.on('message', (m: { type?: string; url?: string; message?: string }) => {
        if (m.type === LISTENING_MESSAGE) {
          // A worker that started listening after the shutdown began is told again: the first
          // message may have reached it before it was listening for one (it stops only once).
          if (shuttingDown) tell(w);
          else if (!printed) {
            printed = true;
            io.stdout.write(`trama serve: listening on ${m.url}  (Ctrl-C to stop)\n`);
          }
        } else if (m.type === 'trama:failed' && !shuttingDown) {
          io.stderr.write(`trama: ${m.message}\n`);
          exitCode = 1;
          stop();
        }
      });
      w.on('exit', (code, signal) => {
        workers.delete(w);
        if (!shuttingDown) {
          const now = Date.now();
          while (restarts.length > 0 && now - restarts[0]! > 60_000) restarts.shift();
          if (restarts.length >= MAX_RESTARTS) {
            io.stderr.write(`trama: workers keep dying (last: ${signal ?? `exit ${code}`}), giving up\n`);
            exitCode = 1;
            stop();
          } else {
            restarts.push(now);
            io.stderr.write(`trama: worker ${w.process.pid} died (${signal ?? `exit ${code}`}), starting another\n`);
            fork();
          }
        } else if (code !== 0 && !(signal === 'SIGINT' || signal === 'SIGTERM')) {
          // A worker ended by the group's own SIGINT/SIGTERM was still starting (it handles them
          // before it listens), so it had nothing to finish: that is a clean stop, not a failure.
          exitCode = exitCode === 0 ? (code ?? 1) : exitCode;
        }
        finishIfDone();
      });
    };
    const finishIfDone = (): void => {
      if (!shuttingDown || workers.size > 0) return;
      clearTimeout(deadline);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      io.stdout.write('trama serve: stopped\n');
      resolveRun(exitCode);
    };
    const stop = (): void => {
      if (shuttingDown) return;
      shuttingDown = true;
      for (const w of workers) tell(w);
      // The workers cut their connections at --grace; one that is still there after it (stuck,
      // or never told) is killed, so the primary always ends.
      deadline = setTimeout(() => {
        io.stderr.write(`trama: ${workers.size} worker(s) still running after the grace period, killing them\n`);
        exitCode = 1;
        for (const w of workers) w.process.kill('SIGKILL');
      }, config.graceMs + WORKER_EXIT_SLACK_SECONDS * 1000);
      finishIfDone();
    };
    const onSignal = (): void => {
      signals++;
      if (signals === 1) {
        io.stdout.write('trama serve: shutting down, letting in-flight responses finish\n');
        stop();
      } else {
        // A second signal: the workers were told twice; cut them now.
        for (const w of workers) w.process.kill('SIGKILL');
        exitCode = 130;
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    for (let i = 0; i < config.workers; i++) fork();
  });
}

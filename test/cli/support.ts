// Shared helpers for the `trama` command's tests: a fixture tree, raw and parsed HTTP
// exchanges, spawning `bin/trama.js`, and peer-binary checks.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';
import { request as tramaRequest } from '../../src/http/client-request.js';

export const TRAMA_BIN = join(REPO_ROOT, 'bin', 'trama.js');

/** Peer binaries: missing → skip with a reason, unless TRAMA_REQUIRE_PEERS=1 (then fail). */
export function peerSkip(binary: string, hint: string): string | false {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).status === 0;
  if (found) return false;
  if (process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${binary} is not installed (${hint})`);
  return `skipped: ${binary} is not installed (${hint})`;
}

/** The fixture tree every file-server test serves, plus a sibling folder outside the root. */
export interface Fixture {
  readonly base: string;
  readonly root: string;
  readonly outside: string;
  readonly big: Buffer;
  readonly image: Buffer;
  cleanup(): void;
}

/** Names that try to break out of HTML and URLs, as files in `sub/`. */
export const HOSTILE_NAMES = ['<img src=x onerror=alert(1)>.txt', `a"b'c&d.txt`, 'q?x#y.txt', 'space name.txt', 'percent%2e.txt'];

export function makeFixture(): Fixture {
  const base = mkdtempSync(join(tmpdir(), 'trama-cli-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'outside secret\n');
  writeFileSync(join(root, 'hello.txt'), 'hello world\n');
  // Compressible and larger than the compression threshold.
  const big = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(500), 'utf8');
  writeFileSync(join(root, 'big.txt'), big);
  const image = Buffer.alloc(3000);
  for (let i = 0; i < image.length; i++) image[i] = (i * 7919) & 0xff;
  writeFileSync(join(root, 'image.png'), image);
  writeFileSync(join(root, 'empty.txt'), '');
  writeFileSync(join(root, '.secret'), 'dot secret\n');
  mkdirSync(join(root, '.git'));
  writeFileSync(join(root, '.git', 'config'), '[core]\n');
  mkdirSync(join(root, 'sub'));
  for (const n of HOSTILE_NAMES) writeFileSync(join(root, 'sub', n), `content of ${n}\n`);
  mkdirSync(join(root, 'site'));
  writeFileSync(join(root, 'site', 'index.html'), '<!doctype html><title>site</title><p>index</p>\n');
  symlinkSync(join(outside, 'secret.txt'), join(root, 'link-out'));
  symlinkSync(outside, join(root, 'dirlink-out'));
  symlinkSync('hello.txt', join(root, 'link-in'));
  return { base, root, outside, big, image, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/** node's and trama's HTTP servers alike: a net.Server with closeAllConnections(). */
export type HttpLikeServer = NetServer & { closeAllConnections(): void };

/** Listen on 127.0.0.1:0 and return the port. */
export async function listen(server: HttpLikeServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

export async function close(server: HttpLikeServer): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A response read from a raw socket: exactly the bytes the server sent. */
export interface RawResponse {
  readonly status: number;
  readonly head: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * Send `target` verbatim (no client normalizes it) with `Connection: close`, read to the end.
 * The body is what follows the head, unparsed (tests use it for length-delimited answers).
 */
export async function rawRequest(port: number, method: string, target: string, extra: Record<string, string> = {}, timeoutMs = 20_000): Promise<RawResponse> {
  const socket = connect(port, '127.0.0.1');
  // A response that never completes fails this request, not the whole file's timeout.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    socket.destroy();
  }, timeoutMs);
  let head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`;
  for (const [k, v] of Object.entries(extra)) head += `${k}: ${v}\r\n`;
  // Not end(): node:http closes a half-closed connection before an async response is ready.
  socket.write(head + '\r\n');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'close');
  clearTimeout(timer);
  const all = Buffer.concat(chunks);
  if (timedOut) throw new Error(`${method} ${target}: no complete response within ${timeoutMs} ms (${all.length} bytes received)`);
  const end = all.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no response head in ${JSON.stringify(all.toString('latin1').slice(0, 200))}`);
  const headText = all.subarray(0, end).toString('latin1');
  const [statusLine, ...lines] = headText.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine!.split(' ')[1]), head: headText, headers, body: all.subarray(end + 4) };
}

/** A parsed response through an HTTP client; repeated fields joined with ", ". */
export interface ClientResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

/** GET (or `method`) through trama's client, no agent: the "client" side of the file-server tests. */
export async function fetchWith(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const req = tramaRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const flat: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The result of a finished child process. */
export interface Ran {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** How long a spawned `trama` may run before the test kills it (a hang guard). */
export const RUN_GUARD_MS = 90_000;

/** Run `node bin/trama.js ...args` to its end. */
export async function runTrama(args: readonly string[], options: { stdin?: string | Buffer; cwd?: string; timeoutMs?: number } = {}): Promise<Ran> {
  if (!existsSync(join(REPO_ROOT, 'dist', 'esm', 'cli', 'main.js'))) throw new Error('dist/esm is not built: run `npm run build` (npm test does)');
  const child = spawn(process.execPath, [TRAMA_BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  child.stdin.end(options.stdin);
  // A guard against a hung child, not a speed check: on a machine shared by many suites (load
  // average 50 on 2 cores was seen) a node start-up alone took over 20 s.
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? RUN_GUARD_MS);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout: Buffer.concat(out), stderr: err };
}

/** A `trama serve` process started by {@link startServeProcess}. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  output(): string;
  errors(): string;
  /** Send `signal` to the server; with `{ group: true }` at start, to its whole process group (primary and workers, as Ctrl-C does). */
  signal(signal: NodeJS.Signals): void;
  /** The exit code once the process is gone; after `ms` it is killed (with its workers) and this rejects. */
  exitWithin(ms: number): Promise<number | null>;
}

/**
 * Start `node bin/trama.js serve ...` and wait for its "listening on URL" line. Nothing of it
 * outlives a failed test or the test process: cluster workers end with their primary (their IPC
 * channel closes), and with `group` the server leads its own process group, which is killed
 * whole. Without `group` a terminal's Ctrl-C on the test run reaches the server too.
 */
export async function startServeProcess(args: readonly string[], options: { group?: boolean } = {}): Promise<ServeProcess> {
  const group = options.group === true;
  const child = spawn(process.execPath, [TRAMA_BIN, 'serve', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  const send = (signal: NodeJS.Signals): void => {
    try {
      if (group) process.kill(-child.pid!, signal);
      else if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    } catch {
      // Gone already.
    }
  };
  // A test process that ends (timeout, crash) must not leave a server behind.
  const reap = (): void => send('SIGKILL');
  process.once('exit', reap);
  const closed = once(child, 'close') as Promise<[number | null]>;
  closed.then(
    () => {
      process.removeListener('exit', reap);
      // A worker that outlived its primary would be a bug of the server; still, leave nothing.
      if (group) send('SIGKILL');
    },
    () => undefined,
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening: ${err}`)));
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    output: () => out,
    errors: () => err,
    signal: send,
    exitWithin: async (ms) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          send('SIGKILL');
          reject(new Error(`trama serve did not exit within ${ms} ms; stdout: ${JSON.stringify(out)} stderr: ${JSON.stringify(err)}`));
        }, ms);
      });
      try {
        return (await Promise.race([closed, late]))[0];
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Resolve when `predicate(text so far)` holds for the child's stdout. */
export function waitForOutput(child: ChildProcess, predicate: (text: string) => boolean, seed = ''): Promise<void> {
  let text = seed;
  if (predicate(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const onData = (c: Buffer): void => {
      text += c.toString('utf8');
      if (predicate(text)) {
        child.stdout!.removeListener('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
  });
}

/** Lines of a child's stderr that are not empty. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '');
}

/** The one-line-error rule: exactly one stderr line, starting with `trama: `, matching `pattern`. */
export function assertOneErrorLine(stderr: string, pattern: RegExp): void {
  const lines = errorLines(stderr);
  assert.equal(lines.length, 1, `one line, got: ${JSON.stringify(stderr)}`);
  assert.match(lines[0]!, /^trama: /);
  assert.match(lines[0]!, pattern);
}

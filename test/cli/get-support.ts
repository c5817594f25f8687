// `trama get`'s tests, split over files (each spawns dozens of processes, and the runner allows a
// file 120 s on a loaded machine): the local server (trama's own) with a route per behaviour,
// request markers, and the one-line-error rule.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createServer, type RequestListener } from '../../src/http/server.js';
import { close, errorLines, listen, type HttpLikeServer } from './support.js';


// The local server is trama's own: `trama get` against trama's server.
type IncomingMessage = Parameters<RequestListener>[0];
type ServerResponse = Parameters<RequestListener>[1];

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const seen: Seen[] = [];
let server: HttpLikeServer;
/** The local server's port and a scratch folder, set by {@link serveRoutes}' before(). */
export const state = { port: 0, base: '' };

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/hello':
      res.setHeader('Content-Type', 'text/plain');
      res.end('hello\n');
      return;
    case '/echo':
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] ?? null }));
      return;
    case '/redirect': {
      const status = Number(url.searchParams.get('status') ?? '302');
      const n = Number(url.searchParams.get('n') ?? '1');
      res.statusCode = status;
      res.setHeader('Location', n > 1 ? `/redirect?status=${status}&n=${n - 1}` : '/echo');
      res.end('moved\n');
      return;
    }
    case '/loop':
      res.statusCode = 302;
      res.setHeader('Location', '/loop');
      res.end();
      return;
    case '/missing':
      res.statusCode = 404;
      res.end('no such thing\n');
      return;
    case '/gzip':
      res.setHeader('Content-Encoding', 'gzip');
      res.end(gzipSync('decoded body\n'));
      return;
    case '/big': {
      res.setHeader('Content-Length', 1 << 20);
      res.end(Buffer.alloc(1 << 20, 0x61));
      return;
    }
    case '/never':
      // Never answers: --max-time must fire.
      return;
    default:
      res.statusCode = 404;
      res.end();
  }
}

/** Register the local server (before) and its teardown (after) in the calling test file. */
export function serveRoutes(): void {
before(async () => {
  state.base = mkdtempSync(join(tmpdir(), 'trama-get-'));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      route(req, res, body);
    });
  });
  state.port = await listen(server);
});
after(async () => {
  await close(server);
  rmSync(state.base, { recursive: true, force: true });
});
}

export const u = (path: string): string => `http://127.0.0.1:${state.port}${path}`;

// Tests run concurrently: each request that a test inspects carries its own marker.
let markers = 0;
export const mark = (): string => `m${++markers}`;
export const seenWith = (marker: string): Seen[] => seen.filter((s) => s.url.includes(`m=${marker}`));

/** The one-line-error rule: exactly one stderr line, starting with `trama: `. */
export function assertOneErrorLine(stderr: string, pattern: RegExp): void {
  const lines = errorLines(stderr);
  assert.equal(lines.length, 1, `one line, got: ${JSON.stringify(stderr)}`);
  assert.match(lines[0]!, /^trama: /);
  assert.match(lines[0]!, pattern);
}

// `trama get` as a user runs it: `node bin/trama.js get …` spawned against a local server
// (routes for each behaviour) and raw sockets that misbehave. TLS and nginx: get-peers.test.ts;
// the curl options compared with curl: get-options.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createServer, type RequestListener } from '../../src/http/server.js';
import { assertOneErrorLine, close, listen, runTrama, type HttpLikeServer } from './support.js';

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
let port: number;
let base: string;

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

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'trama-get-'));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      route(req, res, body);
    });
  });
  port = await listen(server);
});
after(async () => {
  await close(server);
  rmSync(base, { recursive: true, force: true });
});

const u = (path: string) => `http://127.0.0.1:${port}${path}`;

// Tests run concurrently: each request that a test inspects carries its own marker.
let markers = 0;
const mark = (): string => `m${++markers}`;
const seenWith = (marker: string): Seen[] => seen.filter((s) => s.url.includes(`m=${marker}`));


describe('requests and output', { concurrency: true }, () => {
  test("get runs on trama's client", async () => {
    const { CLIENT_IMPLEMENTATION } = await import('../../src/cli/get/transport.js');
    assert.equal(CLIENT_IMPLEMENTATION, 'trama');
  });

  test('GET to stdout, exit 0, nothing on stderr', async () => {
    const r = await runTrama(['get', u('/hello')]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.toString(), 'hello\n');
    assert.equal(r.stderr, '');
  });

  test('default headers; -H adds, -H "Name:" removes, -A sets the agent', async () => {
    const [m1, m2] = [mark(), mark()];
    await runTrama(['get', '-H', 'X-Trace: abc', '-H', 'Accept:', '-A', 'probe/1', u(`/hello?m=${m1}`)]);
    const s = seenWith(m1)[0]!;
    assert.equal(s.headers['x-trace'], 'abc');
    assert.equal(s.headers.accept, undefined);
    assert.equal(s.headers['user-agent'], 'probe/1');
    await runTrama(['get', u(`/hello?m=${m2}`)]);
    assert.match(String(seenWith(m2)[0]!.headers['user-agent']), /^trama\/\d+\.\d+\.\d+/);
    assert.equal(seenWith(m2)[0]!.headers.accept, '*/*');
  });

  test('-d joins with & and POSTs a form; -X overrides the method', async () => {
    const r = await runTrama(['get', '-d', 'a=1', '-d', 'b=2', u('/echo')]);
    assert.deepEqual(JSON.parse(r.stdout.toString()), { method: 'POST', body: 'a=1&b=2', type: 'application/x-www-form-urlencoded' });
    const p = await runTrama(['get', '-X', 'PUT', '-H', 'Content-Type: text/plain', '--data-raw', '@literal', u('/echo')]);
    assert.deepEqual(JSON.parse(p.stdout.toString()), { method: 'PUT', body: '@literal', type: 'text/plain' });
  });

  test('-d @file strips CR/LF, --data-binary @file keeps them, @- reads stdin', async () => {
    const f = join(base, 'data.txt');
    writeFileSync(f, 'x=1\r\ny=2\n');
    assert.equal(JSON.parse((await runTrama(['get', '-d', `@${f}`, u('/echo')])).stdout.toString()).body, 'x=1y=2');
    assert.equal(JSON.parse((await runTrama(['get', '--data-binary', `@${f}`, u('/echo')])).stdout.toString()).body, 'x=1\r\ny=2\n');
    assert.equal(JSON.parse((await runTrama(['get', '--data-binary', '@-', u('/echo')], { stdin: 'from stdin' })).stdout.toString()).body, 'from stdin');
    const mixed = await runTrama(['get', '--data-raw', 'first', '-d', 'second', '--data-binary', 'third', u('/echo')]);
    assert.equal(JSON.parse(mixed.stdout.toString()).body, 'first&second&third', 'command-line order');
    const missing = await runTrama(['get', '-d', `@${join(base, 'nope')}`, u('/echo')]);
    assert.equal(missing.code, 26);
    assertOneErrorLine(missing.stderr, /Failed to read data/);
  });

  test('-i prefixes the head; -I sends HEAD and prints the head only', async () => {
    const i = (await runTrama(['get', '-i', u('/hello')])).stdout.toString();
    assert.match(i, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(i, /\r\nContent-Type: text\/plain\r\n/);
    assert.ok(i.endsWith('\r\n\r\nhello\n'));
    const m = mark();
    const h = (await runTrama(['get', '-I', u(`/hello?m=${m}`)])).stdout.toString();
    assert.equal(seenWith(m)[0]!.method, 'HEAD');
    assert.match(h, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(h.endsWith('\r\n\r\n'));
  });

  test('-o FILE writes the body there, stdout stays empty', async () => {
    const out = join(base, 'out.bin');
    const r = await runTrama(['get', '-o', out, u('/big')]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.length, 0);
    assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal');
    assert.deepEqual(readFileSync(out), Buffer.alloc(1 << 20, 0x61));
  });

  test('--compressed asks for deflate/gzip/br and decodes', async () => {
    const m = mark();
    const r = await runTrama(['get', '--compressed', u(`/gzip?m=${m}`)]);
    assert.equal(r.stdout.toString(), 'decoded body\n');
    assert.equal(seenWith(m)[0]!.headers['accept-encoding'], 'deflate, gzip, br');
  });

  test('-f: 404 → exit 22 and no body; without -f the body is printed', async () => {
    const f = await runTrama(['get', '-f', u('/missing')]);
    assert.equal(f.code, 22);
    assert.equal(f.stdout.length, 0);
    assertOneErrorLine(f.stderr, /returned error: 404/);
    const n = await runTrama(['get', u('/missing')]);
    assert.equal(n.code, 0);
    assert.equal(n.stdout.toString(), 'no such thing\n');
  });
});

describe('redirects', { concurrency: true }, () => {
  test('-L follows a chain; without -L the redirect itself is the answer', async () => {
    assert.equal(JSON.parse((await runTrama(['get', '-L', u('/redirect?n=3')])).stdout.toString()).method, 'GET');
    assert.equal((await runTrama(['get', u('/redirect')])).stdout.toString(), 'moved\n');
  });
  test('303 and 302 turn POST into GET without body; 307 and 308 keep both', async () => {
    for (const [status, method, body] of [
      ['303', 'GET', ''],
      ['302', 'GET', ''],
      ['307', 'POST', 'k=v'],
      ['308', 'POST', 'k=v'],
    ] as const) {
      const r = JSON.parse((await runTrama(['get', '-L', '-d', 'k=v', u(`/redirect?status=${status}`)])).stdout.toString());
      assert.equal(r.method, method, status);
      assert.equal(r.body, body, status);
    }
  });
  test('a redirect loop stops at --max-redirs with exit 47', async () => {
    const r = await runTrama(['get', '-L', '--max-redirs', '5', u('/loop')]);
    assert.equal(r.code, 47);
    assertOneErrorLine(r.stderr, /Maximum \(5\) redirects followed/);
  });
  test('-v shows DNS, the new connection, heads, and its reuse after a redirect', async () => {
    const r = await runTrama(['get', '-v', '-L', `http://localhost:${port}/redirect`]);
    assert.equal(r.code, 0);
    const e = r.stderr;
    assert.match(e, /^\* Host localhost:\d+ was resolved\.$/m);
    assert.match(e, /^\* IPv4: 127\.0\.0\.1/m);
    assert.match(e, /^\* Connected to localhost \(127\.0\.0\.1\) port \d+ \(connection #0, new\)$/m);
    assert.match(e, /^> GET \/redirect HTTP\/1\.1$/m);
    assert.match(e, /^> Host: localhost:\d+$/m);
    assert.match(e, /^< HTTP\/1\.1 302 Found$/m);
    assert.match(e, /^< Location: \/echo$/m);
    assert.match(e, /^\* Re-using existing connection #0 with host localhost$/m);
    assert.match(e, /^> GET \/echo HTTP\/1\.1$/m);
    assert.match(e, /^\* Connection #0 to host localhost left intact$/m);
    assert.ok(e.indexOf('Connected to') < e.indexOf('> GET /redirect') && e.indexOf('< HTTP/1.1 302') < e.indexOf('Re-using'));
  });
});

describe('bad input and failures: one line, curl exit codes', { concurrency: true }, () => {
  test('header injection in -H → exit 2, nothing sent', async () => {
    const m = mark();
    const r = await runTrama(['get', '-H', 'a: b\r\nc: d', u(`/hello?m=${m}`)]);
    assert.equal(r.code, 2);
    assertOneErrorLine(r.stderr, /header injection refused/);
    assert.deepEqual(seenWith(m), []);
  });
  test('usage mistakes → exit 2', async () => {
    assertOneErrorLine((await runTrama(['get'])).stderr, /needs a URL/);
    const bad = await runTrama(['get', '--bogus', u('/hello')]);
    assert.equal(bad.code, 2);
    assertOneErrorLine(bad.stderr, /unknown option --bogus/);
    assert.equal((await runTrama(['frobnicate'])).code, 2);
  });
  test('unsupported protocol → 1; malformed URL → 3', async () => {
    const ftp = await runTrama(['get', 'ftp://127.0.0.1/']);
    assert.equal(ftp.code, 1);
    assertOneErrorLine(ftp.stderr, /Protocol "ftp" not supported/);
    const bad = await runTrama(['get', 'http://[::1/']);
    assert.equal(bad.code, 3);
    assertOneErrorLine(bad.stderr, /Malformed/);
  });
  test('closed port → exit 7', async () => {
    const probe = createNetServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const closed = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const r = await runTrama(['get', `http://127.0.0.1:${closed}/`]);
    assert.equal(r.code, 7);
    assertOneErrorLine(r.stderr, new RegExp(`Failed to connect to 127\\.0\\.0\\.1 port ${closed}: Connection refused`));
  });
  test('unresolvable host → exit 6', async () => {
    const r = await runTrama(['get', '--max-time', '15', 'http://no-such-host.invalid/']);
    assert.equal(r.code, 6);
    assertOneErrorLine(r.stderr, /Could not resolve host: no-such-host\.invalid/);
  });
  test('--max-time on a server that never answers → exit 28', async () => {
    const r = await runTrama(['get', '--max-time', '0.3', u('/never')]);
    assert.equal(r.code, 28);
    assertOneErrorLine(r.stderr, /Operation timed out after 300 milliseconds/);
  });

  describe('misbehaving servers (raw sockets)', { concurrency: true }, () => {
    let raw: NetServer;
    let rawPort: number;
    before(async () => {
      raw = createNetServer((socket: Socket) => {
        let buf = '';
        socket.on('data', (c: Buffer) => {
          buf += c.toString('latin1');
          if (!buf.includes('\r\n\r\n')) return;
          const path = buf.split(' ')[1];
          if (path === '/cut') socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
          else if (path === '/cut-chunked') socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
          else if (path === '/empty') socket.destroy();
          else if (path === '/garbage') socket.end('NOT HTTP AT ALL\r\n\r\n');
          else socket.end('HTTP/1.1 204 No Content\r\n\r\n');
        });
        socket.on('error', () => undefined);
      });
      raw.listen(0, '127.0.0.1');
      await once(raw, 'listening');
      rawPort = (raw.address() as AddressInfo).port;
    });
    after(() => new Promise<void>((r) => raw.close(() => r())));

    test('a body cut short (Content-Length) → exit 18, partial output kept', async () => {
      const out = join(base, 'partial.bin');
      const r = await runTrama(['get', '-o', out, `http://127.0.0.1:${rawPort}/cut`]);
      assert.equal(r.code, 18);
      assertOneErrorLine(r.stderr, /transfer closed with 90 bytes remaining to read/);
      assert.equal(readFileSync(out, 'latin1'), '0123456789');
    });
    test('a chunked body without its last chunk → exit 18', async () => {
      const r = await runTrama(['get', `http://127.0.0.1:${rawPort}/cut-chunked`]);
      assert.equal(r.code, 18);
      assertOneErrorLine(r.stderr, /transfer closed with outstanding read data remaining/);
    });
    test('connection closed without a reply → exit 52', async () => {
      const r = await runTrama(['get', `http://127.0.0.1:${rawPort}/empty`]);
      assert.equal(r.code, 52);
      assertOneErrorLine(r.stderr, /Empty reply from server/);
    });
    test('not HTTP → exit 8', async () => {
      const r = await runTrama(['get', `http://127.0.0.1:${rawPort}/garbage`]);
      assert.equal(r.code, 8);
      assertOneErrorLine(r.stderr, /Weird server reply/);
    });
  });
});

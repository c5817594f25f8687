// `trama serve`'s file server on trama's server, over real sockets, in-process on 127.0.0.1:0: raw requests for
// the exact bytes (traversal targets no client would send), an HTTP client for parsed answers,
// and curl as a real peer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createFileHandler, withAccessLog, COMPRESS_MIN_BYTES } from '../../src/cli/serve/file-handler.js';
import { createHttpServer } from '../../src/cli/serve/http-server.js';
import { LIVE_EVENTS_PATH, LiveEvents } from '../../src/cli/serve/live-events.js';
import { createServer as createNodeServer } from 'node:http';
import { close, fetchWith, HOSTILE_NAMES, listen, makeFixture, peerSkip, rawRequest, type Fixture, type HttpLikeServer } from './support.js';

const run = promisify(execFile);

let fx: Fixture;
let server: HttpLikeServer;
let port: number;
const logLines: string[] = [];

before(async () => {
  fx = makeFixture();
  server = createHttpServer(withAccessLog(createFileHandler({ root: fx.root }), (l) => logLines.push(l)));
  port = await listen(server);
});
after(async () => {
  await close(server);
  fx.cleanup();
});

describe('files, types, HEAD, directories', () => {
  test('a file: body, type, validators, length', async () => {
    const r = await fetchWith(port, '/hello.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello world\n');
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.headers['content-length'], '12');
    assert.match(r.headers.etag!, /^W\/"c-[0-9a-f]+"$/);
    assert.ok(r.headers['last-modified']!.endsWith(' GMT'));
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  });

  test('binary file: bytes intact, no Vary (not compressible)', async () => {
    const r = await fetchWith(port, '/image.png', { 'accept-encoding': 'gzip, br' });
    assert.equal(r.headers['content-type'], 'image/png');
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal(r.headers.vary, undefined);
    assert.deepEqual(r.body, fx.image);
  });

  test('HEAD: the GET head without a body (raw bytes)', async () => {
    const get = await rawRequest(port, 'GET', '/big.txt');
    const head = await rawRequest(port, 'HEAD', '/big.txt');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], String(fx.big.length));
    for (const h of ['content-type', 'etag', 'last-modified', 'content-length', 'accept-ranges', 'vary']) assert.equal(head.headers[h], get.headers[h], h);
  });

  test('empty file', async () => {
    const r = await fetchWith(port, '/empty.txt');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '0');
    assert.equal(r.body.length, 0);
  });

  test('folder without slash → 301 to folder/, keeping the query', async () => {
    const r = await rawRequest(port, 'GET', '/sub?x=1');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/sub/?x=1');
  });

  test('// cannot become a protocol-relative redirect', async () => {
    const r = await rawRequest(port, 'GET', '//sub');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/sub/');
  });

  test('folder with index.html serves it', async () => {
    const r = await fetchWith(port, '/site/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.body.toString(), /<p>index<\/p>/);
  });

  test('listing: hostile names escaped and encoded; every link leads to its file', async () => {
    const r = await fetchWith(port, '/sub/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
    const html = r.body.toString();
    assert.ok(!html.includes('<img'), 'a file name never becomes markup');
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&#39;/g, "'").replace(/&amp;/g, '&'));
    for (const name of HOSTILE_NAMES) {
      const href = hrefs.find((h) => decodeURIComponent(h) === `/sub/${name}`);
      assert.ok(href !== undefined, `a link for ${name}`);
      const file = await rawRequest(port, 'GET', href);
      assert.equal(file.status, 200, href);
      assert.equal(file.body.toString(), `content of ${name}\n`);
    }
  });

  test('root listing hides dotfiles', async () => {
    const html = (await fetchWith(port, '/')).body.toString();
    assert.ok(html.includes('hello.txt'));
    assert.ok(!html.includes('.secret') && !html.includes('.git'));
  });

  test('methods other than GET/HEAD/OPTIONS → 405 with Allow', async () => {
    const r = await rawRequest(port, 'PUT', '/hello.txt', { 'content-length': '0' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD, OPTIONS');
  });
});

describe('no escape from the root', () => {
  const attempts: Array<[string, number]> = [
    ['/../outside/secret.txt', 403],
    ['/%2e%2e/outside/secret.txt', 403],
    ['/%2E%2E/outside/secret.txt', 403],
    ['/sub/..%2f..%2foutside/secret.txt', 403],
    ['/..%5coutside%5csecret.txt', 403],
    ['/..\\outside\\secret.txt', 403],
    ['/hello.txt%00.png', 403],
    ['/link-out', 404],
    ['/dirlink-out/secret.txt', 404],
    ['/dirlink-out/', 404],
    ['/%zz', 400],
  ];
  for (const [target, status] of attempts) {
    test(`${target} → ${status}, nothing from outside`, async () => {
      const r = await rawRequest(port, 'GET', target);
      assert.equal(r.status, status);
      assert.ok(!r.body.toString().includes('outside secret'));
    });
  }
  test('a symlink inside the root is followed', async () => {
    const r = await rawRequest(port, 'GET', '/link-in');
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello world\n');
  });
  test('dotfiles are 404, plain or encoded', async () => {
    for (const t of ['/.secret', '/.git/config', '/%2esecret', '/.git/']) assert.equal((await rawRequest(port, 'GET', t)).status, 404, t);
  });
  test('the server keeps serving after every attempt', async () => {
    assert.equal((await fetchWith(port, '/hello.txt')).status, 200);
  });
});

describe('conditional requests', () => {
  let etag: string;
  let lastModified: string;
  before(async () => {
    const r = await fetchWith(port, '/hello.txt');
    etag = r.headers.etag!;
    lastModified = r.headers['last-modified']!;
  });

  test('If-None-Match with the ETag → 304 with validators, no body', async () => {
    const r = await rawRequest(port, 'GET', '/hello.txt', { 'if-none-match': etag });
    assert.equal(r.status, 304);
    assert.equal(r.headers.etag, etag);
    assert.equal(r.headers['last-modified'], lastModified);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.equal(r.headers['content-type'], undefined);
    assert.equal(r.body.length, 0);
  });
  test('If-None-Match with another tag → 200', async () => {
    assert.equal((await fetchWith(port, '/hello.txt', { 'if-none-match': 'W/"other"' })).status, 200);
  });
  test('If-Modified-Since: equal → 304, older → 200, garbage → 200', async () => {
    assert.equal((await rawRequest(port, 'GET', '/hello.txt', { 'if-modified-since': lastModified })).status, 304);
    const older = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    assert.equal((await fetchWith(port, '/hello.txt', { 'if-modified-since': older })).status, 200);
    assert.equal((await fetchWith(port, '/hello.txt', { 'if-modified-since': 'not a date' })).status, 200);
  });
  test('HEAD is conditional too', async () => {
    assert.equal((await rawRequest(port, 'HEAD', '/hello.txt', { 'if-none-match': etag })).status, 304);
  });
  test('If-Match: * passes, our weak tag and others fail with 412', async () => {
    assert.equal((await fetchWith(port, '/hello.txt', { 'if-match': '*' })).status, 200);
    assert.equal((await fetchWith(port, '/hello.txt', { 'if-match': etag })).status, 412);
    assert.equal((await fetchWith(port, '/hello.txt', { 'if-match': '"nope"' })).status, 412);
  });
  test('If-Unmodified-Since: older → 412, equal → 200', async () => {
    const older = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    assert.equal((await fetchWith(port, '/hello.txt', { 'if-unmodified-since': older })).status, 412);
    assert.equal((await fetchWith(port, '/hello.txt', { 'if-unmodified-since': lastModified })).status, 200);
  });
  test('a changed file gets a new ETag', async () => {
    const p = join(fx.root, 'changing.txt');
    writeFileSync(p, 'one');
    const a = (await fetchWith(port, '/changing.txt')).headers.etag;
    writeFileSync(p, 'three');
    const b = await fetchWith(port, '/changing.txt', { 'if-none-match': a! });
    assert.equal(b.status, 200);
    assert.notEqual(b.headers.etag, a);
    assert.equal(b.body.toString(), 'three');
  });
});

describe('ranges', () => {
  test('single range → 206 with Content-Range', async () => {
    const r = await rawRequest(port, 'GET', '/hello.txt', { range: 'bytes=0-4' });
    assert.equal(r.status, 206);
    assert.equal(r.headers['content-range'], 'bytes 0-4/12');
    assert.equal(r.headers['content-length'], '5');
    assert.equal(r.body.toString(), 'hello');
  });
  test('suffix and open ranges', async () => {
    assert.equal((await rawRequest(port, 'GET', '/hello.txt', { range: 'bytes=-6' })).body.toString(), 'world\n');
    assert.equal((await rawRequest(port, 'GET', '/hello.txt', { range: 'bytes=6-' })).body.toString(), 'world\n');
  });
  test('unsatisfiable → 416 with bytes */size', async () => {
    const r = await rawRequest(port, 'GET', '/hello.txt', { range: 'bytes=100-200' });
    assert.equal(r.status, 416);
    assert.equal(r.headers['content-range'], 'bytes */12');
    assert.equal((await rawRequest(port, 'GET', '/empty.txt', { range: 'bytes=0-0' })).status, 416);
  });
  test('a malformed Range is ignored → 200 whole file', async () => {
    const r = await rawRequest(port, 'GET', '/hello.txt', { range: 'bytes=x-y' });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello world\n');
  });
  test('several ranges → multipart/byteranges with exact parts and length', async () => {
    const r = await rawRequest(port, 'GET', '/hello.txt', { range: 'bytes=0-1,6-7' });
    assert.equal(r.status, 206);
    const m = /^multipart\/byteranges; boundary=(\S+)$/.exec(r.headers['content-type']!);
    assert.ok(m !== null);
    assert.equal(Number(r.headers['content-length']), r.body.length);
    const b = m[1]!;
    const expected =
      `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/12\r\n\r\nhe` +
      `\r\n--${b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 6-7/12\r\n\r\nwo` +
      `\r\n--${b}--\r\n`;
    assert.equal(r.body.toString(), expected);
  });
  test('If-Range: the Last-Modified date → 206; another date or our weak tag → 200', async () => {
    const h = await fetchWith(port, '/hello.txt');
    const lm = h.headers['last-modified']!;
    assert.equal((await rawRequest(port, 'GET', '/hello.txt', { range: 'bytes=0-1', 'if-range': lm })).status, 206);
    assert.equal((await rawRequest(port, 'GET', '/hello.txt', { range: 'bytes=0-1', 'if-range': 'Sun, 06 Nov 1994 08:49:37 GMT' })).status, 200);
    assert.equal((await rawRequest(port, 'GET', '/hello.txt', { range: 'bytes=0-1', 'if-range': h.headers.etag! })).status, 200);
  });
  test('HEAD ignores Range; a range is never compressed', async () => {
    assert.equal((await rawRequest(port, 'HEAD', '/hello.txt', { range: 'bytes=0-1' })).status, 200);
    const r = await rawRequest(port, 'GET', '/big.txt', { range: 'bytes=10-19', 'accept-encoding': 'gzip, br' });
    assert.equal(r.status, 206);
    assert.equal(r.headers['content-encoding'], undefined);
    assert.deepEqual(r.body, fx.big.subarray(10, 20));
  });
});

describe('compression', () => {
  test('gzip when asked, streamed, Vary set, same ETag', async () => {
    const plain = await fetchWith(port, '/big.txt');
    const r = await fetchWith(port, '/big.txt', { 'accept-encoding': 'gzip' });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers.vary, 'Accept-Encoding');
    assert.equal(r.headers['content-length'], undefined);
    assert.equal(r.headers.etag, plain.headers.etag);
    assert.ok(r.body.length < fx.big.length / 10);
    assert.deepEqual(gunzipSync(r.body), fx.big);
  });
  test('brotli preferred when both are accepted', async () => {
    const r = await fetchWith(port, '/big.txt', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(r.headers['content-encoding'], 'br');
    assert.deepEqual(brotliDecompressSync(r.body), fx.big);
  });
  test('q=0 refuses a coding; tiny files are not compressed', async () => {
    const r = await fetchWith(port, '/big.txt', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    assert.equal(r.headers['content-encoding'], undefined);
    assert.deepEqual(r.body, fx.big);
    assert.ok(12 < COMPRESS_MIN_BYTES);
    const tiny = await fetchWith(port, '/hello.txt', { 'accept-encoding': 'gzip' });
    assert.equal(tiny.headers['content-encoding'], undefined);
    assert.equal(tiny.headers.vary, 'Accept-Encoding');
  });
  test('HEAD of a compressed answer: Content-Encoding, no body', async () => {
    const r = await rawRequest(port, 'HEAD', '/big.txt', { 'accept-encoding': 'gzip' });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.body.length, 0);
  });
});

describe('clients that go away', () => {
  test('a client that disconnects mid-body leaves no open file behind, and the server serves on', async () => {
    writeFileSync(join(fx.root, 'large.bin'), Buffer.alloc(8 * 1024 * 1024, 0x63));
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 10; i++) {
      const c = connect(port, '127.0.0.1');
      c.write('GET /large.bin HTTP/1.1\r\nHost: x\r\n\r\n');
      await once(c, 'data');
      c.destroy();
    }
    // The server notices each close and destroys the file stream. No event tells the test when
    // the descriptor is released (FileHandle.close runs on the thread pool), so this polls a
    // condition with a bound, rather than sleeping a fixed time.
    for (let i = 0; i < 200 && fds() > before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(fds() <= before, `descriptors: ${before} before, ${fds()} after`);
    assert.equal((await fetchWith(port, '/hello.txt')).status, 200);
  });
});

describe('options and the access log', () => {
  test('--dotfiles serves dotfiles; --cors answers preflights', async () => {
    const s = createHttpServer(createFileHandler({ root: fx.root, dotfiles: true, cors: true, maxAge: 60, listing: false }));
    const p = await listen(s);
    try {
      const dot = await fetchWith(p, '/.secret');
      assert.equal(dot.status, 200);
      assert.equal(dot.headers['access-control-allow-origin'], '*');
      assert.equal(dot.headers['cache-control'], 'public, max-age=60');
      const pre = await rawRequest(p, 'OPTIONS', '/hello.txt', { origin: 'http://a.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-trace, range' });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers['access-control-allow-methods'], 'GET, HEAD, OPTIONS');
      assert.equal(pre.headers['access-control-allow-headers'], 'x-trace, range');
      assert.equal((await fetchWith(p, '/sub/')).status, 404, 'listing off');
      // Traversal stays refused even with dotfiles on.
      assert.equal((await rawRequest(p, 'GET', '/%2e%2e/outside/secret.txt')).status, 403);
    } finally {
      await close(s);
    }
  });

  test('the listing limit, crossed: at most maxListingEntries names', async () => {
    const s = createHttpServer(createFileHandler({ root: fx.root, maxListingEntries: 2 }));
    const p = await listen(s);
    try {
      const html = (await fetchWith(p, '/sub/')).body.toString();
      assert.equal([...html.matchAll(/<tr>/g)].length, 3, "../ and two entries");
      const all = (await fetchWith(port, '/sub/')).body.toString();
      assert.equal([...all.matchAll(/<tr>/g)].length, 1 + HOSTILE_NAMES.length);
    } finally {
      await close(s);
    }
  });

  test('the live endpoint: events, then 503 past maxStreams, 405 for other methods', async () => {
    const live = new LiveEvents({ tickMs: 20, maxStreams: 1 });
    const s = createHttpServer((req, res) => live.handle(req, res));
    const p = await listen(s);
    try {
      const first = connect(p, '127.0.0.1');
      first.write(`GET ${LIVE_EVENTS_PATH} HTTP/1.1\r\nHost: x\r\n\r\n`);
      let text = '';
      await new Promise<void>((resolve) => {
        first.on('data', (c: Buffer) => {
          text += c.toString();
          // Two ticks after the first events: the shared timer runs.
          if ((text.match(/event: counter/g) ?? []).length >= 3) resolve();
        });
      });
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(text, /content-type: text\/event-stream; charset=utf-8\r\n/i);
      assert.match(text, /retry: 2000\n/);
      assert.equal(live.size, 1);
      const second = await rawRequest(p, 'GET', LIVE_EVENTS_PATH);
      assert.equal(second.status, 503);
      assert.equal((await rawRequest(p, 'POST', LIVE_EVENTS_PATH, { 'content-length': '0' })).status, 405);
      // closeAll ends the response: the chunked body's last chunk arrives.
      const ended = new Promise<void>((resolve) => first.on('data', () => text.endsWith('\r\n0\r\n\r\n') && resolve()));
      live.closeAll();
      await ended;
      assert.equal(live.size, 0);
      first.destroy();
    } finally {
      await close(s);
    }
  });

  test('one access-log line per request, peer text escaped', async () => {
    const before = logLines.length;
    await rawRequest(port, 'GET', '/hello.txt', { 'user-agent': 'evil"agent', referer: 'http://r.example/' });
    await new Promise((r) => setImmediate(r));
    const line = logLines.slice(before).find((l) => l.includes('evil'));
    assert.ok(line !== undefined);
    assert.match(line, /^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/hello\.txt HTTP\/1\.1" 200 12 "http:\/\/r\.example\/" "evil\\x22agent" \d+\.\dms$/);
  });
});

const curlSkip = peerSkip('curl', 'apt-get install curl');
describe('curl against the file server', { skip: curlSkip }, () => {
  const curl = async (...args: string[]) => (await run('curl', ['-s', '--max-time', '10', ...args], { encoding: 'buffer', maxBuffer: 1 << 24 })).stdout;

  test('GET, --compressed (curl decodes), -r range, -I', async () => {
    assert.equal((await curl(`http://127.0.0.1:${port}/hello.txt`)).toString(), 'hello world\n');
    assert.deepEqual(await curl('--compressed', `http://127.0.0.1:${port}/big.txt`), fx.big);
    assert.equal((await curl('-r', '6-10', `http://127.0.0.1:${port}/hello.txt`)).toString(), 'world');
    const head = (await curl('-I', `http://127.0.0.1:${port}/big.txt`)).toString();
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, new RegExp(`content-length: ${fx.big.length}\\r\\n`, 'i'));
  });
  test('curl -z (If-Modified-Since) gets 304; --path-as-is traversal gets 403', async () => {
    const code304 = (await curl('-o', '/dev/null', '-w', '%{http_code}', '-z', join(fx.root, 'hello.txt'), `http://127.0.0.1:${port}/hello.txt`)).toString();
    assert.equal(code304, '304');
    const code403 = (await curl('--path-as-is', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/../outside/secret.txt`)).toString();
    assert.equal(code403, '403');
  });
  test('curl -C - resumes a partial download with a Range', async () => {
    const out = join(fx.base, 'resume.txt');
    writeFileSync(out, fx.big.subarray(0, 1000));
    await curl('-C', '-', '-o', out, `http://127.0.0.1:${port}/big.txt`);
    assert.deepEqual(readFileSync(out), fx.big);
  });
  test('curl keep-alive: several files on one connection', async () => {
    const out = (await curl('-w', '%{num_connects}\\n', `http://127.0.0.1:${port}/hello.txt`, `http://127.0.0.1:${port}/hello.txt`)).toString();
    assert.equal(out, 'hello world\n1\nhello world\n0\n');
  });
});

// The suites above run on trama's server (what `trama serve` uses); node:http's server runs the
// same handler here as the oracle.
describe("the same handler on node:http's server", () => {
  let nodeServer: HttpLikeServer;
  let nport: number;
  before(async () => {
    const handler = createFileHandler({ root: fx.root });
    nodeServer = createNodeServer((req, res) => handler(req, res));
    nport = await listen(nodeServer);
  });
  after(() => close(nodeServer));

  test('small files, 304, ranges, refusals, listing, a streamed file', async () => {
    const r = await rawRequest(nport, 'GET', '/hello.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello world\n');
    assert.equal((await rawRequest(nport, 'GET', '/hello.txt', { 'if-none-match': r.headers.etag! })).status, 304);
    assert.equal((await rawRequest(nport, 'GET', '/hello.txt', { range: 'bytes=0-4' })).body.toString(), 'hello');
    assert.equal((await rawRequest(nport, 'GET', '/%2e%2e/outside/secret.txt')).status, 403);
    assert.equal((await rawRequest(nport, 'GET', '/link-out')).status, 404);
    assert.equal((await rawRequest(nport, 'GET', '/sub/')).status, 200);
    assert.deepEqual((await rawRequest(nport, 'GET', '/big.txt')).body, fx.big);
    assert.deepEqual(gunzipSync((await fetchWith(nport, '/big.txt', { 'accept-encoding': 'gzip' })).body), fx.big);
  });
});

describe('--single and the custom 404 page', () => {
  let dir: string;
  let spa: HttpLikeServer;
  let plain: HttpLikeServer;
  let spaPort: number;
  let plainPort: number;
  const INDEX = '<!doctype html><title>app</title><div id=app></div>\n';
  const PAGE = '<!doctype html><title>not here</title><p>Nothing at this address.</p>\n';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trama-spa-'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'app.js'), 'console.log(1);\n');
    writeFileSync(join(dir, '404.html'), PAGE);
    writeFileSync(join(dir, '.env'), 'SECRET=1\n');
    spa = createHttpServer(createFileHandler({ root: dir, single: true }));
    spaPort = await listen(spa);
    plain = createHttpServer(createFileHandler({ root: dir }));
    plainPort = await listen(plain);
  });
  after(async () => {
    await close(spa);
    await close(plain);
    rmSync(dir, { recursive: true, force: true });
  });

  test('--single: a missing client-side route gets index.html with 200; files are still files', async () => {
    for (const t of ['/users/42', '/deep/nested/route', '/settings?tab=2']) {
      const r = await rawRequest(spaPort, 'GET', t);
      assert.equal(r.status, 200, t);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(r.body.toString(), INDEX, t);
    }
    const js = await rawRequest(spaPort, 'GET', '/app.js');
    assert.equal(js.body.toString(), 'console.log(1);\n');
    // HEAD gets the same head without the body.
    const head = await rawRequest(spaPort, 'HEAD', '/users/42');
    assert.deepEqual([head.status, head.body.length], [200, 0]);
  });

  test('--single: a missing asset (with an extension), a dotfile, a traversal stay refused', async () => {
    const missing = await rawRequest(spaPort, 'GET', '/missing.js');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.toString(), PAGE);
    assert.equal((await rawRequest(spaPort, 'GET', '/.env')).status, 404);
    assert.ok(!(await rawRequest(spaPort, 'GET', '/.env')).body.toString().includes('SECRET'));
    assert.equal((await rawRequest(spaPort, 'GET', '/../etc/passwd')).status, 403);
  });

  test('without --single a route is a 404 with the 404.html page (text/html, no-cache)', async () => {
    const r = await rawRequest(plainPort, 'GET', '/users/42');
    assert.equal(r.status, 404);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.equal(r.body.toString(), PAGE);
    const head = await rawRequest(plainPort, 'HEAD', '/users/42');
    assert.deepEqual([head.status, head.body.length, head.headers['content-length']], [404, 0, String(Buffer.byteLength(PAGE))]);
  });

  test('no 404.html: the short plain-text 404 as before', async () => {
    const r = await rawRequest(port, 'GET', '/no-such-file');
    assert.equal(r.status, 404);
    assert.equal(r.body.toString(), '404 Not Found\n');
  });
});

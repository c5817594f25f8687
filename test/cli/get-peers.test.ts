// `trama get` against real TLS and a real non-Node server, spawned as a user runs it: a TLS
// server with a self-signed certificate made by openssl at test time (-k, --cacert, exit 35/60/77)
// and nginx (a generated config in a temp dir on a free port). A file of its own (split from
// get.test.ts): on a loaded machine each spawned process is slow, and every file has its own
// time budget.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NodeServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../../src/http/server.js';
import { assertOneErrorLine, close, listen, makeFixture, peerSkip, runTrama, type Fixture, type HttpLikeServer } from './support.js';
import { startNginx, type NginxInstance } from '../support/nginx.js';

let base: string;
/** A plain-HTTP server, for "TLS to a plain-HTTP port". */
let plain: HttpLikeServer;
let port: number;
before(async () => {
  base = mkdtempSync(join(tmpdir(), 'trama-get-peers-'));
  plain = createServer((_req, res) => res.end('plain\n'));
  port = await listen(plain);
});
after(async () => {
  await close(plain);
  rmSync(base, { recursive: true, force: true });
});


const opensslSkip = peerSkip('openssl', 'apt-get install openssl');
describe('TLS', { skip: opensslSkip, concurrency: true }, () => {
  let tlsServer: NodeServer;
  let tlsPort: number;
  before(async () => {
    const key = join(base, 'key.pem');
    const cert = join(base, 'cert.pem');
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2', '-keyout', key, '-out', cert], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    tlsServer = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => res.end('secure\n'));
    tlsPort = await listen(tlsServer);
  });
  after(() => close(tlsServer));

  test('a self-signed certificate → exit 60 with a hint', async () => {
    const r = await runTrama(['get', `https://127.0.0.1:${tlsPort}/`]);
    assert.equal(r.code, 60);
    assertOneErrorLine(r.stderr, /SSL certificate problem: self[- ]signed certificate.*-k/);
  });
  test('-k accepts it; -v shows the TLS session and certificate', async () => {
    const r = await runTrama(['get', '-k', '-v', `https://127.0.0.1:${tlsPort}/`]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.toString(), 'secure\n');
    assert.match(r.stderr, /^\* TLS connection using TLSv1\.[23] \/ \S+$/m);
    assert.match(r.stderr, /^\*  subject: CN=localhost$/m);
    assert.match(r.stderr, /^\* TLS certificate verify result: .*continuing anyway \(-k\)\.$/m);
  });
  test('--cacert trusts the server\'s certificate; an unreadable file is exit 77', async () => {
    const r = await runTrama(['get', '--cacert', join(base, 'cert.pem'), `https://localhost:${tlsPort}/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'secure\n');
    const bad = await runTrama(['get', '--cacert', join(base, 'nope.pem'), `https://localhost:${tlsPort}/`]);
    assert.equal(bad.code, 77);
    assertOneErrorLine(bad.stderr, /certificate file/);
  });
  test('TLS to a plain-HTTP port → exit 35', async () => {
    const r = await runTrama(['get', `https://127.0.0.1:${port}/`]);
    assert.equal(r.code, 35);
    assertOneErrorLine(r.stderr, /SSL connect error/);
  });
});

const nginxSkip = peerSkip('nginx', 'apt-get install nginx-light');
describe('against nginx', { skip: nginxSkip, concurrency: true }, () => {
  let fx: Fixture;
  let nginxPort: number;
  let nginx: NginxInstance;
  before(async () => {
    fx = makeFixture();
    nginx = await startNginx(() => ({
      http: `  types { text/plain txt; image/png png; text/html html; }
  gzip on;
  gzip_types text/plain;
  gzip_min_length 100;`,
      server: `    root ${fx.root};
    location = /moved { return 302 /hello.txt; }`,
    }));
    nginxPort = nginx.port;
  });
  after(async () => {
    await nginx.stop();
    fx.cleanup();
  });
  const n = (p: string) => `http://127.0.0.1:${nginxPort}${p}`;

  test('a file, byte for byte; binary intact', async () => {
    assert.equal((await runTrama(['get', n('/hello.txt')])).stdout.toString(), 'hello world\n');
    assert.deepEqual((await runTrama(['get', n('/image.png')])).stdout, fx.image);
  });
  test('-I; a Range through -H; --compressed with nginx gzip', async () => {
    const h = (await runTrama(['get', '-I', n('/big.txt')])).stdout.toString();
    assert.match(h, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(h, new RegExp(`\\r\\nContent-Length: ${fx.big.length}\\r\\n`));
    assert.match(h, /\r\nServer: nginx/);
    const r = await runTrama(['get', '-i', '-H', 'Range: bytes=0-8', n('/big.txt')]);
    assert.match(r.stdout.toString(), /^HTTP\/1\.1 206 Partial Content\r\n/);
    assert.ok(r.stdout.toString().endsWith('\r\n\r\nThe quick'));
    assert.deepEqual((await runTrama(['get', '--compressed', n('/big.txt')])).stdout, fx.big);
  });
  test('-L on nginx redirects, with connection reuse', async () => {
    const r = await runTrama(['get', '-v', '-L', n('/moved')]);
    assert.equal(r.stdout.toString(), 'hello world\n');
    assert.match(r.stderr, /^< HTTP\/1\.1 302 Moved Temporarily$/m);
    assert.match(r.stderr, /^\* Re-using existing connection #0/m);
    const dir = await runTrama(['get', '-L', n('/site')]);
    assert.match(dir.stdout.toString(), /<p>index<\/p>/);
  });
  test('-f on a 404 → 22; a 304 with If-None-Match', async () => {
    assert.equal((await runTrama(['get', '-f', n('/nope')])).code, 22);
    const etag = /\r\nETag: (\S+)\r\n/.exec((await runTrama(['get', '-I', n('/hello.txt')])).stdout.toString())![1]!;
    const c = await runTrama(['get', '-i', '-H', `If-None-Match: ${etag}`, n('/hello.txt')]);
    assert.match(c.stdout.toString(), /^HTTP\/1\.1 304 Not Modified\r\n/);
  });
});

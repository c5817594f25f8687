// nginx (a real, non-Node reverse proxy) in front of trama: clients speak HTTP/2 to nginx over
// TLS (`listen … ssl http2`), nginx proxies to trama as upstream — over HTTP/1.1 cleartext with
// keep-alive (createServer) and over HTTPS (createSecureServer, nginx offering no ALPN h2 upstream:
// trama's TLS server answers HTTP/1.1 on the same port it serves h2 on). Bodies both ways,
// streaming through `proxy_buffering off`, the X-Forwarded headers nginx adds.
// Skips when nginx is missing, unless TRAMA_REQUIRE_PEERS=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as http2 from 'node:http2';
import { join } from 'node:path';
import { createServer, createSecureServer } from '../../src/index.js';
import type { IncomingMessage, ServerResponse } from '../../src/index.js';
import { nginxDir, startNginx } from '../support/nginx.js';
import { selfSignedCert } from '../support/h2-net-driver.js';

const missing = spawnSync('sh', ['-c', 'command -v nginx']).status === 0 ? null : 'nginx is not installed (apt-get install nginx-light)';
if (missing && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${missing}`);
const creds = selfSignedCert();
if (creds === null && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error('openssl is required (TRAMA_REQUIRE_PEERS=1)');
const skip = missing ?? (creds === null ? 'openssl is not installed: cannot generate a test certificate' : false);

function handler(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/stream') {
    res.setHeader('content-type', 'text/plain');
    res.write('first;');
    // The second part is written only once the client has the first (through nginx).
    streamGate.then(() => res.end('second'), () => res.end());
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ v: req.httpVersion, url: req.url, len: body.length, sha: createHash('sha256').update(body).digest('hex'), xff: req.headers['x-forwarded-proto'] ?? null }));
  });
}

let openGate: () => void = () => {};
let streamGate: Promise<void> = Promise.resolve();
function newGate(): void {
  streamGate = new Promise<void>((r) => (openGate = r));
}

async function viaNginx(upstream: string, fn: (session: http2.ClientHttp2Session) => Promise<void>): Promise<void> {
  const dir = nginxDir();
  writeFileSync(join(dir, 'cert.pem'), creds!.cert);
  writeFileSync(join(dir, 'key.pem'), creds!.key);
  const nginx = await startNginx(
    () => ({
      listen: 'ssl http2',
      http: `  upstream trama { server ${upstream.replace(/^https?:\/\//, '')}; keepalive 8; }`,
      server: `    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    location / {
      proxy_pass ${upstream.startsWith('https') ? 'https' : 'http'}://trama;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_ssl_verify off;
      client_max_body_size 64m;
    }`,
    }),
    dir,
  );
  const session = http2.connect(`https://127.0.0.1:${nginx.port}`, { ca: creds!.cert, servername: 'localhost' });
  session.on('error', () => {});
  try {
    await once(session, 'connect');
    await fn(session);
  } finally {
    session.close();
    await nginx.stop();
  }
}

function call(session: http2.ClientHttp2Session, path: string, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = session.request({ ':path': path, ':method': body ? 'POST' : 'GET' }, { endStream: body === undefined });
    let text = '';
    let status = 0;
    s.setEncoding('utf8');
    s.on('response', (h) => (status = Number(h[':status'])));
    s.on('data', (d: string) => (text += d));
    s.on('end', () => resolve({ status, body: text }));
    s.on('error', reject);
    if (body) s.end(body);
  });
}

for (const upstreamKind of ['http', 'https'] as const) {
  test(`client —h2/TLS→ nginx —HTTP/1.1${upstreamKind === 'https' ? '/TLS' : ''}→ trama: bodies both ways, streaming, 20 concurrent`, { skip }, async () => {
    const server = upstreamKind === 'https' ? createSecureServer({ key: creds!.key, cert: creds!.cert }, handler) : createServer(handler);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    try {
      await viaNginx(`${upstreamKind}://127.0.0.1:${port}`, async (session) => {
        const get = await call(session, '/hello?x=1');
        assert.equal(get.status, 200);
        const g = JSON.parse(get.body);
        assert.equal(g.v, '1.1');
        assert.equal(g.url, '/hello?x=1');
        assert.equal(g.xff, 'https');
        const data = Buffer.alloc(3 * 1024 * 1024);
        for (let i = 0; i < data.length; i += 997) data[i] = i & 0xff;
        const post = JSON.parse((await call(session, '/upload', data)).body);
        assert.equal(post.len, data.length);
        assert.equal(post.sha, createHash('sha256').update(data).digest('hex'));
        // Streaming: the first part reaches the client through nginx before the handler ends.
        newGate();
        const stream = session.request({ ':path': '/stream' });
        stream.setEncoding('utf8');
        let got = '';
        const [first] = (await once(stream, 'data')) as [string];
        got += first;
        assert.equal(first, 'first;');
        stream.on('data', (d: string) => (got += d));
        openGate();
        await once(stream, 'end');
        assert.equal(got, 'first;second');
        const all = await Promise.all(Array.from({ length: 20 }, (_, i) => call(session, `/c/${i}`)));
        all.forEach((r, i) => assert.equal(JSON.parse(r.body).url, `/c/${i}`));
      });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
}

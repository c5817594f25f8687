// Interop with curl, a real HTTP/1.x client, against trama's server: HTTP/1.0 and 1.1,
// keep-alive reuse, chunked uploads, Expect: 100-continue, and --raw chunked responses.
// Skips when curl is missing, unless TRAMA_REQUIRE_PEERS=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createServer } from '../../src/index.js';
import { listen, closeServer } from '../support/node-vs-trama.js';
import type { Server } from '../../src/index.js';

const missing = spawnSync('curl', ['--version']).error ? 'curl is not installed' : null;
if (missing && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(`TRAMA_REQUIRE_PEERS=1 but ${missing}`);
const skip = missing ? `${missing} (apt-get install curl)` : false;

function curl(args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('curl', ['-sS', ...args], { encoding: 'latin1', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve({ stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function withServer(fn: (base: string, server: Server) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.url === '/chunked') {
        res.write('first,');
        res.end('second');
        return;
      }
      res.setHeader('Content-Type', 'text/plain');
      res.end(`${req.method} ${req.url} HTTP/${req.httpVersion} te=${req.headers['transfer-encoding'] ?? '-'} body=${body}`);
    });
  });
  const port = await listen(server);
  try {
    await fn(`http://127.0.0.1:${port}`, server);
  } finally {
    await closeServer(server);
  }
}

test('curl HTTP/1.1 GET', { skip }, async () => {
  await withServer(async (base) => {
    const { stdout } = await curl([`${base}/hello`]);
    assert.equal(stdout, 'GET /hello HTTP/1.1 te=- body=');
  });
});

test('curl --http1.0 GET: close-delimited HTTP/1.0 answer', { skip }, async () => {
  await withServer(async (base) => {
    const { stdout } = await curl(['--http1.0', '-i', `${base}/old`]);
    assert.match(stdout, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(stdout, /Connection: close\r\n/);
    assert.match(stdout, /GET \/old HTTP\/1\.0 te=- body=$/);
  });
});

test('curl reuses one keep-alive connection for several URLs', { skip }, async () => {
  await withServer(async (base, server) => {
    let connections = 0;
    server.on('connection', () => connections++);
    const { stdout, stderr } = await curl(['-v', `${base}/a`, `${base}/b`, `${base}/c`]);
    assert.equal(stdout, 'GET /a HTTP/1.1 te=- body=GET /b HTTP/1.1 te=- body=GET /c HTTP/1.1 te=- body=');
    assert.match(stderr, /Re-using existing connection/);
    assert.equal(connections, 1);
  });
});

test('curl chunked upload (Transfer-Encoding: chunked from stdin)', { skip }, async () => {
  await withServer(async (base) => {
    const { stdout } = await curl(['-H', 'Transfer-Encoding: chunked', '--data-binary', '@-', `${base}/up`], 'streamed body');
    assert.equal(stdout, 'POST /up HTTP/1.1 te=chunked body=streamed body');
  });
});

test('curl Expect: 100-continue gets 100 Continue then the answer', { skip }, async () => {
  await withServer(async (base) => {
    const body = 'x'.repeat(2048);
    const { stdout, stderr } = await curl(['-v', '-H', 'Expect: 100-continue', '--data-binary', body, `${base}/expect`]);
    assert.match(stderr, /HTTP\/1\.1 100 Continue/);
    assert.equal(stdout, `POST /expect HTTP/1.1 te=- body=${body}`);
  });
});

test('curl --raw sees the chunked framing as sent', { skip }, async () => {
  await withServer(async (base) => {
    const { stdout } = await curl(['--raw', `${base}/chunked`]);
    assert.equal(stdout, '6\r\nfirst,\r\n6\r\nsecond\r\n0\r\n\r\n');
    const decoded = await curl([`${base}/chunked`]);
    assert.equal(decoded.stdout, 'first,second');
  });
});

test('curl HEAD (-I) gets headers without a body', { skip }, async () => {
  await withServer(async (base) => {
    const { stdout } = await curl(['-I', `${base}/head`]);
    assert.match(stdout, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(stdout, /Content-Type: text\/plain\r\n/);
    assert.ok(stdout.endsWith('\r\n\r\n'));
  });
});

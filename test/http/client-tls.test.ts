// https: URLs through node:tls: certificate checks (rejectUnauthorized, ca), ALPN offering
// http/1.1, SNI, keep-alive over TLS. The certificate is generated with openssl at test time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import type * as tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { get, request } from '../../src/http/client-request.js';
import { HttpsAgent, globalHttpsAgent } from '../../src/http/agent.js';

let dir = '';
let cert = '';
let key = '';
let server: https.Server;
let port = 0;
let opensslMissing = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trama-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
  } catch {
    opensslMissing = 'openssl is not installed: cannot generate a test certificate';
    if (process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(opensslMissing);
    return;
  }
  cert = readFileSync(join(dir, 'cert.pem'), 'latin1');
  key = readFileSync(join(dir, 'key.pem'), 'latin1');
  server = https.createServer({ cert, key, ALPNProtocols: ['h2', 'http/1.1'] }, (req, res) => {
    const s = req.socket as tls.TLSSocket;
    res.end(JSON.stringify({ alpn: s.alpnProtocol, sni: (s as unknown as { servername: string }).servername, url: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  globalHttpsAgent.destroy();
  if (server) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  rmSync(dir, { recursive: true, force: true });
});

function fetchJson(url: string, opts: Record<string, unknown>): Promise<{ data: Record<string, unknown>; req: ReturnType<typeof get> }> {
  return new Promise((resolve, reject) => {
    const req = get(url, opts as never, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ data: JSON.parse(body), req }));
    });
    req.on('error', reject);
  });
}

test('https: with the server\'s CA: ALPN negotiates http/1.1, SNI is sent', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing);
  const agent = new HttpsAgent({ keepAlive: true });
  const { data } = await fetchJson(`https://localhost:${port}/a`, { ca: cert, agent, lookup: (_h: string, o: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) });
  assert.deepEqual(data, { alpn: 'http/1.1', sni: 'localhost', url: '/a' });
  agent.destroy();
});

test('https: a self-signed certificate is rejected by default (node\'s code)', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing);
  const agent = new HttpsAgent();
  await assert.rejects(fetchJson(`https://127.0.0.1:${port}/`, { agent }), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
});

test('https: rejectUnauthorized: false accepts it; no SNI for an IP literal', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing);
  const agent = new HttpsAgent();
  const { data } = await fetchJson(`https://127.0.0.1:${port}/b`, { rejectUnauthorized: false, agent });
  assert.equal(data.alpn, 'http/1.1');
  assert.equal(data.sni, false);
});

test('https: keep-alive reuses the TLS connection; the default agent is globalHttpsAgent', async (t) => {
  if (opensslMissing) return t.skip(opensslMissing);
  const a = await fetchJson(`https://127.0.0.1:${port}/1`, { ca: cert });
  assert.equal(a.req.agent, globalHttpsAgent);
  await new Promise((r) => (a.req.destroyed ? setImmediate(r) : a.req.once('close', r)));
  await new Promise((r) => setImmediate(r));
  const b = await fetchJson(`https://127.0.0.1:${port}/2`, { ca: cert });
  assert.equal(b.req.reusedSocket, true);
  // Other TLS options make another pool (the TLS options are part of the pool key).
  const c = await fetchJson(`https://127.0.0.1:${port}/3`, { ca: cert, ciphers: 'DEFAULT' });
  assert.equal(c.req.reusedSocket, false);
});

test('http: request to an https agent with protocol http: is refused like node', (t) => {
  if (opensslMissing) return t.skip(opensslMissing);
  assert.throws(() => request({ protocol: 'http:', host: '127.0.0.1', port, agent: new HttpsAgent() }), { code: 'ERR_INVALID_PROTOCOL', message: 'Protocol "http:" not supported. Expected "https:"' });
});

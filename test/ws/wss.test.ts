// `wss:`: the WebSocket client over TLS (its TLS options passed through to trama's HTTP client, as
// undici's second argument does), against a WebSocketServer on node's https server and on trama's
// createSecureServer. The certificate is generated with openssl at test time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from '../../src/ws/index.js';
import { createSecureServer } from '../../src/http/https-server.js';

let dir = '';
let cert = '';
let key = '';
let missing: string | false = false;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'trama-wss-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
  } catch {
    missing = 'openssl is not installed: cannot generate a test certificate';
    if (process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(missing);
    return;
  }
  cert = readFileSync(join(dir, 'cert.pem'), 'latin1');
  key = readFileSync(join(dir, 'key.pem'), 'latin1');
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const [name, make] of [
  ['node:https', () => https.createServer({ cert, key })],
  ['trama createSecureServer', () => createSecureServer({ cert, key }) as unknown as https.Server],
] as const) {
  test(`wss: echo over TLS with the client's ca option, server on ${name}`, async (t) => {
    if (missing) return t.skip(missing);
    const server = make();
    const wss = new WebSocketServer({ server, perMessageDeflate: true });
    wss.on('connection', (ws: WebSocket) => ws.on('message', (d: Buffer, bin: boolean) => ws.send(d, { binary: bin })));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    try {
      const ws = new WebSocket(`wss://127.0.0.1:${port}/`, { ca: cert });
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = (e) => reject((e as unknown as { error: Error }).error);
      });
      assert.equal(ws.extensions, 'permessage-deflate');
      const got = new Promise<MessageEvent>((r) => (ws.onmessage = r));
      ws.send('secret '.repeat(500));
      assert.equal((await got).data, 'secret '.repeat(500));
      const closed = new Promise<{ code: number }>((r) => (ws.onclose = r as never));
      ws.close(1000);
      assert.equal((await closed).code, 1000);
      // Without the ca the certificate is refused: error, then close 1006.
      const bad = new WebSocket(`wss://127.0.0.1:${port}/`);
      const order: string[] = [];
      bad.onerror = () => order.push('error');
      await new Promise<void>((r) => (bad.onclose = (e) => (order.push(`close ${e.code}`), r())));
      assert.deepEqual(order, ['error', 'close 1006']);
    } finally {
      await new Promise<void>((r) => wss.close(() => r()));
      server.close();
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    }
  });
}

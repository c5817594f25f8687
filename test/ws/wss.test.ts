// `wss:`: the WebSocket client over TLS (its TLS options passed through to trama's HTTP client, as
// undici's second argument does), against a WebSocketServer on node's https server and on trama's
// createSecureServer. The certificate is generated with openssl at test time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from '../../src/ws/index.js';
import { createSecureServer } from '../../src/http/https-server.js';
import { selfSignedCert } from '../support/h2-net-driver.js';

const pair = selfSignedCert();
const missing = pair === null ? 'openssl is not installed: cannot generate a test certificate' : false;
if (missing && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(missing);
const cert = pair?.cert.toString('latin1') ?? '';
const key = pair?.key.toString('latin1') ?? '';

for (const [name, make] of [
  ['node:https', () => https.createServer({ cert, key })],
  ['trama createSecureServer', () => createSecureServer({ cert, key }) as unknown as https.Server],
] as const) {
  test(`wss: echo over TLS with the client's ca option, server on ${name}`, { skip: missing }, async () => {
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

// EventSource over https: with the default client (trama's, which takes https: URLs itself) and
// with node's https.request; a self-signed certificate made by openssl at test time, trusted
// through the `agent` option.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpsAgent } from '../../src/http/agent.js';
import { EventSource } from '../../src/sse/event-source.js';
import type { EventSourceErrorEvent } from '../../src/sse/event-source.js';
import { eventStream } from '../../src/sse/event-stream.js';
import { nextEvent } from './support.js';

let dir = '';
let cert = '';
let key = '';
let missing: string | undefined;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'trama-sse-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
  } catch {
    missing = 'openssl is not installed: cannot generate a test certificate';
    if (process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error(missing);
    return;
  }
  cert = readFileSync(join(dir, 'cert.pem'), 'latin1');
  key = readFileSync(join(dir, 'key.pem'), 'latin1');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const clients = [
  { name: 'default (trama)', request: undefined, agent: () => new HttpsAgent({ ca: cert }) },
  { name: 'node https.request', request: https.request, agent: () => new https.Agent({ ca: cert }) },
];

for (const c of clients) {
  test(`https: events over TLS, untrusted certificate refused [${c.name}]`, { timeout: 15_000 }, async (t) => {
    if (missing !== undefined) return t.skip(missing);
    const server = https.createServer({ cert, key }, (req, res) => {
      eventStream(req, res, { keepAlive: 0 }).send({ event: 'secure', data: 'over tls', id: '1' });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
    try {
      const agent = c.agent();
      const es = new EventSource(url, { agent, request: c.request });
      const m = await nextEvent<MessageEvent>(es, 'secure');
      assert.equal(m.data, 'over tls');
      assert.equal(m.origin, new URL(url).origin);
      es.close();
      agent.destroy();
      // Without the agent that trusts the certificate: a network error, then reconnection.
      const untrusted = new EventSource(url, { request: c.request, reconnectionTime: 60_000 });
      const err = await nextEvent<EventSourceErrorEvent>(untrusted, 'error');
      assert.equal(err.error.code, 'ERR_SSE_NETWORK');
      assert.equal(untrusted.readyState, EventSource.CONNECTING);
      untrusted.close();
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
}

// EventSource over HTTP/2 against trama's own server (h2c, prior knowledge): many EventSources to
// one origin share one session; events arrive on each; close() resets only its own stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { createServer } from '../../src/http/index.js';
import { EventSource } from '../../src/sse/event-source.js';
import { Agent } from '../../src/http/agent.js';
import { h2SessionsOf } from '../../src/http/client-h2.js';

test('ten EventSources with http2: true share one session and each gets its events', async () => {
  const versions: string[] = [];
  const streams: Array<{ write(s: string): boolean }> = [];
  const server = createServer((req, res) => {
    versions.push(String(req.httpVersion));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: hello ${req.url}\n\n`);
    streams.push(res);
  });
  const connections: Socket[] = [];
  server.on('connection', (s: Socket) => connections.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const sources = Array.from({ length: 10 }, (_, i) => new EventSource(`http://127.0.0.1:${port}/s${i}`, { http2: true }));
  const first = await Promise.all(sources.map((es) => new Promise<string>((resolve) => es.addEventListener('message', (e) => resolve((e as MessageEvent).data as string), { once: true }))));
  assert.deepEqual(first, Array.from({ length: 10 }, (_, i) => `hello /s${i}`));
  assert.deepEqual(new Set(versions), new Set(['2.0']));
  assert.equal(connections.length, 1, 'one connection for every EventSource');
  // A later event reaches one source while the others stay open; closing one leaves the rest.
  sources[0]!.close();
  const next = new Promise<string>((resolve) => sources[5]!.addEventListener('message', (e) => resolve((e as MessageEvent).data as string), { once: true }));
  streams[5]!.write('data: second\n\n');
  assert.equal(await next, 'second');
  assert.equal(sources[5]!.readyState, EventSource.OPEN);
  for (const es of sources) es.close();
  server.close();
  server.closeAllConnections();
});

test('an explicit h2 Agent works the same way (its sessions are inspectable)', async () => {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`data: v${req.httpVersion}\n\n`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ http2PriorKnowledge: true });
  const es = new EventSource(`http://127.0.0.1:${port}/`, { agent });
  const data = await new Promise<string>((resolve) => es.addEventListener('message', (e) => resolve((e as MessageEvent).data as string), { once: true }));
  assert.equal(data, 'v2.0');
  assert.equal(h2SessionsOf(agent).length, 1);
  es.close();
  agent.destroy();
  server.close();
  server.closeAllConnections();
});

// The README examples of docs/hpack.md and docs/h2-engine.md run as written: the first ```ts
// block of each file is taken verbatim, only the `trama/…` import is pointed at the entry module
// compiled with this test (src/hpack.ts, src/h2.ts; the dist/ subpaths themselves are checked by
// subpath.test.ts) and the fixed port becomes port 0; what the comments promise is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import http2 from 'node:http2';
import type { Server } from 'node:net';
import { REPO_ROOT } from '../../support/paths.js';

function firstTsBlock(doc: string): string {
  const text = readFileSync(join(REPO_ROOT, 'docs', doc), 'utf8');
  const m = /```ts\n([\s\S]*?)```/.exec(text);
  assert.ok(m, `${doc} has a ts example`);
  return m[1]!;
}

/** Writes `code` as an ES module with `trama/<sub>` resolved to src/<sub> and imports it. */
async function runModule(code: string, sub: string): Promise<void> {
  const entry = new URL(`../../../src/${sub}.js`, import.meta.url).href;
  const replaced = code.replace(`from 'trama/${sub}'`, `from '${entry}'`);
  assert.notEqual(replaced, code, `the example imports trama/${sub}`);
  const dir = mkdtempSync(join(tmpdir(), 'trama-doc-'));
  try {
    const file = join(dir, 'example.mjs');
    writeFileSync(file, replaced);
    await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Global = typeof globalThis & { __docResult?: unknown; __docPeerBlock?: unknown; __docCaught?: unknown; __docReady?: (s: Server) => void };

test('docs/hpack.md: the example decodes to what its comment shows, and the catch sees HEADER_LIST_TOO_LARGE', async () => {
  const code = firstTsBlock('hpack.md');
  const g = globalThis as Global;
  // The promised result is the comment right after `decoder.decode(block);`.
  const m = /decoder\.decode\(block\);\n((?:\/\/.*\n)+)/.exec(code);
  assert.ok(m, 'the example shows the decoded list in a comment');
  const expected = JSON.parse(m[1]!.replace(/^\/\/ ?/gm, '').replace(/'/g, '"')) as unknown;
  // A block that decodes beyond the example's maxHeaderListSize of 16384: one 20 KB literal.
  const { HpackEncoder } = await import('../../../src/wire/h2/hpack/index.js');
  g.__docPeerBlock = new HpackEncoder().encode([['x-big', 'a'.repeat(20_000)]]);
  const patched = code
    .replace('decoder.decode(block);', 'globalThis.__docResult = decoder.decode(block);')
    .replace('decoder.decode(peerBlock);', 'decoder.decode(globalThis.__docPeerBlock);')
    .replace('} catch (err) {', '} catch (err) {\n  globalThis.__docCaught = err;');
  try {
    await runModule(patched, 'hpack');
    assert.deepEqual(g.__docResult, expected);
    assert.equal((g.__docCaught as { code?: string } | undefined)?.code, 'HEADER_LIST_TOO_LARGE');
  } finally {
    delete g.__docResult;
    delete g.__docPeerBlock;
    delete g.__docCaught;
  }
});

test('docs/h2-engine.md: the server example answers a node:http2 client with "hello"', async () => {
  const code = firstTsBlock('h2-engine.md');
  const g = globalThis as Global;
  const patched = code.replace(/\}\)\.listen\(8080\);/, '}).listen(0, "127.0.0.1", function () { globalThis.__docReady(this); });');
  assert.notEqual(patched, code, 'the example listens on 8080');
  const ready = new Promise<Server>((resolve) => { g.__docReady = resolve; });
  await runModule(patched, 'h2');
  const server = await ready;
  delete g.__docReady;
  try {
    const port = (server.address() as { port: number }).port;
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const body = await new Promise<{ status: unknown; type: unknown; text: string }>((resolve, reject) => {
      session.on('error', reject);
      const req = session.request({ ':path': '/', ':method': 'POST' });
      let status: unknown;
      let type: unknown;
      req.on('response', (h) => { status = h[':status']; type = h['content-type']; });
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => { text += d; });
      req.on('end', () => resolve({ status, type, text }));
      req.on('error', reject);
      req.end('a request body the example acknowledges');
    });
    session.close();
    assert.deepEqual(body, { status: 200, type: 'text/plain', text: 'hello\n' });
  } finally {
    server.close();
  }
});

test('docs/h2-engine.md: the server example survives a request and its RST_STREAM in one read, and serves the next', async () => {
  const code = firstTsBlock('h2-engine.md');
  const g = globalThis as Global;
  const patched = code.replace(/\}\)\.listen\(8080\);/, '}).listen(0, "127.0.0.1", function () { globalThis.__docReady(this); });');
  const ready = new Promise<Server>((resolve) => { g.__docReady = resolve; });
  await runModule(patched, 'h2');
  const server = await ready;
  delete g.__docReady;
  const { H2Connection } = await import('../../../src/wire/h2/connection.js');
  const net = await import('node:net');
  try {
    const port = (server.address() as { port: number }).port;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const client = new H2Connection({ role: 'client' });
    const get = (path: string): Array<[string, string]> => [[':method', 'GET'], [':scheme', 'http'], [':authority', 'x'], [':path', path]];
    // Stream 1 and its reset, then stream 3, all in ONE write: the server reads them in one batch.
    client.sendHeaders(1, get('/gone'), { endStream: true });
    client.resetStream(1, 0x8);
    client.sendHeaders(3, get('/kept'), { endStream: true });
    socket.write(client.takeOutput());
    const events: string[] = [];
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('close', () => reject(new Error('the example closed the connection')));
      socket.on('data', (chunk: Buffer) => {
        for (const e of client.receive(chunk)) {
          if (e.type === 'headers-received' || e.type === 'data-received' || e.type === 'stream-ended') events.push(`${e.type}:${e.streamId}`);
          if (e.type === 'stream-ended' && e.streamId === 3) resolve();
        }
        const out = client.takeOutput();
        if (out.length) socket.write(out);
      });
    });
    socket.destroy();
    assert.deepEqual(events, ['headers-received:3', 'data-received:3', 'stream-ended:3']);
  } finally {
    server.close();
  }
});

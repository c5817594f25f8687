// `trama get` as a user runs it: `node bin/trama.js get …` spawned against a local server
// (routes for each behaviour, test/cli/get-support.ts). Redirects and failures:
// get-failures.test.ts; TLS and nginx: get-peers.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTrama } from './support.js';
import { assertOneErrorLine, mark, seenWith, serveRoutes, state, u } from './get-support.js';

serveRoutes();

describe('requests and output', { concurrency: true }, () => {
  test("get runs on trama's client", async () => {
    const { CLIENT_IMPLEMENTATION } = await import('../../src/cli/get/transport.js');
    assert.equal(CLIENT_IMPLEMENTATION, 'trama');
  });

  test('GET to stdout, exit 0, nothing on stderr', async () => {
    const r = await runTrama(['get', u('/hello')]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.toString(), 'hello\n');
    assert.equal(r.stderr, '');
  });

  test('default headers; -H adds, -H "Name:" removes, -A sets the agent', async () => {
    const [m1, m2] = [mark(), mark()];
    await runTrama(['get', '-H', 'X-Trace: abc', '-H', 'Accept:', '-A', 'probe/1', u(`/hello?m=${m1}`)]);
    const s = seenWith(m1)[0]!;
    assert.equal(s.headers['x-trace'], 'abc');
    assert.equal(s.headers.accept, undefined);
    assert.equal(s.headers['user-agent'], 'probe/1');
    await runTrama(['get', u(`/hello?m=${m2}`)]);
    assert.match(String(seenWith(m2)[0]!.headers['user-agent']), /^trama\/\d+\.\d+\.\d+/);
    assert.equal(seenWith(m2)[0]!.headers.accept, '*/*');
  });

  test('-d joins with & and POSTs a form; -X overrides the method', async () => {
    const r = await runTrama(['get', '-d', 'a=1', '-d', 'b=2', u('/echo')]);
    assert.deepEqual(JSON.parse(r.stdout.toString()), { method: 'POST', body: 'a=1&b=2', type: 'application/x-www-form-urlencoded' });
    const p = await runTrama(['get', '-X', 'PUT', '-H', 'Content-Type: text/plain', '--data-raw', '@literal', u('/echo')]);
    assert.deepEqual(JSON.parse(p.stdout.toString()), { method: 'PUT', body: '@literal', type: 'text/plain' });
  });

  test('-d @file strips CR/LF, --data-binary @file keeps them, @- reads stdin', async () => {
    const f = join(state.base, 'data.txt');
    writeFileSync(f, 'x=1\r\ny=2\n');
    assert.equal(JSON.parse((await runTrama(['get', '-d', `@${f}`, u('/echo')])).stdout.toString()).body, 'x=1y=2');
    assert.equal(JSON.parse((await runTrama(['get', '--data-binary', `@${f}`, u('/echo')])).stdout.toString()).body, 'x=1\r\ny=2\n');
    assert.equal(JSON.parse((await runTrama(['get', '--data-binary', '@-', u('/echo')], { stdin: 'from stdin' })).stdout.toString()).body, 'from stdin');
    const mixed = await runTrama(['get', '--data-raw', 'first', '-d', 'second', '--data-binary', 'third', u('/echo')]);
    assert.equal(JSON.parse(mixed.stdout.toString()).body, 'first&second&third', 'command-line order');
    const missing = await runTrama(['get', '-d', `@${join(state.base, 'nope')}`, u('/echo')]);
    assert.equal(missing.code, 26);
    assertOneErrorLine(missing.stderr, /Failed to read data/);
  });

  test('-i prefixes the head; -I sends HEAD and prints the head only', async () => {
    const i = (await runTrama(['get', '-i', u('/hello')])).stdout.toString();
    assert.match(i, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(i, /\r\nContent-Type: text\/plain\r\n/);
    assert.ok(i.endsWith('\r\n\r\nhello\n'));
    const m = mark();
    const h = (await runTrama(['get', '-I', u(`/hello?m=${m}`)])).stdout.toString();
    assert.equal(seenWith(m)[0]!.method, 'HEAD');
    assert.match(h, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(h.endsWith('\r\n\r\n'));
  });

  test('-o FILE writes the body there, stdout stays empty', async () => {
    const out = join(state.base, 'out.bin');
    const r = await runTrama(['get', '-o', out, u('/big')]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.length, 0);
    assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal');
    assert.deepEqual(readFileSync(out), Buffer.alloc(1 << 20, 0x61));
  });

  test('--compressed asks for gzip/br and decodes', async () => {
    const m = mark();
    const r = await runTrama(['get', '--compressed', u(`/gzip?m=${m}`)]);
    assert.equal(r.stdout.toString(), 'decoded body\n');
    assert.equal(seenWith(m)[0]!.headers['accept-encoding'], 'gzip, br');
  });

  test('-f: 404 → exit 22 and no body; without -f the body is printed', async () => {
    const f = await runTrama(['get', '-f', u('/missing')]);
    assert.equal(f.code, 22);
    assert.equal(f.stdout.length, 0);
    assertOneErrorLine(f.stderr, /returned error: 404/);
    const n = await runTrama(['get', u('/missing')]);
    assert.equal(n.code, 0);
    assert.equal(n.stdout.toString(), 'no such thing\n');
  });
});

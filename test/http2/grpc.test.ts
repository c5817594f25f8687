// A real consumer: @grpc/grpc-js, server and client, each end in its own child process with its
// http2 module either node's or trama's (test/http2/fixtures/grpc-peer.cjs). Unary with metadata
// both ways (binary trailers too), 20 concurrent calls, a status error with metadata, server
// streaming, client streaming, bidi, a 4 MiB message, a deadline, a cancellation — and the
// server side sees both ends of the call as node:http2 would show them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';

const PEER = join(REPO_ROOT, 'test', 'http2', 'fixtures', 'grpc-peer.cjs');
/** How a child gets trama's http2: the program switched as a whole, as a user would. */
const ON_TRAMA = ['-r', 'trama/register'];
/** A pairing that has not reported after this long is stuck (a run takes a few seconds). */
const PAIR_DEADLINE_MS = 60_000;

type Side = 'node' | 'trama';

async function runPair(server: Side, client: Side): Promise<Record<string, unknown>> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const srv = spawn(process.execPath, [...(server === 'trama' ? ON_TRAMA : []), PEER, 'server'], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let srvErr = '';
  srv.stderr.setEncoding('utf8').on('data', (d: string) => (srvErr += d));
  try {
    const port = await new Promise<string>((resolve, reject) => {
      srv.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
      srv.once('close', (code) => reject(new Error(`grpc server exited ${code}: ${srvErr}`)));
    });
    return await new Promise((resolve, reject) => {
      const cl = spawn(process.execPath, [...(client === 'trama' ? ON_TRAMA : []), PEER, 'client', port], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      cl.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      cl.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const deadline = setTimeout(() => cl.kill('SIGKILL'), PAIR_DEADLINE_MS);
      cl.on('close', (code) => {
        clearTimeout(deadline);
        if (code !== 0) reject(new Error(`grpc client exited ${code}: ${err}\nserver: ${srvErr}`));
        else resolve(JSON.parse(out) as Record<string, unknown>);
      });
    });
  } finally {
    srv.stdin.end();
    if (srv.exitCode === null) await new Promise((r) => srv.once('close', r));
  }
}

function checkReport(r: Record<string, unknown>, server: Side, client: Side): void {
  assert.equal(r.impl, client, 'the client ran on the http2 asked for');
  assert.deepEqual(r.unary, { head: ['k1'], res: { text: 'echo:hi', count: 3, bytes: 3 }, status: 0, trailer: ['bye'], bin: '000102ff' });
  assert.deepEqual(r.concurrent, Array.from({ length: 20 }, (_, i) => `echo:c${i}`));
  assert.deepEqual(r.fail, { error: { code: 5, details: 'no such thing', why: ['asked to'] }, status: 5, trailer: [] });
  assert.deepEqual(r.serverStream, { got: ['m0', 'm1', 'm2', 'm3', 'm4'], code: 0 });
  assert.deepEqual(r.clientStream, { text: 'a+b+c', count: 3 });
  assert.deepEqual(r.bidi, { got: ['re:x0', 're:x1', 're:x2'], code: 0 });
  assert.deepEqual(r.large, { head: [''], res: { text: 'echo:big', count: 4 * 1024 * 1024, bytes: 4 * 1024 * 1024 }, status: 0, trailer: ['bye'], bin: '000102ff' });
  const deadline = r.deadline as { error: { code: number }; status: number };
  assert.equal(deadline.error.code, 4, 'DEADLINE_EXCEEDED');
  assert.equal(deadline.status, 4);
  assert.deepEqual(r.cancel, { first: 'm0', code: 1 }, 'CANCELLED');
  assert.deepEqual(r.serverSaw, { impl: server, cancelled: ['server-stream', 'unary-hang'], metadata: ['k1'] });
}

test('grpc-js server on trama/http2, grpc-js client on node:http2: every call shape', async () => {
  checkReport(await runPair('trama', 'node'), 'trama', 'node');
});

test('grpc-js client on trama/http2, grpc-js server on node:http2: every call shape', async () => {
  checkReport(await runPair('node', 'trama'), 'node', 'trama');
});

test('grpc-js on trama/http2 at both ends: every call shape', async () => {
  checkReport(await runPair('trama', 'trama'), 'trama', 'trama');
});

// `trama serve --tls-cert/--tls-key`: HTTPS on the one port (HTTP/2 by ALPN once the h2 driver is
// in, HTTP/1.1 otherwise), the https:// URL printed, the access log naming the protocol, and
// the usage errors of a half-given pair or an unreadable file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeHttps from 'node:https';
import * as http2 from 'node:http2';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServeArgs, startServe, type ServeConfig } from '../../src/cli/serve/serve-command.js';
import { UsageError } from '../../src/cli/args.js';
import { selfSignedCert } from '../support/h2-net-driver.js';

const creds = selfSignedCert();
if (creds === null && process.env.TRAMA_REQUIRE_PEERS === '1') throw new Error('openssl is required (TRAMA_REQUIRE_PEERS=1) to generate a certificate');
const skip = creds === null ? 'openssl is not installed: cannot generate a test certificate' : false;

/** A CommandIo whose stdout is kept; `logged(re)` resolves once a written line matches. */
function captureLog(): { io: never; logged: (re: RegExp) => Promise<void> } {
  let log = '';
  const waiters: Array<() => void> = [];
  const io = {
    stdout: {
      write: (s: string) => {
        log += s;
        for (const w of waiters.splice(0)) w();
        return true;
      },
    },
    stderr: { write: () => true },
  } as never;
  const logged = async (re: RegExp): Promise<void> => {
    while (!re.test(log)) await new Promise<void>((r) => waiters.push(r));
  };
  return { io, logged };
}

/** One GET over node:http2 (h2c or TLS by the URL's scheme); the body as text. */
async function h2Get(url: string, path: string, options: http2.SecureClientSessionOptions = {}): Promise<string> {
  const session = http2.connect(url, options);
  try {
    const stream = session.request({ ':path': path });
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (body += d));
    await once(stream, 'end');
    return body;
  } finally {
    session.close();
  }
}

test('--tls-cert and --tls-key go together; an unreadable file is a usage error', () => {
  assert.throws(() => parseServeArgs(['.', '--tls-cert', 'c.pem']), (e: unknown) => e instanceof UsageError && /go together/.test((e as Error).message));
  assert.throws(() => parseServeArgs(['.', '--tls-key', 'k.pem']), UsageError);
  const cfg = parseServeArgs(['.', '--tls-cert', 'c.pem', '--tls-key', 'k.pem']) as ServeConfig;
  assert.ok(cfg.tls !== undefined && cfg.tls.cert.endsWith('c.pem') && cfg.tls.key.endsWith('k.pem'));
  assert.equal((parseServeArgs(['.']) as ServeConfig).tls, undefined);
});

test('serve over HTTPS: https:// URL, files served, access log with the protocol', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trama-serve-tls-'));
  try {
    writeFileSync(join(dir, 'cert.pem'), creds!.cert);
    writeFileSync(join(dir, 'key.pem'), creds!.key);
    writeFileSync(join(dir, 'hello.txt'), 'hello over tls\n');
    const cfg = parseServeArgs([dir, '--port', '0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem'), '--no-live']) as ServeConfig;
    const { io, logged } = captureLog();
    await assert.rejects(
      startServe({ ...cfg, tls: { cert: join(dir, 'missing.pem'), key: join(dir, 'key.pem') } }, io),
      (e: unknown) => e instanceof UsageError && /cannot read the TLS certificate .*missing\.pem: ENOENT/.test((e as Error).message),
    );
    const running = await startServe(cfg, io);
    try {
      assert.match(running.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
      const r = await new Promise<{ status: number; body: string; alpn: string | false | null }>((resolve, reject) => {
        nodeHttps
          .get(`${running.url}hello.txt`, { ca: creds!.cert, servername: 'localhost', agent: false, ALPNProtocols: ['http/1.1'] } as nodeHttps.RequestOptions, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, body, alpn: (res.socket as import('node:tls').TLSSocket).alpnProtocol }));
          })
          .on('error', reject);
      });
      assert.deepEqual(r, { status: 200, body: 'hello over tls\n', alpn: 'http/1.1' });
      // The line is written at the response's 'finish', which may come after the client's 'end'.
      await logged(/"GET \/hello\.txt HTTP\/1\.1" 200 15 /);
      // HTTP/2 by ALPN (the default a browser or curl --http2 gets); the log line names it.
      assert.equal(await h2Get(running.url, '/hello.txt', { ca: creds!.cert, servername: 'localhost' }), 'hello over tls\n');
      await logged(/"GET \/hello\.txt HTTP\/2\.0" 200 15 /);
    } finally {
      await running.shutdown(true);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serve without TLS answers h2c with prior knowledge on the plain port; the log says HTTP/2.0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trama-serve-h2c-'));
  try {
    writeFileSync(join(dir, 'a.txt'), 'plain h2\n');
    const cfg = parseServeArgs([dir, '--port', '0', '--no-live']) as ServeConfig;
    const { io, logged } = captureLog();
    const running = await startServe(cfg, io);
    try {
      assert.equal(await h2Get(running.url, '/a.txt'), 'plain h2\n');
      await logged(/"GET \/a\.txt HTTP\/2\.0" 200 9 /);
    } finally {
      await running.shutdown(true);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

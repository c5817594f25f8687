// `trama get`'s curl options as a user reaches for them (-w, -O, -r, -u, -F, --data-urlencode),
// spawned against trama's server; where curl is installed, the same request through curl must
// give the same body (boundary aside) and the same -w figures. The command runs in-process
// (`getCommand`, what bin/trama.js calls) except where the current folder matters (-O): on a
// loaded machine a node process per case is what makes a test file slow.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../../src/http/server.js';
import { getCommand } from '../../src/cli/get/get-command.js';
import { assertOneErrorLine, close, listen, peerSkip, runTrama, type HttpLikeServer } from './support.js';

/** `trama get ARGS` in this process, with stdout and stderr captured (neither is a terminal). */
async function runGet(args: readonly string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const out: Buffer[] = [];
  let stderr = '';
  const code = await getCommand(args, {
    stdout: { write: (c: string | Uint8Array) => out.push(Buffer.from(c)) },
    stderr: { write: (t: string) => (stderr += t) },
    version: '0.0.0-test',
  });
  return { code, stdout: Buffer.concat(out), stderr };
}

interface Seen {
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

const seen: Seen[] = [];
let server: HttpLikeServer;
let port: number;
let base: string;

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'trama-get-options-'));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ url: req.url ?? '', headers: req.headers });
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/hello') {
        res.setHeader('Content-Type', 'text/plain');
        res.end('hello\n');
      } else if (url.pathname === '/echo') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] ?? null }));
      } else if (url.pathname === '/redirect') {
        const n = Number(url.searchParams.get('n') ?? '1');
        res.statusCode = Number(url.searchParams.get('status') ?? '302');
        res.setHeader('Location', n > 1 ? `/redirect?n=${n - 1}` : '/echo');
        res.end('moved\n');
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  port = await listen(server);
});
after(async () => {
  await close(server);
  rmSync(base, { recursive: true, force: true });
});

const u = (path: string) => `http://127.0.0.1:${port}${path}`;
let markers = 0;
const mark = (): string => `m${++markers}`;
const seenWith = (marker: string): Seen[] => seen.filter((s) => s.url.includes(`m=${marker}`));


const curlSkip = peerSkip('curl', 'apt-get install curl');
/** curl against the in-process server: spawned asynchronously (spawnSync would block the server). */
async function curl(args: readonly string[]): Promise<{ status: number | null; stdout: string }> {
  const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout };
}
/** Both boundaries replaced by one name, so two multipart bodies can be compared. */
const sameBoundary = (type: string | null, body: string): string => {
  const b = /boundary=(\S+)/.exec(type ?? '')?.[1];
  return b === undefined ? body : body.split(b).join('BOUNDARY');
};

describe("curl's everyday options", () => {
  test('-w after the body: status, sizes, URL, type, redirects; 000 and the exit code on failure', async () => {
    const r = await runGet(['-L', '-w', '\\n%{http_code} %{size_download} %{url_effective} %{content_type} %{num_redirects} %{method}%%\\t.', u('/redirect?n=2')]);
    assert.equal(r.code, 0);
    const [body, line] = r.stdout.toString().split('\n');
    assert.match(body!, /^\{"method":"GET"/);
    assert.equal(line, `200 ${Buffer.byteLength(body!)} ${u('/echo')} application/json 2 GET%\t.`);
    const failed = await runGet(['-s', '-w', '%{http_code} %{exitcode}', 'http://127.0.0.1:1/']);
    assert.deepEqual([failed.code, failed.stdout.toString(), failed.stderr], [7, '000 7', '']);
    const times = await runGet(['-s', '-o', '/dev/null', '-w', '%{time_namelookup} %{time_connect} %{time_starttransfer} %{time_total}', u('/hello')]);
    const t = times.stdout.toString().split(' ').map(Number);
    assert.equal(t.length, 4);
    for (let i = 1; i < t.length; i++) assert.ok(t[i - 1]! <= t[i]! && t[i]! > 0, times.stdout.toString());
  });

  test('-O names the file after the URL, in the current folder; a URL ending in / is exit 23', async () => {
    const dir = mkdtempSync(join(base, 'remote-name-'));
    const r = await runTrama(['get', '-O', `${u('/hello')}?x=1`], { cwd: dir });
    assert.equal(r.code, 0);
    assert.equal(readFileSync(join(dir, 'hello'), 'utf8'), 'hello\n');
    const slash = await runGet(['-O', u('/')]);
    assert.equal(slash.code, 23);
    assertOneErrorLine(slash.stderr, /Remote file name has no length/);
    const silent = await runGet(['-sO', u('/')]);
    assert.deepEqual([silent.code, silent.stderr], [23, '']);
  });

  test('-r sends a byte range; -u sends Basic credentials', async () => {
    const m = mark();
    const r = await runGet(['-r', '0-4', '-u', 'bob:s3cret', u(`/hello?m=${m}`)]);
    assert.equal(r.code, 0);
    const [req] = seenWith(m);
    assert.equal(req!.headers.range, 'bytes=0-4');
    assert.equal(req!.headers.authorization, `Basic ${Buffer.from('bob:s3cret').toString('base64')}`);
  });

  test('-F and --data-urlencode: the same body as curl sends, boundary aside', { skip: curlSkip }, async () => {
    const file = join(base, 'form-up.txt');
    writeFileSync(file, 'file body\n');
    const formArgs = ['-F', 'name=value', '-F', `file=@${file}`, '-F', `other=@${file};type=text/x-foo;filename=o.txt`, '-F', `text=<${file}`, '-F', 'q="a;b";type=text/plain', '-F', 'we"ird=1'];
    const urlArgs = ['--data-urlencode', 'a b=c d', '--data-urlencode', '=x y', '--data-urlencode', `n@${file}`, '-d', 'raw', '--data-urlencode', 'x=a b&c/é~*'];
    for (const args of [formArgs, urlArgs]) {
      const ours = await runGet([...args, u('/echo')]);
      assert.equal(ours.code, 0, ours.stderr);
      const theirs = await curl(['-s', '-H', 'Expect:', ...args, u('/echo')]);
      assert.equal(theirs.status, 0);
      const a = JSON.parse(ours.stdout.toString()) as { method: string; body: string; type: string | null };
      const b = JSON.parse(theirs.stdout) as { method: string; body: string; type: string | null };
      assert.equal(a.method, 'POST');
      assert.equal(a.type?.replace(/boundary=\S+/, 'boundary=B'), b.type?.replace(/boundary=\S+/, 'boundary=B'));
      assert.equal(sameBoundary(a.type, a.body), sameBoundary(b.type, b.body));
    }
  });

  test('-w: the same figures as curl -w for the same request', { skip: curlSkip }, async () => {
    const format = '%{http_code} %{size_download} %{url_effective} %{content_type} %{num_redirects} %{http_version} %{method} %{scheme} %{remote_ip} %{remote_port} %{exitcode}\\n';
    const args = ['-s', '-L', '-o', '/dev/null', '-w', format, u('/redirect?status=301')];
    const ours = await runGet([...args]);
    const theirs = await curl(args);
    assert.equal(ours.stdout.toString(), theirs.stdout);
  });
});


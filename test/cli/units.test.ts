// The pure pieces of the `trama` command, one transcript each: argument parsing, target
// checks, ranges, preconditions, content negotiation, listing escapes, log escapes, progress.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, UsageError, type OptionSpec } from '../../src/cli/args.js';
import { resolveTarget, encodePath, isInside, MAX_TARGET_LENGTH } from '../../src/cli/serve/safe-path.js';
import { parseRange, MAX_RANGES } from '../../src/cli/serve/range.js';
import { evaluatePreconditions, formatHttpDate, parseHttpDate, rangeAllowed, weakEtag } from '../../src/cli/serve/conditional.js';
import { negotiateEncoding } from '../../src/cli/serve/accept-encoding.js';
import { contentTypeFor, isCompressible } from '../../src/cli/serve/content-types.js';
import { escapeHtml, renderListing } from '../../src/cli/serve/listing.js';
import { escapeLogField, formatAccessLine } from '../../src/cli/serve/access-log.js';
import { renderProgress, formatBytes } from '../../src/cli/get/progress.js';
import { BINARY_TO_TERMINAL, getCommand, parseGetArgs, parseHeaderArg, parseUrl, type GetConfig } from '../../src/cli/get/get-command.js';
import { dataUrlencodePiece, formBoundary, formUrlEncode, multipartBody, parseFormArg } from '../../src/cli/get/form.js';
import { emptyStats, writeOut, WRITE_OUT_VARIABLES } from '../../src/cli/get/write-out.js';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';
import { classifyError, ExitCode, GetError } from '../../src/cli/get/exit-codes.js';
import { parseServeArgs, DEFAULT_PORT, DEFAULT_HOST, MAX_WORKERS } from '../../src/cli/serve/serve-command.js';

const SPECS: OptionSpec[] = [
  { name: 'request', short: 'X', kind: 'value' },
  { name: 'header', short: 'H', kind: 'value', multiple: true },
  { name: 'include', short: 'i', kind: 'flag' },
  { name: 'location', short: 'L', kind: 'flag' },
  { name: 'workers', short: 'w', kind: 'optional-number' },
  { name: 'max-time', kind: 'value' },
];

test('args: curl habits — attached values, bundles, repeats, options after positionals, --', () => {
  const r = parseCommandLine(['-XPOST', '-iL', 'http://x/', '-H', 'a: 1', '--header=b: 2', '--max-time', '3', '--', '-v'], SPECS);
  assert.deepEqual(r.options, { request: 'POST', include: true, location: true, header: ['a: 1', 'b: 2'], 'max-time': '3' });
  assert.deepEqual(r.positionals, ['http://x/', '-v']);
  assert.deepEqual(r.sequence.map(([n]) => n), ['request', 'include', 'location', 'header', 'header', 'max-time']);
});

test('args: an optional number takes only a number', () => {
  assert.deepEqual(parseCommandLine(['--workers', 'site'], SPECS).options, { workers: true });
  assert.deepEqual(parseCommandLine(['--workers', 'site'], SPECS).positionals, ['site']);
  assert.deepEqual(parseCommandLine(['--workers', '4', 'site'], SPECS).options, { workers: '4' });
  assert.deepEqual(parseCommandLine(['-w3'], SPECS).options, { workers: '3' });
  assert.deepEqual(parseCommandLine(['--workers=2'], SPECS).options, { workers: '2' });
});

test('args: mistakes are UsageErrors', () => {
  assert.throws(() => parseCommandLine(['--nope'], SPECS), UsageError);
  assert.throws(() => parseCommandLine(['-Z'], SPECS), UsageError);
  assert.throws(() => parseCommandLine(['-X'], SPECS), /needs a value/);
  assert.throws(() => parseCommandLine(['--include=yes'], SPECS), /takes no value/);
});

test('serve args: defaults and validation', () => {
  const c = parseServeArgs([]);
  assert.ok(c !== 'help');
  assert.equal(c.port, DEFAULT_PORT);
  assert.equal(c.host, DEFAULT_HOST);
  assert.equal(c.workers, 0);
  assert.equal(parseServeArgs(['--help']), 'help');
  assert.equal(c.single, false);
  assert.equal(c.notFoundPage, join(c.root, '404.html'));
  const spa = parseServeArgs(['site', '-s', '--404', 'site/missing.html']);
  assert.ok(spa !== 'help' && spa.single && spa.notFoundPage.endsWith(join('site', 'missing.html')));
  assert.throws(() => parseServeArgs(['--port', '70000']), /out of range/);
  assert.throws(() => parseServeArgs(['--port', 'x']), /expected an integer/);
  assert.throws(() => parseServeArgs(['a', 'b']), /one folder/);
  const w = parseServeArgs(['--workers']);
  assert.ok(w !== 'help' && w.workers >= 1);
  const max = parseServeArgs(['--workers', String(MAX_WORKERS)]);
  assert.ok(max !== 'help' && max.workers === MAX_WORKERS);
  assert.throws(() => parseServeArgs(['--workers', String(MAX_WORKERS + 1)]), /out of range/);
  assert.throws(() => parseServeArgs(['--workers', '0']), /out of range/);
});

test('safe-path: traversal in every spelling is refused before touching the disk', () => {
  const refused: Array<[string, number]> = [
    ['/../etc/passwd', 403],
    ['/a/../../etc/passwd', 403],
    ['/%2e%2e/etc/passwd', 403],
    ['/%2E%2E/etc/passwd', 403],
    ['/.%2e/etc/passwd', 403],
    ['/a/..%2f..%2fetc/passwd', 403],
    ['/..%5c..%5cetc%5cpasswd', 403],
    ['/a\\..\\b', 403],
    ['/file%00.txt', 403],
    ['/./x', 403],
    ['/%zz', 400],
    ['/a#b', 400],
    ['*', 400],
    ['/.env', 404],
    ['/a/.git/config', 404],
    ['/%2egit/config', 404],
  ];
  for (const [target, status] of refused) {
    const r = resolveTarget(target, false);
    assert.ok('status' in r, `${target} should be refused`);
    assert.equal(r.status, status, target);
  }
});

test('safe-path: accepted targets decode per segment', () => {
  assert.deepEqual(resolveTarget('/a/b%20c.txt?x=1', false), { segments: ['a', 'b c.txt'], trailingSlash: false, query: '?x=1' });
  assert.deepEqual(resolveTarget('//evil.example/', false), { segments: ['evil.example'], trailingSlash: true, query: '' });
  assert.deepEqual(resolveTarget('/', false), { segments: [], trailingSlash: true, query: '' });
  assert.deepEqual(resolveTarget('http://h:1/x', false), { segments: ['x'], trailingSlash: false, query: '' });
  assert.deepEqual(resolveTarget('/.well-known/x', true), { segments: ['.well-known', 'x'], trailingSlash: false, query: '' });
  assert.equal(encodePath(['my dir', 'a?b#c', '<x>'], true), '/my%20dir/a%3Fb%23c/%3Cx%3E/');
  assert.equal(encodePath([], false), '/');
  assert.equal(isInside('/srv/root', '/srv/root/a', '/'), true);
  assert.equal(isInside('/srv/root', '/srv/root', '/'), true);
  assert.equal(isInside('/srv/root', '/srv/rootkit/a', '/'), false);
  // The target length limit, crossed.
  assert.ok(!('status' in resolveTarget('/' + 'a'.repeat(MAX_TARGET_LENGTH - 1), false)));
  assert.deepEqual(resolveTarget('/' + 'a'.repeat(MAX_TARGET_LENGTH), false), { status: 400, reason: 'target too long' });
  assert.deepEqual(resolveTarget('/abcd', false, 4), { status: 400, reason: 'target too long' });
});

test('range: single, suffix, open, unsatisfiable, invalid, coalesced, bounded', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { kind: 'ranges', ranges: [{ start: 0, end: 99 }] });
  assert.deepEqual(parseRange('bytes=-10', 1000), { kind: 'ranges', ranges: [{ start: 990, end: 999 }] });
  assert.deepEqual(parseRange('bytes=-5000', 1000), { kind: 'ranges', ranges: [{ start: 0, end: 999 }] });
  assert.deepEqual(parseRange('bytes=900-', 1000), { kind: 'ranges', ranges: [{ start: 900, end: 999 }] });
  assert.deepEqual(parseRange('bytes=900-5000', 1000), { kind: 'ranges', ranges: [{ start: 900, end: 999 }] });
  assert.deepEqual(parseRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=0-0', 0), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=5-1', 1000), { kind: 'ignore' });
  assert.deepEqual(parseRange('items=0-1', 1000), { kind: 'ignore' });
  assert.deepEqual(parseRange('bytes=a-b', 1000), { kind: 'ignore' });
  assert.deepEqual(parseRange('bytes=', 1000), { kind: 'ignore' });
  assert.deepEqual(parseRange('bytes=0-1, 5-6, 1000-2000', 1000), { kind: 'ranges', ranges: [{ start: 0, end: 1 }, { start: 5, end: 6 }] });
  assert.deepEqual(parseRange('bytes=50-60,0-10,5-20,21-22', 1000), { kind: 'ranges', ranges: [{ start: 0, end: 22 }, { start: 50, end: 60 }] });
  const many = 'bytes=' + Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');
  assert.deepEqual(parseRange(many, 100_000), { kind: 'ignore' });
  const limit = 'bytes=' + Array.from({ length: MAX_RANGES }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');
  assert.equal(parseRange(limit, 100_000).kind, 'ranges');
});

test('http dates: the three forms, impossible dates, formatting', () => {
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), 784111777);
  assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), 784111777);
  assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), 784111777);
  assert.equal(parseHttpDate('Sun, 30 Feb 1994 08:49:37 GMT'), undefined);
  assert.equal(parseHttpDate('yesterday'), undefined);
  assert.equal(parseHttpDate('1994-11-06T08:49:37Z'), undefined);
  assert.equal(formatHttpDate(784111777), 'Sun, 06 Nov 1994 08:49:37 GMT');
});

test('preconditions: RFC 9110 §13.2.2 order and comparisons', () => {
  const v = { etag: weakEtag(12, 1_700_000_000_123), lastModified: 1_700_000_000 };
  assert.equal(v.etag, 'W/"c-18bcfe5687b"');
  const lm = formatHttpDate(v.lastModified);
  const before = formatHttpDate(v.lastModified - 10);
  const after = formatHttpDate(v.lastModified + 10);
  assert.equal(evaluatePreconditions('GET', {}, v), 'proceed');
  assert.equal(evaluatePreconditions('GET', { 'if-none-match': v.etag }, v), 304);
  assert.equal(evaluatePreconditions('GET', { 'if-none-match': v.etag.slice(2) }, v), 304, 'weak comparison ignores W/');
  assert.equal(evaluatePreconditions('HEAD', { 'if-none-match': `"x", ${v.etag}` }, v), 304);
  assert.equal(evaluatePreconditions('GET', { 'if-none-match': '*' }, v), 304);
  assert.equal(evaluatePreconditions('GET', { 'if-none-match': '"other"' }, v), 'proceed');
  assert.equal(evaluatePreconditions('DELETE', { 'if-none-match': '*' }, v), 412);
  assert.equal(evaluatePreconditions('GET', { 'if-modified-since': lm }, v), 304);
  assert.equal(evaluatePreconditions('GET', { 'if-modified-since': after }, v), 304);
  assert.equal(evaluatePreconditions('GET', { 'if-modified-since': before }, v), 'proceed');
  assert.equal(evaluatePreconditions('GET', { 'if-modified-since': 'garbage' }, v), 'proceed');
  assert.equal(evaluatePreconditions('GET', { 'if-none-match': '"other"', 'if-modified-since': lm }, v), 'proceed', 'INM wins over IMS');
  assert.equal(evaluatePreconditions('GET', { 'if-match': '*' }, v), 'proceed');
  assert.equal(evaluatePreconditions('GET', { 'if-match': v.etag }, v), 412, 'strong comparison never matches a weak tag');
  assert.equal(evaluatePreconditions('GET', { 'if-match': '"nope"' }, v), 412);
  assert.equal(evaluatePreconditions('GET', { 'if-unmodified-since': before }, v), 412);
  assert.equal(evaluatePreconditions('GET', { 'if-unmodified-since': lm }, v), 'proceed');
  assert.equal(evaluatePreconditions('GET', { 'if-match': '*', 'if-unmodified-since': before }, v), 'proceed', 'IUS only without If-Match');
  assert.equal(rangeAllowed(undefined, v), true);
  assert.equal(rangeAllowed(lm, v), true);
  assert.equal(rangeAllowed(before, v), false);
  assert.equal(rangeAllowed(v.etag, v), false);
  assert.equal(rangeAllowed('"strong"', v), false);
});

test('accept-encoding: q-values, ties, wildcards, refusals', () => {
  assert.equal(negotiateEncoding(undefined), 'identity');
  assert.equal(negotiateEncoding(''), 'identity');
  assert.equal(negotiateEncoding('gzip, deflate, br'), 'br');
  assert.equal(negotiateEncoding('gzip'), 'gzip');
  assert.equal(negotiateEncoding('x-gzip'), 'gzip');
  assert.equal(negotiateEncoding('gzip;q=1, br;q=0.5'), 'gzip');
  assert.equal(negotiateEncoding('gzip;q=0.5'), 'gzip');
  assert.equal(negotiateEncoding('br;q=0, gzip;q=0'), 'identity');
  assert.equal(negotiateEncoding('*'), 'br');
  assert.equal(negotiateEncoding('*;q=0.2, br;q=0'), 'gzip');
  assert.equal(negotiateEncoding('gzip;q=0.5, identity;q=1'), 'identity');
  assert.equal(negotiateEncoding('deflate'), 'identity');
  assert.equal(negotiateEncoding('GZIP;Q=0.8'), 'gzip');
  assert.equal(negotiateEncoding('gzip;q=2'), 'identity', 'an invalid q counts as 0');
});

test('content types: table lookup and compressibility', () => {
  assert.equal(contentTypeFor('index.HTML'), 'text/html; charset=utf-8');
  assert.equal(contentTypeFor('logo.svg'), 'image/svg+xml; charset=utf-8');
  assert.equal(contentTypeFor('x.unknownext'), 'application/octet-stream');
  assert.equal(contentTypeFor('Makefile'), 'application/octet-stream');
  assert.equal(isCompressible('text/css; charset=utf-8'), true);
  assert.equal(isCompressible('image/svg+xml; charset=utf-8'), true);
  assert.equal(isCompressible('image/png'), false);
  assert.equal(isCompressible('application/gzip'), false);
});

test('listing: hostile names are escaped where shown and encoded where linked', () => {
  const html = renderListing(['d<ir>'], [
    { name: '<img src=x onerror=alert(1)>', isDirectory: false, size: 1, mtimeMs: 0 },
    { name: `a"b'c&d`, isDirectory: false, size: 2048, mtimeMs: 0 },
    { name: 'q?x#y', isDirectory: true, size: 0, mtimeMs: 0 },
  ]);
  assert.ok(!html.includes('<img'), 'no raw tag from a file name');
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(html.includes('href="/d%3Cir%3E/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"'));
  assert.ok(html.includes('a&quot;b&#39;c&amp;d'));
  assert.ok(html.includes(`href="/d%3Cir%3E/a%22b&#39;c%26d"`));
  assert.ok(html.includes('href="/d%3Cir%3E/q%3Fx%23y/"'), 'a directory link ends with /');
  assert.ok(html.includes('Index of /d&lt;ir&gt;/'));
  assert.ok(html.indexOf('q?x#y') < html.indexOf('&lt;img'), 'directories first');
  assert.equal(escapeHtml(`<&>"'`), '&lt;&amp;&gt;&quot;&#39;');
});

test('access log: one line whatever the peer sent', () => {
  assert.equal(escapeLogField('a"b\r\nc\\'), 'a\\x22b\\x0d\\x0ac\\x5c');
  const line = formatAccessLine({
    remoteAddress: '127.0.0.1',
    time: new Date(Date.UTC(2026, 10, 24, 3, 4, 5)),
    method: 'GET',
    url: '/x\r\n127.0.0.1 - - fake',
    httpVersion: '1.1',
    status: 200,
    bytes: 12,
    referer: undefined,
    userAgent: 'curl/7.88.1',
    durationMs: 1.25,
  });
  assert.equal(line, '127.0.0.1 - - [24/Nov/2026:03:04:05 +0000] "GET /x\\x0d\\x0a127.0.0.1 - - fake HTTP/1.1" 200 12 "-" "curl/7.88.1" 1.3ms');
  assert.ok(!line.includes('\n'));
});

test('progress: bar with a known length, bytes and rate without', () => {
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
  const line = renderProgress({ received: 512, total: 1024, elapsedMs: 1000, columns: 80 });
  assert.equal(line, `[${'#'.repeat(20)}${'.'.repeat(20)}]  50%  512 B / 1.0 KiB  512 B/s`);
  assert.ok(line.length <= 79);
  assert.equal(renderProgress({ received: 2048, total: undefined, elapsedMs: 2000, columns: 80 }), '2.0 KiB  1.0 KiB/s');
  assert.ok(renderProgress({ received: 1, total: 2, elapsedMs: 1, columns: 20 }).length <= 19, 'a narrow terminal gets no wrapped line');
});

test('get: -H parsing and injection refusal', () => {
  assert.deepEqual(parseHeaderArg('X-Trace:  abc '), ['X-Trace', 'abc']);
  assert.deepEqual(parseHeaderArg('Accept:'), ['Accept', null]);
  assert.deepEqual(parseHeaderArg('X-Empty;'), ['X-Empty', '']);
  assert.throws(() => parseHeaderArg('a: b\r\nc: d'), /header injection refused/);
  assert.throws(() => parseHeaderArg('a: b\nc: d'), /header injection refused/);
  assert.throws(() => parseHeaderArg('a: b\0'), /header injection refused/);
  assert.throws(() => parseHeaderArg('bad name: x'), /not a valid token/);
  assert.throws(() => parseHeaderArg('no-colon'), /expected "Name: value"/);
  // The message stays on one line: the CR/LF are shown escaped.
  try {
    parseHeaderArg('a: b\r\nc: d');
  } catch (err) {
    assert.ok(!(err as Error).message.includes('\n'));
  }
});

test('get: URLs like curl (default scheme, http/https only)', () => {
  assert.equal(parseUrl('127.0.0.1:8080/x').href, 'http://127.0.0.1:8080/x');
  assert.throws(() => parseUrl('ftp://example.test/'), (e: unknown) => e instanceof GetError && e.exitCode === ExitCode.UNSUPPORTED_PROTOCOL);
  assert.throws(() => parseUrl('http://'), (e: unknown) => e instanceof GetError && e.exitCode === ExitCode.URL_MALFORMED);
});

test('get: errors map to curl exit codes', () => {
  const ctx = { host: 'h', port: 1, tls: false, connected: false, secured: false, responseStarted: false };
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });
  assert.equal(classifyError(err('ENOTFOUND'), ctx).exitCode, 6);
  assert.equal(classifyError(err('EAI_AGAIN'), ctx).exitCode, 6);
  assert.equal(classifyError(err('ECONNREFUSED'), ctx).exitCode, 7);
  assert.equal(classifyError(err('EHOSTUNREACH'), ctx).exitCode, 7);
  assert.equal(classifyError(err('ETIMEDOUT'), ctx).exitCode, 28);
  assert.equal(classifyError(err('DEPTH_ZERO_SELF_SIGNED_CERT'), { ...ctx, tls: true, connected: true }).exitCode, 60);
  assert.equal(classifyError(err('ERR_TLS_CERT_ALTNAME_INVALID'), { ...ctx, tls: true, connected: true }).exitCode, 60);
  assert.equal(classifyError(err('EPROTO'), { ...ctx, tls: true, connected: true }).exitCode, 35);
  assert.equal(classifyError(err('HPE_INVALID_CONSTANT'), { ...ctx, connected: true }).exitCode, 8);
  assert.equal(classifyError(err('ECONNRESET', 'socket hang up'), { ...ctx, connected: true }).exitCode, 52);
  assert.equal(classifyError(err('ECONNRESET'), { ...ctx, connected: true, responseStarted: true }).exitCode, 56);
});

test('version: src/version.ts says what package.json says (the User-Agent carries it)', async () => {
  const { VERSION, USER_AGENT } = await import('../../src/version.js');
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(VERSION, pkg.version);
  assert.equal(USER_AGENT, `trama/${pkg.version}`);
});

test('get -F: text, @file, <file, ;type= ;filename=, quotes, bad forms (curl 7.88 semantics)', async () => {
  const files: Record<string, Buffer> = { 'dir/up.txt': Buffer.from('file body\n'), 'logo.svg': Buffer.from('<svg/>'), 'x.bin': Buffer.from([0, 1]) };
  const read = async (f: string): Promise<Buffer> => {
    const b = files[f];
    if (b === undefined) throw Object.assign(new Error(`ENOENT: ${f}`), { code: 'ENOENT' });
    return b;
  };
  assert.deepEqual(await parseFormArg('name=value', false, read), { name: 'name', content: Buffer.from('value') });
  assert.deepEqual(await parseFormArg('f=@dir/up.txt', false, read), { name: 'f', content: files['dir/up.txt'], filename: 'up.txt', contentType: 'text/plain' });
  assert.deepEqual(await parseFormArg('f=@logo.svg', false, read), { name: 'f', content: files['logo.svg'], filename: 'logo.svg', contentType: 'image/svg+xml' });
  assert.equal((await parseFormArg('f=@x.bin', false, read)).contentType, 'application/octet-stream');
  assert.deepEqual(await parseFormArg('f=@dir/up.txt;type=text/x-foo;filename=o.txt', false, read), {
    name: 'f',
    content: files['dir/up.txt'],
    filename: 'o.txt',
    contentType: 'text/x-foo',
  });
  assert.deepEqual(await parseFormArg('t=<dir/up.txt', false, read), { name: 't', content: files['dir/up.txt'] });
  assert.deepEqual(await parseFormArg('q="a;b\\"c";type=text/plain', false, read), { name: 'q', content: Buffer.from('a;b"c'), contentType: 'text/plain' });
  assert.deepEqual(await parseFormArg('v=x;type=text/csv', false, read), { name: 'v', content: Buffer.from('x'), contentType: 'text/csv' });
  assert.deepEqual(await parseFormArg('s=@not-a-file;type=x', true, read), { name: 's', content: Buffer.from('@not-a-file;type=x') });
  await assert.rejects(parseFormArg('novalue', false, read), UsageError);
  await assert.rejects(parseFormArg('=x', false, read), UsageError);
  await assert.rejects(parseFormArg('f=@', false, read), UsageError);
  await assert.rejects(parseFormArg('q="open', false, read), UsageError);
  await assert.rejects(parseFormArg('f=@missing', false, read), (e: unknown) => e instanceof GetError && e.exitCode === ExitCode.READ_ERROR);
});

test('get -F: the multipart body, byte for byte; quotes and line breaks in names cannot break out', () => {
  const body = multipartBody(
    [
      { name: 'a', content: Buffer.from('1') },
      { name: 'we"ird\r\n', content: Buffer.from([0, 255]), filename: 'a"b.bin', contentType: 'application/octet-stream' },
      { name: 'e', content: Buffer.alloc(0) },
    ],
    'XYZ',
  );
  assert.deepEqual(
    body,
    Buffer.concat([
      Buffer.from('--XYZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'),
      Buffer.from('--XYZ\r\nContent-Disposition: form-data; name="we%22ird%0D%0A"; filename="a%22b.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'),
      Buffer.from([0, 255]),
      Buffer.from('\r\n--XYZ\r\nContent-Disposition: form-data; name="e"\r\n\r\n\r\n--XYZ--\r\n'),
    ]),
  );
  const b1 = formBoundary();
  assert.match(b1, /^-{24}[0-9a-f]{24}$/);
  assert.notEqual(b1, formBoundary());
});

test('get --data-urlencode: the five forms and the encoding (curl 7.88 output)', async () => {
  const read = async (f: string): Promise<Buffer> => (f === 'up.txt' ? Buffer.from('file body\n') : Promise.reject(new Error('ENOENT')));
  assert.equal(await dataUrlencodePiece('a b=c d', read), 'a b=c+d');
  assert.equal(await dataUrlencodePiece('=x y', read), 'x+y');
  assert.equal(await dataUrlencodePiece('plain text', read), 'plain+text');
  assert.equal(await dataUrlencodePiece('n@up.txt', read), 'n=file+body%0A');
  assert.equal(await dataUrlencodePiece('@up.txt', read), 'file+body%0A');
  assert.equal(await dataUrlencodePiece('x=a b&c/é~*', read), 'x=a+b%26c%2F%C3%A9~%2A');
  assert.equal(formUrlEncode(Buffer.from([0, 0x7f, 0x2e, 0x2d, 0x5f])), '%00%7F.-_');
});

test('get -w: variables, %%, \\n \\r \\t, other backslashes kept, %{stdout}/%{stderr}, unknown variables', () => {
  const stats = emptyStats('GET', 'http://127.0.0.1:8080/x');
  Object.assign(stats, { httpCode: 200, timeTotal: 1234.5678, sizeDownload: 12, contentType: 'text/plain', numRedirects: 2, remoteIp: '127.0.0.1', remotePort: 8080 });
  const out: string[] = [];
  const err: string[] = [];
  const warnings: string[] = [];
  writeOut('%{http_code} %{time_total} %{size_download} %{url_effective} %{content_type} %{num_redirects} %{remote_ip}:%{remote_port} %{scheme} 100%% a\\tb\\nc\\\\d\\q%{stderr}E%{bogus}%{stdout}O %{unterminated', stats, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    warn: (m) => warnings.push(m),
  });
  assert.deepEqual(out, ['200 1.234568 12 http://127.0.0.1:8080/x text/plain 2 127.0.0.1:8080 HTTP 100% a\tb\nc\\\\d\\q', 'O %{unterminated']);
  assert.deepEqual(err, ['E']);
  assert.deepEqual(warnings, ["unknown --write-out variable: 'bogus'"]);
  // Nothing happened: curl's 000 and zero times.
  const none: string[] = [];
  writeOut('%{http_code} %{time_connect} %{remote_port}', emptyStats('GET', 'http://x/'), { stdout: (t) => none.push(t), stderr: () => {}, warn: () => {} });
  assert.deepEqual(none, ['000 0.000000 0']);
  for (const v of ['http_code', 'time_total', 'size_download', 'url_effective', 'time_starttransfer', 'exitcode', 'errormsg']) assert.ok(WRITE_OUT_VARIABLES.includes(v), v);
});

test('get: -u, -r, -O, -F with -d, -I with -F, --compressed defaults at parse time', async () => {
  const u = (await parseGetArgs(['-u', 'bob:s3cret', 'http://h/'], '1.0.0')) as GetConfig;
  assert.deepEqual(u.headers[0], ['Authorization', 'Basic Ym9iOnMzY3JldA==']);
  const own = (await parseGetArgs(['-u', 'bob:x', '-H', 'Authorization: Bearer t', 'http://h/'], '1.0.0')) as GetConfig;
  assert.deepEqual(own.headers, [['Authorization', 'Bearer t']]);
  await assert.rejects(parseGetArgs(['-u', 'bob', 'http://h/'], '1.0.0'), UsageError);
  const r = (await parseGetArgs(['-r', '0-99,-5', 'http://h/'], '1.0.0')) as GetConfig;
  assert.deepEqual(r.headers, [['Range', 'bytes=0-99,-5']]);
  await assert.rejects(parseGetArgs(['-r', '0-1\r\nX: y', 'http://h/'], '1.0.0'), UsageError);
  assert.equal(((await parseGetArgs(['-O', 'http://h/a/b%20c.txt?q=1#f'], '1.0.0')) as GetConfig).output, 'b%20c.txt');
  assert.equal(((await parseGetArgs(['-O', '-o', 'x', 'http://h/a/b.txt'], '1.0.0')) as GetConfig).output, 'x');
  await assert.rejects(parseGetArgs(['-O', 'http://h/a/'], '1.0.0'), (e: unknown) => e instanceof GetError && e.exitCode === ExitCode.WRITE_ERROR);
  await assert.rejects(parseGetArgs(['-F', 'a=b', '-d', 'c', 'http://h/'], '1.0.0'), UsageError);
  await assert.rejects(parseGetArgs(['-I', '-F', 'a=b', 'http://h/'], '1.0.0'), UsageError);
  const f = (await parseGetArgs(['-F', 'a=b', 'http://h/'], '1.0.0')) as GetConfig;
  assert.equal(f.method, 'POST');
  const type = f.headers.find(([n]) => n === 'Content-Type')![1];
  const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(type)![1]!;
  assert.equal(f.body!.toString(), `--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--${boundary}--\r\n`);
  const mixed = (await parseGetArgs(['-d', 'a=1', '--data-urlencode', 'b=x y', 'http://h/'], '1.0.0')) as GetConfig;
  assert.equal(mixed.body!.toString(), 'a=1&b=x+y');
  await assert.rejects(parseGetArgs(['--cacert', '/nonexistent/ca.pem', 'https://h/'], '1.0.0'), (e: unknown) => e instanceof GetError && e.exitCode === ExitCode.SSL_CACERT_BADFILE);
});

test('get: a binary body is refused on a terminal (exit 23, one line), printed with -o -, text passes', async () => {
  const { createServer } = await import('../../src/http/server.js');
  const server = createServer((req, res) => res.end(req.url === '/bin' ? Buffer.from([0x41, 0, 0x42]) : 'text\n'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const run = async (args: string[]): Promise<{ code: number; out: Buffer; err: string }> => {
    const out: Buffer[] = [];
    let err = '';
    const code = await getCommand(args, {
      stdout: { isTTY: true, write: (c: string | Uint8Array) => out.push(Buffer.from(c)) },
      stderr: { isTTY: true, write: (s: string) => (err += s) },
      version: '1.0.0',
    });
    return { code, out: Buffer.concat(out), err };
  };
  try {
    const refused = await run([`${base}/bin`]);
    assert.equal(refused.code, 23);
    assert.equal(refused.out.length, 0);
    assert.equal(refused.err, `trama: ${BINARY_TO_TERMINAL}\n`);
    assert.deepEqual(await run(['-s', `${base}/bin`]), { code: 23, out: Buffer.alloc(0), err: '' });
    const forced = await run(['--output', '-', `${base}/bin`]);
    assert.deepEqual([forced.code, forced.out], [0, Buffer.from([0x41, 0, 0x42])]);
    assert.deepEqual((await run([`${base}/text`])).out.toString(), 'text\n');
  } finally {
    server.close();
  }
});

test('help texts: plain lines (no tab or CR from an escape), none wider than 100 columns', async () => {
  const { GET_USAGE } = await import('../../src/cli/get/get-command.js');
  const { SERVE_USAGE } = await import('../../src/cli/serve/serve-command.js');
  for (const text of [GET_USAGE, SERVE_USAGE]) {
    assert.doesNotMatch(text, /[\t\r]/);
    for (const line of text.split('\n')) assert.ok(line.length <= 100, line);
  }
});

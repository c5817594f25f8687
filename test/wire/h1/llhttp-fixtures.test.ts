/**
 * llhttp's own fixtures (../shared/conformance/llhttp/cases.json, see its NOTE.md) through
 * trama's parser: every strict case (meta.type 'request' / 'response') for the verdict and, for
 * accepted input, the parsed method/url/version/status, field pairs, body bytes and message
 * count — on the whole input, at every split point into two chunks (unless noScan) and byte by
 * byte. Lenient cases run with `lenient: true` (node's insecureHTTPParser = all of llhttp's
 * lenient flags at once) and are compared where that mode aims to match.
 *
 * Normalisations (not differences): field values are compared with trailing OWS trimmed (node
 * trims them, and so does trama); the fixtures are run with `requireHost: false` because llhttp
 * itself does not require Host (trama's default does, see rfc-smuggling.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { conformance, testsNeeding } from '../../support/conformance.js';
import { run, split2, bytewise, summary, type RunOptions } from './support.js';
import type { H1Role } from '../../../src/wire/h1/types.js';

interface Case {
  file: string;
  line: number;
  name: string;
  kind: 'http' | 'url';
  meta: { type?: string; noScan?: boolean; pause?: string; skipBody?: boolean };
  input_b64: string;
  expected: string[];
  expect_error: boolean;
  error_code?: number;
  error_reason?: string;
}

const CASES_FILE = conformance('llhttp/cases.json');
const CONSTANTS_FILE = conformance('llhttp/llhttp-constants.json');
const test = testsNeeding(CASES_FILE, CONSTANTS_FILE);
const CASES: Case[] = CASES_FILE.skip ? [] : JSON.parse(readFileSync(CASES_FILE.path, 'utf8'));
const ERRORS: Record<string, number> = CONSTANTS_FILE.skip ? {} : JSON.parse(readFileSync(CONSTANTS_FILE.path, 'utf8')).ERROR;
const CODE_NAME = new Map(Object.entries(ERRORS).map(([k, v]) => [v, `HPE_${k}`]));

/**
 * Deliberate differences from a strict fixture, with the reason (also in docs/wire-h1.md).
 * Key: `file:line`. Value: why trama's verdict differs.
 */
export const STRICT_DIFFERENCES: Record<string, string> = {};

interface ExpectedMsg {
  method: string;
  url: string;
  version: string;
  status: number;
  fields: string[];
  trailers: string[];
  body: string;
  complete: boolean;
}

function spanValue(v: string): string {
  if (v === 'cr') return '\r';
  if (v === 'lf') return '\n';
  // The log prints span bytes raw between the quotes (no escaping).
  return v.slice(1, -1);
}

/** Reconstruct the messages from an llhttp log. */
function expectedMessages(log: string[]): ExpectedMsg[] {
  const out: ExpectedMsg[] = [];
  let cur: ExpectedMsg | null = null;
  let field = '';
  let value = '';
  let inTrailers = false;
  let method = '';
  let url = '';
  const fresh = (): ExpectedMsg => ({ method: '', url: '', version: '', status: 0, fields: [], trailers: [], body: '', complete: false });
  let pending = fresh();
  for (const line of log) {
    const span = /^off=\d+ len=\d+ span\[(\w+)\]=(.*)$/.exec(line);
    if (span) {
      const [, kind, raw] = span;
      const v = spanValue(raw!);
      if (kind === 'method') method += v;
      else if (kind === 'url') url += v;
      else if (kind === 'header_field') field += v;
      else if (kind === 'header_value') value += v;
      else if (kind === 'body') cur!.body += v;
      continue;
    }
    if (/ message begin$/.test(line)) {
      pending = fresh();
      method = '';
      url = '';
      inTrailers = false;
      continue;
    }
    if (/ header_value complete$/.test(line)) {
      const list = inTrailers ? cur!.trailers : pending.fields;
      list.push(field, value.replace(/[ \t]+$/, ''));
      field = '';
      value = '';
      continue;
    }
    const hc = / headers complete (?:method=\d+|status=(\d+)) v=(\d+)\/(\d+)/.exec(line);
    if (hc) {
      pending.method = method;
      pending.url = url;
      pending.status = hc[1] ? Number(hc[1]) : 0;
      pending.version = `${hc[2]}.${hc[3]}`;
      cur = pending;
      out.push(cur);
      inTrailers = true;
      continue;
    }
    if (/ message complete$/.test(line)) {
      cur!.complete = true;
      continue;
    }
  }
  return out;
}

function roleOf(type: string): H1Role {
  return type.startsWith('request') ? 'request' : 'response';
}

function runOptions(c: Case): RunOptions {
  const ro: RunOptions = {};
  if (c.meta.skipBody) ro.skipBody = true;
  if (c.meta.pause === 'on_headers_complete') ro.pauseIn = 'onHeadersComplete';
  if (c.meta.pause === 'on_message_complete') ro.pauseIn = 'onMessageComplete';
  if (c.meta.type?.endsWith('-finish')) ro.finish = false;
  return ro;
}

function isUpgradeCode(code: number | undefined): boolean {
  return code === 22 || code === 23;
}

/** Lenient comparisons: obs-fold joins and whitespace before the colon are normalised (see docs). */
function normalise(list: string[], lenient: boolean): string[] {
  if (!lenient) return list;
  return list.map((x) => x.replace(/[ \t]+/g, ' ').trim());
}

function check(c: Case, lenient: boolean): { verdict: boolean; messages: boolean; codeMatch: boolean; why: string } {
  const input = Buffer.from(c.input_b64, 'base64');
  const role = roleOf(c.meta.type!);
  const opts = { role, lenient, requireHost: false };
  const ro = runOptions(c);
  const whole = run(opts, [input], ro);
  const expectReject = c.expect_error && !isUpgradeCode(c.error_code);
  const gotReject = whole.error !== null;
  const verdict = expectReject === gotReject;
  let why = verdict ? '' : `expected ${expectReject ? `reject (${c.error_reason})` : 'accept'}, got ${whole.error ? `${whole.error.code} ${whole.error.reason}` : 'accept'}`;
  const codeMatch = !expectReject || (whole.error !== null && whole.error.code === CODE_NAME.get(c.error_code!));
  if (!codeMatch) why = `expected ${CODE_NAME.get(c.error_code!)} (${c.error_reason}), got ${whole.error?.code} ${whole.error?.reason}`;
  let messages = true;
  if (verdict && !expectReject) {
    const exp = expectedMessages(c.expected)
      .filter((m) => m.method !== 'PRI')
      .map((m) => ({ ...m, fields: normalise(m.fields, lenient), trailers: normalise(m.trailers, lenient) }));
    const got = whole.messages
      .filter((m) => m.head.method !== 'PRI')
      .map((m) => ({
        method: m.head.method,
        url: m.head.url,
        version: `${m.head.versionMajor}.${m.head.versionMinor}`,
        status: m.head.statusCode,
        fields: normalise(m.head.rawHeaders, lenient),
        trailers: normalise(m.trailers ?? [], lenient),
        body: m.body,
        complete: m.complete,
      }));
    try {
      assert.deepEqual(got, exp);
    } catch (e) {
      messages = false;
      why = `messages differ: ${(e as Error).message.slice(0, 1500)}`;
    }
  }
  return { verdict, messages, codeMatch, why };
}

/** Every split point (two chunks) and byte-by-byte give the same result as the whole input. */
function checkSplits(c: Case, lenient: boolean): string | null {
  const input = Buffer.from(c.input_b64, 'base64');
  const opts = { role: roleOf(c.meta.type!), lenient, requireHost: false };
  const ro = runOptions(c);
  const want = summary(run(opts, [input], ro));
  for (let i = 1; i < input.length; i++) {
    const got = summary(run(opts, split2(input, i), ro));
    try {
      assert.deepEqual(got, want);
    } catch (e) {
      return `split at ${i}: ${(e as Error).message.slice(0, 1200)}`;
    }
  }
  const got = summary(run(opts, bytewise(input), ro));
  try {
    assert.deepEqual(got, want);
  } catch (e) {
    return `byte-by-byte: ${(e as Error).message.slice(0, 1200)}`;
  }
  return null;
}

const strict = CASES.filter((c) => c.kind === 'http' && (c.meta.type === 'request' || c.meta.type === 'response'));
const lenientCases = CASES.filter(
  (c) => c.kind === 'http' && c.meta.type !== undefined && /lenient/.test(c.meta.type),
);

test('llhttp strict fixtures: verdicts and parsed messages', () => {
  const failures: string[] = [];
  let accepted = 0;
  let rejected = 0;
  let codes = 0;
  for (const c of strict) {
    const key = `${c.file}:${c.line}`;
    const r = check(c, false);
    const ok = r.verdict && r.messages;
    if (ok) {
      if (c.expect_error && !isUpgradeCode(c.error_code)) rejected++;
      else accepted++;
      if (c.expect_error && !isUpgradeCode(c.error_code) && r.codeMatch) codes++;
    }
    if (!ok && !(key in STRICT_DIFFERENCES)) failures.push(`${key} ${c.name}: ${r.why}`);
    if (ok && !r.codeMatch && !(key in STRICT_DIFFERENCES)) failures.push(`${key} ${c.name}: rejected with another code (${r.why})`);
    if (ok && r.codeMatch && key in STRICT_DIFFERENCES) failures.push(`${key} ${c.name}: listed as a difference but matches`);
  }
  const expRejected = strict.filter((c) => c.expect_error && !isUpgradeCode(c.error_code)).length;
  // The fixtures were read (a filter that matched nothing would pass vacuously).
  assert.ok(accepted > 0 && expRejected > 0, `${strict.length} strict cases`);
  console.log(
    `llhttp strict: ${strict.length} cases; accepted matched ${accepted}/${strict.length - expRejected}, ` +
      `rejected matched ${rejected}/${expRejected} (same HPE code: ${codes}); listed differences ${Object.keys(STRICT_DIFFERENCES).length}`,
  );
  assert.deepEqual(failures, []);
});

test('llhttp strict fixtures: every split point and byte-by-byte give the same result', () => {
  const failures: string[] = [];
  let scanned = 0;
  for (const c of strict) {
    if (c.meta.noScan) continue;
    scanned++;
    const f = checkSplits(c, false);
    if (f !== null) failures.push(`${c.file}:${c.line} ${c.name}: ${f}`);
  }
  console.log(`llhttp strict: ${scanned} cases re-run at every split point`);
  assert.ok(scanned > 0);
  assert.deepEqual(failures, []);
});

/**
 * Lenient fixtures where trama's lenient mode differs, with the reason. llhttp's lenient cases
 * switch ONE flag on; node's insecureHTTPParser (our `lenient`) switches all of them on, so a
 * case whose expected error comes from another, still-strict flag is accepted here.
 */
export const LENIENT_DIFFERENCES: Record<string, string> = {
  'request/lenient-header-value-relaxed.md:80':
    'expected to fail with only the relaxed-value flag; insecureHTTPParser also turns on optional-CR-before-LF, which accepts the bare LF',
  'request/lenient-header-value-relaxed.md:115':
    'expected to fail with only the relaxed-value flag; insecureHTTPParser also turns on lenient headers / optional-LF-after-CR, which accept the bare CR',
  'request/lenient-header-value-relaxed.md:145':
    'expected to fail with only the relaxed-value flag; insecureHTTPParser also turns on lenient headers, which skip whitespace after the start line',
  'request/transfer-encoding.md:955':
    'expected to fail with only the lenient-headers flag; insecureHTTPParser also turns on lenient transfer-encoding, which reads a non-chunked request body until close',
  'response/connection.md:202':
    'expected to pass with only data-after-close; insecureHTTPParser also turns on lenient keep-alive, which parses the bytes after a close as a new (here invalid) message',
};

test('llhttp lenient fixtures (lenient: true = insecureHTTPParser)', () => {
  const failures: string[] = [];
  let matched = 0;
  for (const c of lenientCases) {
    const key = `${c.file}:${c.line}`;
    const r = check(c, true);
    const ok = r.verdict && r.messages;
    if (ok) matched++;
    if (!ok && !(key in LENIENT_DIFFERENCES)) failures.push(`${key} ${c.name}: ${r.why}`);
    if (ok && key in LENIENT_DIFFERENCES) failures.push(`${key} ${c.name}: listed as a difference but matches`);
    if (ok && !c.meta.noScan) {
      const f = checkSplits(c, true);
      if (f !== null) failures.push(`${key} ${c.name}: ${f}`);
    }
  }
  console.log(`llhttp lenient: ${matched}/${lenientCases.length} matched; listed differences ${Object.keys(LENIENT_DIFFERENCES).length}`);
  assert.deepEqual(failures, []);
});

test('llhttp finish fixtures: finish() after the input (safe, safe with a completion, unsafe)', () => {
  const finishCases = CASES.filter((c) => c.kind === 'http' && c.meta.type?.endsWith('-finish'));
  assert.ok(finishCases.length >= 4);
  for (const c of finishCases) {
    const want = Number(/^off=NULL finish=(\d)$/.exec(c.expected.at(-1)!)![1]);
    const input = Buffer.from(c.input_b64, 'base64');
    const r = run({ role: roleOf(c.meta.type!), requireHost: false }, [input], { finish: true });
    const before = run({ role: roleOf(c.meta.type!), requireHost: false }, [input]);
    const name = `${c.file}:${c.line} ${c.name}`;
    if (want === 2) assert.equal(r.error?.code, 'HPE_INVALID_EOF_STATE', name);
    else assert.equal(r.error, null, name);
    if (want === 1) {
      // The completion comes from finish() (a read-until-close body).
      assert.equal(before.messages.at(-1)!.complete, false, name);
      assert.equal(r.messages.at(-1)!.complete, true, name);
    }
  }
});

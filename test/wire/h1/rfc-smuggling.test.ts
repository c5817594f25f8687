/**
 * ../shared/conformance/smuggling/rfc-cases.json through the parser with trama's defaults
 * (strict, requireHost): `reject` → a parse error and NO message delivered after the error's
 * message boundary is answerable (we assert no complete message at all for reject cases, since a
 * server answers a request only once it is complete and valid); `accept` → exactly
 * `expect_responses_2xx` complete messages and no error. Each case also runs at every split point.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { conformance, testsNeeding } from '../../support/conformance.js';
import { run, split2, summary } from './support.js';

interface SmugglingCase {
  name: string;
  raw_b64: string;
  expected: 'accept' | 'reject';
  expect_responses_2xx: number;
  why: string;
}

const CASES_FILE = conformance('smuggling/rfc-cases.json');
const test = testsNeeding(CASES_FILE);
const CASES: SmugglingCase[] = CASES_FILE.skip ? [] : JSON.parse(readFileSync(CASES_FILE.path, 'utf8'));

test('RFC smuggling cases: verdicts', () => {
  const failures: string[] = [];
  let rejectOk = 0;
  let acceptOk = 0;
  for (const c of CASES) {
    const input = Buffer.from(c.raw_b64, 'base64');
    const r = run({ role: 'request' }, [input]);
    // An upgrade hand-off (h2c) counts its head as the one answered message.
    const complete = r.messages.filter((m) => m.complete).length;
    if (c.expected === 'reject') {
      if (r.error !== null && complete === 0) rejectOk++;
      else failures.push(`${c.name}: expected reject (${c.why}), got ${r.error ? r.error.code : 'no error'} with ${complete} complete`);
    } else {
      if (r.error === null && complete === c.expect_responses_2xx) acceptOk++;
      else failures.push(`${c.name}: expected ${c.expect_responses_2xx} accepted, got ${complete} (${r.error ? `${r.error.code} ${r.error.reason}` : 'no error'})`);
    }
  }
  const rejects = CASES.filter((c) => c.expected === 'reject').length;
  console.log(`smuggling: reject ${rejectOk}/${rejects}, accept ${acceptOk}/${CASES.length - rejects}`);
  assert.ok(rejects > 0 && CASES.length > rejects, 'both kinds of case were read');
  assert.deepEqual(failures, []);
});

test('RFC smuggling cases: same result at every split point', () => {
  const failures: string[] = [];
  for (const c of CASES) {
    const input = Buffer.from(c.raw_b64, 'base64');
    const want = summary(run({ role: 'request' }, [input]));
    for (let i = 1; i < input.length; i++) {
      try {
        assert.deepEqual(summary(run({ role: 'request' }, split2(input, i))), want);
      } catch {
        failures.push(`${c.name} split at ${i}`);
        break;
      }
    }
  }
  assert.deepEqual(failures, []);
});

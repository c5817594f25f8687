// RFC 9112 framing and smuggling cases (../shared/conformance/smuggling/rfc-cases.json) sent over
// a real socket: every `reject` case gets a 4xx and a closed connection with no 2xx at all; every
// `accept` case gets exactly its 2xx responses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { conformance, testsNeeding } from '../support/conformance.js';
import { TRAMA_HTTP, listen, closeServer, rawExchange, statusCodes } from '../support/node-vs-trama.js';

interface RfcCase {
  name: string;
  raw_b64: string;
  expected: 'accept' | 'reject';
  why: string;
  expect_responses_2xx: number;
}

const CASES_FILE = conformance('smuggling/rfc-cases.json');
const test = testsNeeding(CASES_FILE);
const cases = (CASES_FILE.skip ? [] : JSON.parse(readFileSync(CASES_FILE.path, 'utf8'))) as RfcCase[];

test('the conformance file has both kinds of cases', () => {
  assert.ok(cases.filter((c) => c.expected === 'reject').length >= 20);
  assert.ok(cases.filter((c) => c.expected === 'accept').length >= 10);
});

for (const c of cases) {
  test(`${c.expected}: ${c.name} (${c.why})`, async () => {
    // The h2c case lets a server ignore the upgrade: trama answers it with 101 and HTTP/2 by default
    // (test/http/h2-server.test.ts); here, with upgrades off, the HTTP/1.1 answer is checked.
    const options = c.name.includes('h2c') ? { allowH2CUpgrade: false } : {};
    const server = TRAMA_HTTP.createServer(options as object, (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    const port = await listen(server);
    const raw = Buffer.from(c.raw_b64, 'base64');
    const want = c.expect_responses_2xx;
    const ex = await rawExchange(port, [raw], {
      // Accepted keep-alive requests leave the connection open: stop once all answers are in.
      until: c.expected === 'accept' ? (t) => statusCodes(t).filter((s) => s < 300).length >= want && /ok$/.test(t) : undefined,
    });
    const codes = statusCodes(ex.text);
    if (c.expected === 'reject') {
      assert.equal(codes.filter((s) => s >= 200 && s < 300).length, 0, `no 2xx: ${ex.text}`);
      assert.ok(codes.length >= 1 && codes[0]! >= 400 && codes[0]! < 500, `a 4xx first: ${JSON.stringify(ex.text)}`);
      assert.equal(ex.closed, true);
    } else {
      assert.deepEqual(codes, Array(want).fill(200), ex.text);
    }
    await closeServer(server);
  });
}

/**
 * Parser benchmark (`npm run bench:parser`): trama's H1Parser against node's own llhttp
 * (`require('_http_common').HTTPParser`, the binding node:http drives) in the same run.
 *
 * Shapes: (a) a GET with typical browser headers, (b) a POST with 20 fields and a 1 KiB body,
 * (c) 16 pipelined GETs in one buffer. Each parser parses the same buffer over and over; both do
 * the work node:http needs: llhttp materialises the header strings in C++ and hands JS the
 * flat [name, value, ...] array, the method index (mapped to its name, as node does), the url
 * and the body slices; trama's handler receives the head object (strings, rawHeaders) and the
 * body subarrays. Handlers only count.
 *
 * Method: rounds alternate between the two parsers (ROUNDS rounds × ~ROUND_MS each, after a
 * warm-up); the figure is the median messages/s over rounds. The machine may be shared: the
 * numbers are noisy, compare the two columns of one run.
 * Env: BENCH_ROUNDS (5), BENCH_ROUND_MS (300).
 */
import { createRequire } from 'node:module';
import { H1Parser } from '../src/wire/h1/parser.js';

const require = createRequire(import.meta.url);

interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(buf: Buffer): number | Error;
  [k: number]: unknown;
}
interface LlhttpCtor {
  new (): LlhttpParser;
  REQUEST: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
  kOnMessageBegin: number;
}

const { HTTPParser, methods } = require('_http_common') as { HTTPParser: LlhttpCtor; methods: string[] };

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);

const BROWSER_GET =
  'GET /assets/app.js?v=1234 HTTP/1.1\r\n' +
  'Host: www.example.com\r\n' +
  'Connection: keep-alive\r\n' +
  'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"\r\n' +
  'sec-ch-ua-mobile: ?0\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n' +
  'sec-ch-ua-platform: "Linux"\r\n' +
  'Accept: */*\r\n' +
  'Sec-Fetch-Site: same-origin\r\n' +
  'Sec-Fetch-Mode: no-cors\r\n' +
  'Sec-Fetch-Dest: script\r\n' +
  'Referer: https://www.example.com/\r\n' +
  'Accept-Encoding: gzip, deflate, br, zstd\r\n' +
  'Accept-Language: en-US,en;q=0.9,pt;q=0.8\r\n' +
  'Cookie: session=3f9a1c2b7d8e4f60a1b2c3d4e5f60718; theme=dark; _ga=GA1.1.1234567890.1700000000\r\n' +
  'If-None-Match: W/"5e8f-18c2b3a4d5e"\r\n' +
  '\r\n';

function post20(): string {
  let s = 'POST /api/v1/items HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nContent-Length: 1024\r\n';
  for (let i = 0; i < 17; i++) s += `X-Custom-Field-${i}: value-${i}-${'v'.repeat(20)}\r\n`;
  return `${s}\r\n${'x'.repeat(1024)}`;
}

const SHAPES: { name: string; input: Buffer; messages: number }[] = [
  { name: '(a) browser GET', input: Buffer.from(BROWSER_GET, 'latin1'), messages: 1 },
  { name: '(b) POST 20 fields + 1 KiB', input: Buffer.from(post20(), 'latin1'), messages: 1 },
  { name: '(c) 16 pipelined GETs', input: Buffer.from(BROWSER_GET.repeat(16), 'latin1'), messages: 16 },
];

let sink = 0;

function makeLlhttp(): (buf: Buffer) => void {
  const p = new HTTPParser();
  p.initialize(HTTPParser.REQUEST, {}, 0, 0);
  p[HTTPParser.kOnMessageBegin] = () => {};
  p[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
    sink += headers.length + url.length;
  };
  p[HTTPParser.kOnHeadersComplete] = (
    _maj: number,
    _min: number,
    headers: string[],
    method: number,
    url: string,
    _status: number,
    _msg: string,
    _upgrade: boolean,
    keepAlive: boolean,
  ) => {
    // node:http maps the method index to its name.
    sink += headers.length + url.length + methods[method]!.length + (keepAlive ? 1 : 0);
    return 0;
  };
  p[HTTPParser.kOnBody] = (b: Buffer) => {
    sink += b.length;
  };
  p[HTTPParser.kOnMessageComplete] = () => {
    sink++;
  };
  p[HTTPParser.kOnExecute] = () => {};
  return (buf) => {
    const r = p.execute(buf);
    if (r instanceof Error) throw r;
  };
}

function makeTrama(): (buf: Buffer) => void {
  const p = new H1Parser(
    { role: 'request' },
    {
      onHeadersComplete(head) {
        sink += head.rawHeaders.length + head.url.length + head.method.length + (head.keepAlive ? 1 : 0);
      },
      onBody(b) {
        sink += b.length;
      },
      onMessageComplete() {
        sink++;
      },
    },
  );
  return (buf) => {
    p.execute(buf);
    if (p.error) throw p.error;
  };
}

/** Messages per second over one round of ~ROUND_MS. */
function round(fn: (buf: Buffer) => void, input: Buffer, messages: number): number {
  let iters = 0;
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(ROUND_MS) * 1_000_000n;
  let now = t0;
  while (now < deadline) {
    for (let k = 0; k < 256; k++) fn(input);
    iters += 256;
    now = process.hrtime.bigint();
  }
  const secs = Number(now - t0) / 1e9;
  return (iters * messages) / secs;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function fmt(n: number): string {
  return `${(n / 1e6).toFixed(2)} M msg/s`;
}

console.log(`node ${process.version}; ${ROUNDS} rounds × ${ROUND_MS} ms per parser per shape (median)`);
const rows: string[][] = [['shape', 'node llhttp', 'trama H1Parser', 'trama / llhttp']];
for (const shape of SHAPES) {
  const ll = makeLlhttp();
  const tr = makeTrama();
  // Warm-up (JIT) for both.
  round(ll, shape.input, shape.messages);
  round(tr, shape.input, shape.messages);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(round(ll, shape.input, shape.messages));
    b.push(round(tr, shape.input, shape.messages));
  }
  const ma = median(a);
  const mb = median(b);
  rows.push([shape.name, fmt(ma), fmt(mb), `${(mb / ma).toFixed(2)}×`]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
if (sink === -1) console.log('');

/**
 * Fuzz campaign for the HTTP/1 parser (`src/wire/h1/parser.ts`).
 *
 * Properties:
 * - `h1.split`: never throws; feeding the bytes at random split points (and byte by byte for
 *   small inputs) gives the same messages, upgrade point and verdict as feeding them whole, in
 *   strict and lenient mode, in both roles.
 * - `h1.differential`: against node 20's own llhttp (strict). Where both accept (a truncated
 *   final message counts as accepted so far), method / url / version / status / fields / body /
 *   trailers / keep-alive / upgrade / message count agree exactly. Where the verdicts differ:
 *   trama stricter is allowed only for the documented policies in `TRAMA_STRICTER`; trama looser
 *   is a bug.
 * - `h1.differential-lenient`: the same with `lenient: true` against llhttp with every leniency
 *   flag (node's insecureHTTPParser), with the lenient-only allowed differences (LD1-LD6,
 *   `LENIENT_STRICTER`) on top.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { anyH1Stream, type H1Case } from './support/h1-gen.js';
import { runLlhttp, runTrama, bytewise, type H1Outcome, type H1Msg } from './support/h1-drivers.js';
import type { H1Role } from '../../src/wire/h1/types.js';
import { H1Parser } from '../../src/wire/h1/parser.js';
import { runProperty, bump, show, splitAt, type CampaignOptions, type PropertyReport, type Stats } from './support/campaign.js';
import { minimize } from './support/minimize.js';

/**
 * Verdicts where trama (requireHost off) rejects what strict llhttp accepts, on purpose (see
 * docs/fuzzing.md and ../shared/conformance/smuggling/NOTE.md). Keyed by trama's reason text.
 */
export const TRAMA_STRICTER: Record<string, string> = {
  'Unexpected start char in url': 'RFC 9112 §3: one SP between method and target (llhttp takes several)',
  'Invalid status code': 'RFC 9110 §15: status codes are 100-599 (llhttp takes any three digits, e.g. 099)',
  'Invalid characters in CONNECT authority': 'RFC 9112 §3.2.3: CONNECT takes authority-form only',
  'CONNECT target must be host:port': 'RFC 9112 §3.2.3: authority-form is host:port',
  'Asterisk-form is only for OPTIONS': 'RFC 9112 §3.2.4',
  'Empty Transfer-Encoding': 'policy: an empty Transfer-Encoding cannot frame a message',
  'Invalid response status': 'RFC 9112 §4: reason-phrase is HTAB / SP / VCHAR / obs-text (llhttp takes VT, FF)',
  'Invalid HTTP version': 'HTTP/2.0 and other non-1.x versions in an HTTP/1 message (llhttp takes 2.0)',
  'Content-Length overflow': 'lengths above 2^53-1 (Number.MAX_SAFE_INTEGER) are refused',
  'Invalid character in chunk extensions': 'RFC 9112 §7.1.1: an extension needs a name (llhttp takes `;=` and a bare `;`)',
  'Invalid character in chunk extensions value': 'RFC 9112 §7.1.1: `;a=` needs a token or quoted-string value (llhttp takes an empty one)',
  'Invalid character in chunk extensions quoted value': 'RFC 9112 §7.1.1 / RFC 9110 §5.6.4: no CR, LF or CTL inside a quoted-string',
  'Invalid char in url path': 'RFC 9112 §3.2: a target is origin-, absolute-, authority- or asterisk-form (llhttp takes `*0` in HTTP/0.9)',
  'Missing expected CR after request line': 'policy (smuggling/NOTE.md): bare LF line ends are rejected, also in an HTTP/0.9 request line',
  'Expected LF after CR': 'RFC 9112 §2.2: a bare CR is rejected (llhttp takes one inside a reason phrase)',
  'Invalid `Transfer-Encoding` header value': 'a Transfer-Encoding trailer in a request, even empty (llhttp rejects non-empty ones)',
  'Request has invalid `Transfer-Encoding`': 'RFC 9112 §6.3: a request whose final coding is not chunked is 400, also with Upgrade (llhttp skips the check for upgrades)',
};

const EOF = 'HPE_INVALID_EOF_STATE';

function sameOutcome(a: H1Outcome, b: H1Outcome): boolean {
  return a.error === b.error && a.upgradeAt === b.upgradeAt && isDeepStrictEqual(a.messages, b.messages);
}

function describe(c: H1Case, x: H1Outcome, y: H1Outcome, what: string): string {
  return `${what}\nrole=${c.role} input=${show(c.text)}\n trama: ${JSON.stringify(x)}\n other: ${JSON.stringify(y)}`;
}

const splitArb = fc.tuple(anyH1Stream, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.boolean());

export function splitProperty(opts: CampaignOptions, share = 1): PropertyReport {
  return runProperty(
    'h1.split',
    opts,
    splitArb,
    ([c, cuts, lenient], stats: Stats) => {
      const buf = Buffer.from(c.text, 'latin1');
      const o = { lenient, requireHost: true };
      const whole = runTrama(c.role, [buf], o);
      const at = cuts.map((n) => (buf.length === 0 ? 0 : n % buf.length)).sort((a, b) => a - b);
      const pieces = runTrama(c.role, splitAt(buf, at), o);
      if (!sameOutcome(pieces, whole)) throw new Error(describe(c, pieces, whole, `split at ${at.join(',')} differs from whole (lenient=${lenient})`));
      if (buf.length <= 160) {
        const bytes = runTrama(c.role, bytewise(buf), o);
        if (!sameOutcome(bytes, whole)) {
          const min = minimize(c.text, (x) => {
            const b = Buffer.from(x, 'latin1');
            return !sameOutcome(runTrama(c.role, bytewise(b), o), runTrama(c.role, [b], o));
          });
          throw new Error(`${describe(c, bytes, whole, `byte-by-byte differs from whole (lenient=${lenient})`)}\nminimized: ${show(min)}`);
        }
        bump(stats, 'bytewise');
      }
      bump(stats, whole.error === null ? 'accepted' : 'rejected');
    },
    share,
  );
}

export interface Verdict {
  /** 'agree': same verdict (and same content where both accept); 'allowed': a documented difference; 'known': a reported finding; 'bug': a new finding. */
  kind: 'agree' | 'allowed' | 'known' | 'bug';
  /** Stable category name (for stats and minimisation). */
  category: string;
  trama: H1Outcome;
  llhttp: H1Outcome;
}

const is101 = (m: H1Msg): boolean => m.statusCode === 101;

/**
 * Compare trama (requireHost off) with strict llhttp on one input, and classify: a raw
 * difference is explained by the first rule whose normalisation makes the two agree.
 */
export function classify(role: H1Role, buf: Buffer, lenient = false): Verdict {
  const v = classifyRaw(role, buf, lenient);
  const rules = lenient ? RULES.concat(LENIENT_RULES) : RULES;
  if (v.kind !== 'bug') return v;
  const text = buf.toString('latin1');
  const explains = (n: string): boolean => n !== text && classifyRaw(role, Buffer.from(n, 'latin1'), lenient).kind !== 'bug';
  const label = (rules: Rule[]): Verdict => ({
    ...v,
    // a combination is 'known' if any part is a reported finding
    kind: rules.some((r) => r.kind === 'known') ? 'known' : 'allowed',
    category: rules.map((r) => r.id).join(' + '),
  });
  // One rule, then two, then three (inputs with several independent causes).
  for (const a of rules) if (explains(a.normalize(text))) return label([a]);
  for (const a of rules) {
    const na = a.normalize(text);
    if (na === text) continue;
    for (const b of rules) if (b !== a && explains(b.normalize(na))) return label([a, b]);
  }
  for (const a of rules) {
    const na = a.normalize(text);
    if (na === text) continue;
    for (const b of rules) {
      const nb = b.normalize(na);
      if (b === a || nb === na) continue;
      for (const c of rules) if (c !== a && c !== b && explains(c.normalize(nb))) return label([a, b, c]);
    }
  }
  return v;
}

function classifyRaw(role: H1Role, buf: Buffer, lenient: boolean): Verdict {
  const t = runTrama(role, [buf], { requireHost: false, lenient });
  const l = runLlhttp(role, buf, lenient);
  const v = (kind: Verdict['kind'], category: string): Verdict => ({ kind, category, trama: t, llhttp: l });
  const tOk = t.error === null || t.error === EOF;
  const lOk = l.error === null || l.error === EOF;
  // D1: trama's response role treats every 101 as the switch (the rest is the new protocol's);
  // node's client treats a 101 without `Upgrade` + `Connection: upgrade` as informational and
  // keeps parsing. Compare up to the 101 only.
  const i101 = role === 'response' ? t.messages.findIndex(is101) : -1;
  if (i101 >= 0 && t.upgradeAt >= 0 && !(l.messages[i101]?.upgrade ?? false)) {
    const strip = (ms: H1Msg[]): H1Msg[] => ms.slice(0, i101 + 1).map((m) => ({ ...m, upgrade: false, complete: m.complete || is101(m) }));
    const lm = l.messages.slice(0, i101 + 1);
    if (lm.length === i101 + 1 && isDeepStrictEqual(strip(t.messages), strip(lm))) return v('allowed', 'D1 101 without Upgrade is a switch');
    const why = lenient && lm.length === i101 + 1 ? lenientDetails(role, buf.toString('latin1'), strip(t.messages), strip(lm)) : null;
    if (why !== null) return v('allowed', `D1 101 without Upgrade is a switch + ${why}`);
  }
  if (tOk && lOk) {
    if (t.error !== l.error) return v('bug', 'one sees a complete stream, the other a truncated one');
    if (t.upgradeAt !== l.upgradeAt) return v('bug', 'upgrade point differs');
    if (!isDeepStrictEqual(t.messages, l.messages)) {
      if (onlyKeepAliveOn10WithTE(t, l)) return v('allowed', 'D3/D5 no keep-alive for HTTP/1.0 with Transfer-Encoding, nor HTTP/0.9');
      const why = lenient ? lenientDetails(role, buf.toString('latin1'), t.messages, l.messages) : null;
      if (why !== null) return v('allowed', why);
      return v('bug', 'both accept, results differ');
    }
    return v('agree', t.messages.length > 1 ? 'agree-accept-pipelined' : 'agree-accept');
  }
  if (!tOk && !lOk) return v('agree', t.error === l.error ? 'agree-reject-same-code' : 'agree-reject');
  if (tOk) {
    // trama saw nothing wrong in the bytes it had: acceptable if it rejects at EOF anyway (llhttp
    // rejects a partial line before its end arrives).
    if (t.error === EOF) return v('agree', 'agree-reject-trama-at-eof');
    return v('bug', `LOOSER: llhttp ${l.error} ${l.reason}`);
  }
  // trama rejects, llhttp accepts
  if (l.error === EOF) return v('allowed', 'stricter: trama rejects a prefix llhttp is still reading');
  const why = TRAMA_STRICTER[t.reason];
  if (why !== undefined) return v('allowed', `stricter: ${t.reason}`);
  if (lenient && LENIENT_STRICTER[t.reason]?.when.test(buf.toString('latin1')) === true) return v('allowed', `stricter (lenient): ${t.reason}`);
  return v('bug', `stricter, undocumented: ${t.error} ${t.reason}`);
}

/**
 * Findings where trama accepts what llhttp rejects, reported to the owner (docs/fuzzing.md,
 * "Findings"). Recognised here so the CI run stays green until they are decided; remove an entry
 * when the parser changes, and the property will guard the fix.
 */
interface Rule {
  id: string;
  /** 'allowed': a documented, RFC-backed difference; 'known': a reported finding awaiting the owner's call. */
  kind: 'allowed' | 'known';
  /** Rewrite the input so the cause disappears; if both parsers then agree, the rule explains the difference. */
  normalize(text: string): string;
}

const listValue = (v: string): string =>
  v
    .split(',')
    .map((x) => x.replace(/^[ \t]+|[ \t]+$/g, ''))
    .filter((x) => x !== '')
    .join(', ');

export const RULES: Rule[] = [
  {
    // D7 (reported as F3; looser than llhttp on purpose, docs/wire-h1.md): BWS around `;` / `=` in chunk extensions ("1 ;a", "1; a", "1;a =b", "1;a= b", "1;a ").
    id: 'D7 BWS in chunk extensions (RFC 9112 §7.1.1)',
    kind: 'allowed',
    normalize: (t) =>
      // (the line may end in LF only: lenient mode)
      t.replace(/^([0-9a-fA-F]+)[ \t]*(;[^\r\n]*?)(\r?)$/gm, (_m, size: string, ext: string, cr: string) => `${size}${ext.replace(/[ \t]*([;=])[ \t]*/g, '$1').replace(/[ \t]+$/, '')}${cr}`),
  },
  {
    // D8 (reported as F4; on purpose, docs/wire-h1.md): Content-Length with HTAB OWS.
    id: 'D8 Content-Length with HTAB OWS',
    kind: 'allowed',
    // (lenient: SPs may open the first field line)
    normalize: (t) => t.replace(/^( *content-length[ \t]*:)([^\r\n]*?)(\r?)$/gim, (_m, n: string, v: string, cr: string) => `${n}${v.replace(/\t/g, ' ')}${cr}`),
  },
  {
    // D9 (reported as F5; on purpose, docs/wire-h1.md): HTTP/1.2 … HTTP/1.9 taken as HTTP/1.1
    // (RFC 9112 §2.3 SHOULD); llhttp rejects.
    id: 'D9 HTTP/1.x minor version above 1',
    kind: 'allowed',
    normalize: (t) => t.replace(/(HTTP|RTSP|ICE)\/1\.[2-9]/g, '$1/1.1'),
  },
  {
    // D6: RFC 9112 §3: exactly one SP between the parts of the request line (llhttp takes several).
    id: 'D6 one SP in the request line',
    kind: 'allowed',
    // (anywhere: a pipelined request line may follow a body on the same "line"; but not SPs that
    // open a line, which are no request-line separators)
    normalize: (t) => t.replace(/(?<=[^\r\n ]) {2,}/g, ' '),
  },
  {
    // D4: an interim (1xx) response never ends the connection: llhttp applies `Connection: close`
    // or HTTP/1.0 to it and rejects the final response that follows.
    id: 'D4 1xx response is interim',
    kind: 'allowed',
    normalize: (t) => t.replace(/[A-Z]+\/\d\.\d 1(?!01)\d\d[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n/g, ''),
  },
  {
    // D3/D5: HTTP/1.0 with Transfer-Encoding, and HTTP/0.9, never keep the connection (RFC 9112 §6.1).
    id: 'D3/D5 no keep-alive for HTTP/1.0 with Transfer-Encoding, nor HTTP/0.9',
    kind: 'allowed',
    normalize: (t) => t.replace(/^(?:proxy-)?connection[ \t]*:[^\r\n]*keep-alive[^\r\n]*\r?\n/gim, ''),
  },
  {
    // D2: Connection options with HTAB OWS or empty elements: trama reads the tokens (RFC 9110 §5.6.1).
    id: 'D2 Connection list with HTAB OWS / empty elements',
    kind: 'allowed',
    normalize: (t) => t.replace(/^((?:proxy-)?connection[ \t]*:)([^\r\n]*)(\r?)$/gim, (_m, n: string, v: string, cr: string) => `${n} ${listValue(v)}${cr}`),
  },
];

/**
 * Allowed differences in lenient mode only (`lenient: true` against llhttp with every leniency
 * flag, i.e. node's `insecureHTTPParser`), as normalisations (docs/fuzzing.md); LD1-LD3 compare
 * message content instead (`lenientDetails`).
 */
export const LENIENT_RULES: Rule[] = [
  {
    // LD4: node's insecure parser keeps reading after a message that ends the connection, and
    // after a bodiless response (1xx, 204, 304) carrying a Content-Length it does not reset the
    // length: the next message's Content-Length digits are appended to it ("1" then "3" reads 13
    // bytes). An llhttp defect past the end of the connection; the field frames nothing here.
    id: 'LD4 lenient: Content-Length in a bodiless response (llhttp carries it into the next message)',
    kind: 'allowed',
    normalize: (t) =>
      // (not anchored: a response may follow the previous body on the same "line")
      t.replace(/((?:HTTP|RTSP|ICE)\/\d\.\d (?:1\d\d|204|304)[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*?)content-length[ \t]*:[^\r\n]*\r?\n/gim, '$1'),
  },
  {
    // LD5: the same llhttp defect after a Content-Length trailer (insecure node takes it as a
    // trailer, trama too, after the same checks: L3): its digits prefix the next message's length.
    id: 'LD5 lenient: Content-Length trailer (llhttp carries it into the next message)',
    kind: 'allowed',
    normalize: (t) => t.replace(/^(0+(?:[ \t;][^\r\n]*)?\r?\n(?:[^\r\n]+\r?\n)*?)content-length[ \t]*:[^\r\n]*\r?\n/gim, '$1'),
  },
  {
    // LD6: a folded Connection field; with the fold joined, D2 explains the rest (trama reads the
    // options of every line of it, e.g. `close` HTAB, RFC 9110 §5.6.1; llhttp does not).
    id: 'LD6 lenient: folded Connection field',
    kind: 'allowed',
    normalize: unfoldConnection,
  },
];

/** LD6 helper: join the obs-fold continuations of Connection fields onto their first line. */
function unfoldConnection(t: string): string {
  for (;;) {
    const u = t.replace(/^((?:proxy-)?connection[ \t]*:[^\r\n]*)(?:\r\n|\r|\n)[ \t]+/gim, '$1 ');
    if (u === t) return t;
    t = u;
  }
}

/**
 * Lenient mode, trama refuses what insecure node takes, on purpose: trama's reason, and what the
 * input must hold for the entry to apply (the only way the refusal arises there).
 */
const FOLD = /[\r\n][ \t]/;
const LENIENT_STRICTER: Record<string, { when: RegExp; why: string }> = {
  'Invalid Host header': { when: FOLD, why: 'a folded Host is refused (RFC 9112 §3.2: an invalid Host is 400; llhttp joins the lines)' },
  'Empty Content-Length': { when: FOLD, why: 'a Content-Length whose value starts on a folded line is refused (llhttp takes the folded digits)' },
  'Invalid header token': {
    when: /^ ?(?:content-length|transfer-encoding|connection|proxy-connection|upgrade) +[^ :\r\n]/im,
    why: 'a framing / connection field name, SP, more name (`Transfer-Encoding a: x`) is refused (llhttp reads one unknown name `Transfer-Encoding a`)',
  },
};

const LD1 = 'LD1 lenient: no keep-alive after a request body read to the end of the connection';
const LD2 = 'LD2 lenient: no keep-alive for a version other than 0.9 / 1.x';
const LD3 = 'LD3 lenient: obs-fold whitespace in a field value';
const hasField = (m: H1Msg, name: string): boolean => m.rawHeaders.some((x, j) => j % 2 === 0 && x.trimEnd().toLowerCase() === name);
const wsRuns = (fields: string[]): string[] => fields.map((x) => x.replace(/[ \t]+/g, ' '));

/**
 * Lenient-mode differences in messages both parsers framed alike (same count, same bodies and
 * completion), or null when another difference remains:
 * - LD1: a request with a Transfer-Encoding whose final coding is not chunked is read to the end
 *   of the connection (as node's insecure parser reads it), so no message can follow: trama says
 *   no keep-alive, llhttp says keep-alive (moot there).
 * - LD2: a version other than 0.9 / 1.x (lenient takes any digits): trama never keeps the
 *   connection; llhttp applies HTTP/1.1 rules when both digits are above 0.
 * - LD3: an obs-fold joins the lines with one SP in trama (RFC 9112 §5.2, OWS around it dropped);
 *   llhttp keeps the whitespace of both lines. Only when the input has a fold; only whitespace runs.
 */
function lenientDetails(role: H1Role, text: string, tm: H1Msg[], lm: H1Msg[]): string | null {
  if (tm.length !== lm.length) return null;
  const why = new Set<string>();
  const folded = /\n[ \t]/.test(text);
  for (let i = 0; i < tm.length; i++) {
    let m = tm[i]!;
    const o = lm[i]!;
    if (isDeepStrictEqual(m, o)) continue;
    for (const k of ['rawHeaders', 'trailers'] as const) {
      if (folded && !isDeepStrictEqual(m[k], o[k]) && isDeepStrictEqual(wsRuns(m[k]), wsRuns(o[k]))) {
        m = { ...m, [k]: o[k] };
        why.add(LD3);
      }
    }
    if (!m.keepAlive && o.keepAlive) {
      const v1 = m.versionMajor === 1 || (m.versionMajor === 0 && m.versionMinor === 9);
      if (!v1) why.add(LD2);
      else if (role === 'request' && i === tm.length - 1 && m.versionMajor === 1 && m.versionMinor >= 1 && hasField(m, 'transfer-encoding')) why.add(LD1);
      else return null;
      m = { ...m, keepAlive: true };
    }
    if (!isDeepStrictEqual(m, o)) return null;
  }
  return why.size > 0 ? [...why].join(' + ') : null;
}

/**
 * D3: Transfer-Encoding in an HTTP/1.0 message closes the connection after it (RFC 9112 §6.1);
 * llhttp keeps it open. D5: an HTTP/0.9 message never keeps the connection (llhttp honours a
 * Keep-Alive option there).
 */
function onlyKeepAliveOn10WithTE(t: H1Outcome, l: H1Outcome): boolean {
  if (t.messages.length !== l.messages.length) return false;
  return t.messages.every((m, i) => {
    const o = l.messages[i]!;
    if (isDeepStrictEqual(m, o)) return true;
    const te = m.rawHeaders.some((x, j) => j % 2 === 0 && x.toLowerCase() === 'transfer-encoding');
    const v10 = m.versionMajor === 1 && m.versionMinor === 0;
    const v09 = m.versionMajor === 0 && m.versionMinor === 9;
    return ((te && v10) || v09) && !m.keepAlive && isDeepStrictEqual({ ...m, keepAlive: true }, o);
  });
}

export function differentialProperty(opts: CampaignOptions, share = 1, lenient = false): PropertyReport {
  return runProperty(
    lenient ? 'h1.differential-lenient' : 'h1.differential',
    opts,
    anyH1Stream,
    (c, stats: Stats) => {
      const r = classify(c.role, Buffer.from(c.text, 'latin1'), lenient);
      bump(stats, r.kind === 'agree' ? r.category : `${r.kind}: ${r.category}`);
      if (r.kind === 'bug') {
        const min = minimize(c.text, (x) => {
          const v = classify(c.role, Buffer.from(x, 'latin1'), lenient);
          return v.kind === 'bug' && v.category === r.category;
        });
        throw new Error(`${describe(c, r.trama, r.llhttp, r.category)}\nminimized (${c.role}): ${show(min)}`);
      }
    },
    share,
  );
}

export function h1Campaign(opts: CampaignOptions): PropertyReport[] {
  return [splitProperty(opts, 0.3), differentialProperty(opts, 0.4), differentialProperty(opts, 0.2, true), boundedProperty(opts, 0.1)];
}

const boundedArb = fc.record({
  role: fc.constantFrom<H1Role>('request', 'response'),
  where: fc.constantFrom('target', 'name', 'value', 'many-fields', 'chunk-ext', 'trailer'),
  max: fc.integer({ min: 64, max: 4096 }),
  step: fc.integer({ min: 1, max: 700 }),
  filler: fc.constantFrom('a', 'x-', ' a', '\t'),
});

/**
 * `h1.bounded`: an endless start line, field name, field value, stream of fields, chunk
 * extension or trailer section, fed in random steps, is refused with an overflow error by the
 * time the limit is crossed (plus the step that crossed it): memory stays bounded by the limits.
 */
export function boundedProperty(opts: CampaignOptions, share = 1): PropertyReport {
  return runProperty(
    'h1.bounded',
    opts,
    boundedArb,
    ({ role, where, max, step, filler }, stats: Stats) => {
      const line = role === 'request' ? 'POST / HTTP/1.1\r\nHost: a\r\n' : 'HTTP/1.1 200 OK\r\n';
      let prefix: string;
      let unit: string;
      let limitFrom: number; // offset where the limited section starts
      switch (where) {
        case 'target':
          prefix = role === 'request' ? 'POST /' : 'HTTP/1.1 200 ';
          unit = 'a';
          limitFrom = 0;
          break;
        case 'name':
          prefix = line;
          unit = 'a';
          limitFrom = 0;
          break;
        case 'value':
          prefix = `${line}X: `;
          unit = filler === '\t' ? 'a\t' : filler;
          limitFrom = 0;
          break;
        case 'many-fields':
          prefix = line;
          unit = 'a: b\r\n';
          limitFrom = 0;
          break;
        case 'chunk-ext':
          prefix = `${line}Transfer-Encoding: chunked\r\n\r\n1;`;
          unit = 'a=b;';
          limitFrom = prefix.length - 1;
          break;
        default:
          prefix = `${line}Transfer-Encoding: chunked\r\n\r\n0\r\n`;
          unit = 'a: b\r\n';
          limitFrom = prefix.length;
          break;
      }
      const errors: string[] = [];
      const parser = new H1Parser({ role, maxHeaderSize: max, maxHeaderCount: 1_000_000, maxChunkExtensionsSize: max }, {
        onHeadersComplete: () => undefined,
        onBody: () => {},
        onMessageComplete: () => {},
      });
      const pre = Buffer.from(prefix, 'latin1');
      parser.execute(pre);
      if (parser.error) throw new Error(`prefix refused: ${parser.error.code} ${show(prefix)}`);
      const ceiling = limitFrom + max + step + unit.length + 64;
      // one continuous endless stream, cut into `step`-byte chunks
      const stream = Buffer.from(unit.repeat(Math.ceil((ceiling + 11 * step) / unit.length)), 'latin1');
      let fed = pre.length;
      let at = 0;
      // (a function, not the getter: TypeScript narrows `parser.error` to null after the check above)
      const errorOf = (x: H1Parser) => x.error;
      while (!errorOf(parser) && at < stream.length) {
        parser.execute(stream.subarray(at, at + step));
        at += step;
        fed += step;
        if (!errorOf(parser) && fed > ceiling) {
          throw new Error(`no overflow after ${fed} bytes (limit ${max} from offset ${limitFrom}, step ${step}, ${where}, ${role})`);
        }
      }
      const code = errorOf(parser)?.code ?? 'none';
      if (code !== 'HPE_HEADER_OVERFLOW' && code !== 'HPE_CHUNK_EXTENSIONS_OVERFLOW') errors.push(code);
      if (errors.length > 0) throw new Error(`unexpected error ${errors.join()} (${where}, ${role}, max ${max}, step ${step})`);
      bump(stats, `${where}: ${code}`);
    },
    share,
  );
}

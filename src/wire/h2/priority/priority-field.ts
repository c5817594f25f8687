/**
 * The `priority` field value of RFC 9218 §5 (also the payload of PRIORITY_UPDATE, §7.1): a
 * Structured Fields Dictionary (RFC 8941 §3.2, parsed per §4.2) with the parameters `u`
 * (urgency, Integer 0..7, default 3) and `i` (incremental, Boolean, default false).
 *
 * Decisions:
 * - the whole Dictionary is parsed strictly; if it does not parse, the value as a whole is
 *   ignored (defaults), as RFC 9218 §4 only applies its rules "where the Dictionary is
 *   successfully parsed". `tryParsePriorityField` reports that failure (null) for a PRIORITY_UPDATE,
 *   where §7 allows treating it as a connection error;
 * - unknown keys, out-of-range values and values of unexpected types are ignored (§4 MUST);
 *   a duplicated key keeps its last value (RFC 8941 §4.2.2), and if that value is unusable the
 *   parameter is ignored, not the earlier value restored;
 * - RFC 9651 (which obsoletes RFC 8941) adds Dates (`@1659578233`) and Display Strings
 *   (`%"…"`): they parse, so a sender using them for its own keys does not void `u` and `i`;
 * - HTTP strips OWS around field values, so leading/trailing spaces and tabs are allowed;
 * - linear time, O(1) memory: values are checked, never stored (a million unknown keys cost one
 *   pass and no allocation).
 */
import { nodeError } from '../../shared/errors.js';
import { DEFAULT_URGENCY, MAX_URGENCY } from './types.js';

const SP = 0x20;
const HTAB = 0x09;

/** Character classes of RFC 8941 §3 / RFC 9110 §5.6.2 as lookup tables. */
const KEY_FIRST = new Uint8Array(128);
const KEY_REST = new Uint8Array(128);
const TOKEN_FIRST = new Uint8Array(128);
const TOKEN_REST = new Uint8Array(128);
const BASE64 = new Uint8Array(128);
{
  for (let c = 0x61; c <= 0x7a; c++) KEY_FIRST[c] = KEY_REST[c] = 1; // lcalpha
  KEY_FIRST[0x2a] = KEY_REST[0x2a] = 1; // "*"
  for (let c = 0x30; c <= 0x39; c++) KEY_REST[c] = 1;
  for (const ch of '_-.') KEY_REST[ch.charCodeAt(0)] = 1;
  for (let c = 0x41; c <= 0x5a; c++) TOKEN_FIRST[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) TOKEN_FIRST[c] = 1;
  TOKEN_FIRST[0x2a] = 1;
  // tchar (RFC 9110 §5.6.2) plus ":" and "/".
  for (let c = 0x30; c <= 0x39; c++) TOKEN_REST[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) TOKEN_REST[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) TOKEN_REST[c] = 1;
  for (const ch of "!#$%&'*+-.^_`|~:/") TOKEN_REST[ch.charCodeAt(0)] = 1;
  for (let c = 0x30; c <= 0x39; c++) BASE64[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) BASE64[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) BASE64[c] = 1;
  for (const ch of '+/=') BASE64[ch.charCodeAt(0)] = 1;
}

const enum Kind {
  None,
  Integer,
  Decimal,
  String,
  Token,
  Bytes,
  Boolean,
  Date,
  DisplayString,
  InnerList,
}

/** A one-pass Structured Fields Dictionary reader that only remembers the last `u` and `i`. */
class DictionaryReader {
  readonly s: string;
  i: number;
  readonly end: number;
  // The bare item just read.
  kind = Kind.None;
  num = 0;
  bool = false;
  // Last value seen for `u` and `i`.
  uKind = Kind.None;
  uValue = 0;
  iKind = Kind.None;
  iValue = false;

  constructor(s: string, start: number, end: number) {
    this.s = s;
    this.i = start;
    this.end = end;
  }

  /** RFC 8941 §4.2.2; false when the input is not a Dictionary. */
  dictionary(): boolean {
    const { s, end } = this;
    if (this.i >= end) return true; // an empty Dictionary
    for (;;) {
      const keyStart = this.i;
      if (!this.key()) return false;
      const keyLen = this.i - keyStart;
      // Only the one-letter keys matter; look at them without building a string.
      const k = keyLen === 1 ? s.charCodeAt(keyStart) : 0;
      let valueKind: Kind;
      if (this.i < end && s.charCodeAt(this.i) === 0x3d /* = */) {
        this.i++;
        if (this.i < end && s.charCodeAt(this.i) === 0x28 /* ( */) {
          if (!this.innerList()) return false;
          valueKind = Kind.InnerList;
        } else {
          if (!this.bareItem()) return false;
          valueKind = this.kind;
        }
      } else {
        // A bare key is Boolean true.
        valueKind = Kind.Boolean;
        this.bool = true;
      }
      const num = this.num;
      const bool = this.bool;
      if (!this.parameters()) return false;
      if (k === 0x75 /* u */) {
        this.uKind = valueKind;
        this.uValue = num;
      } else if (k === 0x69 /* i */) {
        this.iKind = valueKind;
        this.iValue = bool;
      }
      this.ows();
      if (this.i >= end) return true;
      if (s.charCodeAt(this.i) !== 0x2c /* , */) return false;
      this.i++;
      this.ows();
      // RFC 8941 §4.2.2: a trailing comma fails.
      if (this.i >= end) return false;
    }
  }

  ows(): void {
    const { s, end } = this;
    while (this.i < end) {
      const c = s.charCodeAt(this.i);
      if (c !== SP && c !== HTAB) break;
      this.i++;
    }
  }

  /** RFC 8941 §4.2.3.3. */
  key(): boolean {
    const { s, end } = this;
    if (this.i >= end) return false;
    const c = s.charCodeAt(this.i);
    if (c >= 128 || KEY_FIRST[c] === 0) return false;
    this.i++;
    while (this.i < end) {
      const d = s.charCodeAt(this.i);
      if (d >= 128 || KEY_REST[d] === 0) break;
      this.i++;
    }
    return true;
  }

  /** RFC 8941 §4.2.3.2: `*( ";" *SP key [ "=" bare-item ] )`. */
  parameters(): boolean {
    const { s, end } = this;
    while (this.i < end && s.charCodeAt(this.i) === 0x3b /* ; */) {
      this.i++;
      while (this.i < end && s.charCodeAt(this.i) === SP) this.i++;
      if (!this.key()) return false;
      if (this.i < end && s.charCodeAt(this.i) === 0x3d) {
        this.i++;
        if (!this.bareItem()) return false;
      }
    }
    return true;
  }

  /** RFC 8941 §4.2.1.2: `"(" *SP [ item *( 1*SP item ) *SP ] ")" parameters`. */
  innerList(): boolean {
    const { s, end } = this;
    this.i++; // "("
    for (;;) {
      while (this.i < end && s.charCodeAt(this.i) === SP) this.i++;
      if (this.i >= end) return false;
      if (s.charCodeAt(this.i) === 0x29 /* ) */) {
        this.i++;
        return this.parameters();
      }
      if (!this.bareItem() || !this.parameters()) return false;
      if (this.i >= end) return false;
      const c = s.charCodeAt(this.i);
      if (c !== SP && c !== 0x29) return false;
    }
  }

  /** RFC 8941 §4.2.3.1 (+ RFC 9651 §4.2.3.1 Dates and Display Strings). */
  bareItem(): boolean {
    const { s, end } = this;
    if (this.i >= end) return false;
    const c = s.charCodeAt(this.i);
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) return this.number();
    if (c === 0x22 /* " */) return this.string();
    if (c < 128 && TOKEN_FIRST[c] === 1) return this.token();
    if (c === 0x3a /* : */) return this.bytes();
    if (c === 0x3f /* ? */) return this.boolean();
    if (c === 0x40 /* @ */) {
      this.i++;
      if (!this.number() || this.kind !== Kind.Integer) return false;
      this.kind = Kind.Date;
      return true;
    }
    if (c === 0x25 /* % */) return this.displayString();
    return false;
  }

  /** RFC 8941 §4.2.4: at most 15 integer digits; decimals at most 12 + 3 digits. */
  number(): boolean {
    const { s, end } = this;
    let sign = 1;
    if (s.charCodeAt(this.i) === 0x2d) {
      sign = -1;
      this.i++;
    }
    const digitsStart = this.i;
    let intDigits = 0;
    let fracDigits = 0;
    let decimal = false;
    let value = 0;
    while (this.i < end) {
      const d = s.charCodeAt(this.i);
      if (d >= 0x30 && d <= 0x39) {
        if (decimal) fracDigits++;
        else intDigits++;
        value = value * 10 + (d - 0x30);
      } else if (d === 0x2e /* . */ && !decimal) {
        if (intDigits > 12) return false;
        decimal = true;
      } else break;
      this.i++;
      if (!decimal && intDigits > 15) return false;
      if (decimal && intDigits + fracDigits > 15) return false;
    }
    if (intDigits === 0 || this.i === digitsStart) return false;
    if (decimal) {
      if (fracDigits === 0 || fracDigits > 3) return false;
      this.kind = Kind.Decimal;
      this.num = NaN; // never used as a value
      return true;
    }
    this.kind = Kind.Integer;
    this.num = sign * value;
    return true;
  }

  /** RFC 8941 §4.2.5: printable ASCII, `\"` and `\\` the only escapes. */
  string(): boolean {
    const { s, end } = this;
    this.i++;
    while (this.i < end) {
      const c = s.charCodeAt(this.i++);
      if (c === 0x22) {
        this.kind = Kind.String;
        return true;
      }
      if (c === 0x5c /* \ */) {
        if (this.i >= end) return false;
        const e = s.charCodeAt(this.i++);
        if (e !== 0x22 && e !== 0x5c) return false;
      } else if (c < 0x20 || c > 0x7e) return false;
    }
    return false;
  }

  /** RFC 8941 §4.2.6. */
  token(): boolean {
    const { s, end } = this;
    this.i++;
    while (this.i < end) {
      const c = s.charCodeAt(this.i);
      if (c >= 128 || TOKEN_REST[c] === 0) break;
      this.i++;
    }
    this.kind = Kind.Token;
    return true;
  }

  /** RFC 8941 §4.2.7: `:` base64 `:`. */
  bytes(): boolean {
    const { s, end } = this;
    this.i++;
    while (this.i < end) {
      const c = s.charCodeAt(this.i++);
      if (c === 0x3a) {
        this.kind = Kind.Bytes;
        return true;
      }
      if (c >= 128 || BASE64[c] === 0) return false;
    }
    return false;
  }

  /** RFC 8941 §4.2.8: `?0` or `?1`. */
  boolean(): boolean {
    const { s, end } = this;
    this.i++;
    if (this.i >= end) return false;
    const c = s.charCodeAt(this.i++);
    if (c !== 0x30 && c !== 0x31) return false;
    this.kind = Kind.Boolean;
    this.bool = c === 0x31;
    return true;
  }

  /** RFC 9651 §4.2.10: `%"` then printable ASCII with lowercase `%xx` escapes, `"`. */
  displayString(): boolean {
    const { s, end } = this;
    this.i++;
    if (this.i >= end || s.charCodeAt(this.i) !== 0x22) return false;
    this.i++;
    while (this.i < end) {
      const c = s.charCodeAt(this.i++);
      if (c === 0x22) {
        this.kind = Kind.DisplayString;
        return true;
      }
      if (c === 0x25) {
        if (this.i + 2 > end || !isLowerHex(s.charCodeAt(this.i)) || !isLowerHex(s.charCodeAt(this.i + 1))) return false;
        this.i += 2;
      } else if (c < 0x20 || c > 0x7e) return false;
    }
    return false;
  }
}

function isLowerHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);
}

/** RFC 9218 parameters of a response. */
export interface PriorityParameters {
  urgency: number;
  incremental: boolean;
}

/**
 * Parse a `priority` field value or PRIORITY_UPDATE payload; null when it is not a valid
 * Structured Fields Dictionary (RFC 9218 §7 allows a PROTOCOL_ERROR for that in PRIORITY_UPDATE).
 * Never throws.
 *
 * @example
 * tryParsePriorityField('u=1, i');  // { urgency: 1, incremental: true }
 * tryParsePriorityField('u=1,');    // null (trailing comma)
 */
export function tryParsePriorityField(value: string): PriorityParameters | null {
  if (typeof value !== 'string') return null;
  let start = 0;
  let end = value.length;
  // HTTP field values carry no leading or trailing OWS (RFC 9110 §5.5).
  while (start < end && (value.charCodeAt(start) === SP || value.charCodeAt(start) === HTAB)) start++;
  while (end > start && (value.charCodeAt(end - 1) === SP || value.charCodeAt(end - 1) === HTAB)) end--;
  const r = new DictionaryReader(value, start, end);
  if (!r.dictionary()) return null;
  // RFC 9218 §4: out-of-range values and values of unexpected types are ignored.
  const urgency = r.uKind === Kind.Integer && r.uValue >= 0 && r.uValue <= MAX_URGENCY ? r.uValue + 0 : DEFAULT_URGENCY;
  const incremental = r.iKind === Kind.Boolean ? r.iValue : false;
  return { urgency, incremental };
}

/**
 * Parse a `priority` field value (RFC 9218 §4–5): unknown keys ignored, invalid or out-of-range
 * values and unparsable fields give the defaults (`u=3`, not incremental). Never throws.
 *
 * @example
 * parsePriorityField('u=0');        // { urgency: 0, incremental: false }
 * parsePriorityField('u=5, i');     // { urgency: 5, incremental: true }
 * parsePriorityField('u=9');        // { urgency: 3, incremental: false }: out of range, ignored
 */
export function parsePriorityField(value: string): PriorityParameters {
  return tryParsePriorityField(value) ?? { urgency: DEFAULT_URGENCY, incremental: false };
}

/**
 * Serialize RFC 9218 parameters as a `priority` field value: always `u=N`, then `, i` when
 * incremental. Throws ERR_OUT_OF_RANGE for an urgency that is not an integer 0..7.
 *
 * @example
 * serializePriorityField({ urgency: 1, incremental: true }); // 'u=1, i'
 */
export function serializePriorityField(p: PriorityParameters): string {
  const u = p.urgency;
  if (!Number.isInteger(u) || u < 0 || u > MAX_URGENCY) {
    throw nodeError(
      RangeError,
      'ERR_OUT_OF_RANGE',
      `The value of "urgency" is out of range. It must be >= 0 && <= ${MAX_URGENCY}. Received ${String(u)}`,
    );
  }
  return p.incremental ? `u=${u}, i` : `u=${u}`;
}

/**
 * The RFC 9218 `priority` field: a Structured Fields Dictionary (RFC 8941) with `u` and `i`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parsePriorityField,
  serializePriorityField,
  tryParsePriorityField,
} from '../../../../src/wire/h2/priority/index.js';

const DEFAULTS = { urgency: 3, incremental: false };

function p(urgency: number, incremental: boolean): { urgency: number; incremental: boolean } {
  return { urgency, incremental };
}

describe('priority field: the parameters', () => {
  const cases: Array<[string, { urgency: number; incremental: boolean }]> = [
    ['', DEFAULTS],
    ['u=0', p(0, false)],
    ['u=7', p(7, false)],
    ['u=5, i', p(5, true)],
    ['i, u=1', p(1, true)],
    ['u=1,i', p(1, true)],
    ['u=1 ,\ti', p(1, true)],
    ['  u=4\t', p(4, false)],
    ['i=?1', p(3, true)],
    ['i=?0', p(3, false)],
    ['i;note="x"', p(3, true)],
    ['u=2;a=1;b', p(2, false)],
    ['u=-0', p(0, false)],
    ['u=000000000000001', p(1, false)], // 15 digits: the most an Integer may have
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → u=${expected.urgency}${expected.incremental ? ', i' : ''}`, () => {
      assert.deepEqual(parsePriorityField(input), expected);
      assert.deepEqual(tryParsePriorityField(input), expected);
    });
  }
});

describe('priority field: values ignored (RFC 9218 §4 MUST), the rest still applies', () => {
  const cases: Array<[string, { urgency: number; incremental: boolean }, string]> = [
    ['u=8', DEFAULTS, 'urgency above 7'],
    ['u=-1, i', p(3, true), 'negative urgency'],
    ['u=1.0', DEFAULTS, 'a Decimal is not an Integer'],
    ['u="1"', DEFAULTS, 'a String is not an Integer'],
    ['u=?1', DEFAULTS, 'a Boolean is not an Integer'],
    ['u', DEFAULTS, 'a bare key is Boolean true'],
    ['u=high', DEFAULTS, 'a Token is not an Integer'],
    ['u=(1), i', p(3, true), 'an Inner List is not an Integer'],
    ['i=1', DEFAULTS, 'an Integer is not a Boolean'],
    ['i="?1", u=2', p(2, false), 'a String is not a Boolean'],
    ['u=2, u=5', p(5, false), 'the last duplicate wins'],
    ['u=2, u=9', DEFAULTS, 'the last duplicate is out of range: the parameter is ignored'],
    ['i, i=?0', DEFAULTS, 'the last duplicate of i wins'],
    ['foo=bar, u=4, x=(1 2 "s");p=?1, y=:aGk=:, z=@1659578233, w=%"caf%c3%a9", v=-1.5', p(4, false), 'unknown keys of every type'],
    ['a-b_c.d*e=1, *x=2, urgency=0, incremental, u=6', p(6, false), 'keys that only look like u and i'],
  ];
  for (const [input, expected, why] of cases) {
    it(`${JSON.stringify(input)}: ${why}`, () => {
      assert.deepEqual(parsePriorityField(input), expected);
      assert.deepEqual(tryParsePriorityField(input), expected);
    });
  }
});

describe('priority field: not a Dictionary → the defaults, and tryParse says null', () => {
  const invalid: Array<[string, string]> = [
    ['u=1,', 'trailing comma'],
    [',u=1', 'leading comma'],
    ['u=1,,i', 'empty member'],
    ['u=1 i', 'missing comma'],
    ['U=1', 'uppercase key'],
    ['1u=1', 'key starting with a digit'],
    ['u==1', 'double equals'],
    ['u=', 'missing value'],
    ['u=1;', 'parameter without key'],
    ['u=1;P=2', 'uppercase parameter key'],
    ['u=0000000000000001', 'Integer of 16 digits'],
    ['x=1.2345', 'Decimal with 4 fraction digits'],
    ['x=1234567890123.1', 'Decimal with 13 integer digits'],
    ['x=1.', 'Decimal without fraction'],
    ['x=-', 'sign without digits'],
    ['x=-.5', 'Decimal without integer digits'],
    ['x="a\\nb"', 'String with a bad escape'],
    ['x="abc', 'unterminated String'],
    ['x="é"', 'non-ASCII in a String'],
    ['x=?', 'Boolean without digit'],
    ['x=?2', 'Boolean of 2'],
    ['x=:abc', 'unterminated Byte Sequence'],
    ['x=:a$:', 'bad base64 character'],
    ['x=(1 2', 'unterminated Inner List'],
    ['x=(1,2)', 'comma inside an Inner List'],
    ['x=@1.5', 'Date that is a Decimal'],
    ['x=%"%C3"', 'Display String with uppercase hex'],
    ['x=%"abc', 'unterminated Display String'],
    ['u=1\u0000', 'control character'],
    ['é=1', 'non-ASCII key'],
    ['u=1, i\r\n', 'CRLF'],
  ];
  for (const [input, why] of invalid) {
    it(`${JSON.stringify(input)}: ${why}`, () => {
      assert.equal(tryParsePriorityField(input), null);
      assert.deepEqual(parsePriorityField(input), DEFAULTS);
    });
  }

  it('accepts the escapes and forms that are valid', () => {
    assert.deepEqual(tryParsePriorityField('x="a\\"b\\\\c", u=1'), p(1, false));
    assert.deepEqual(tryParsePriorityField('x=text/html;q=0.5, u=1'), p(1, false));
    assert.deepEqual(tryParsePriorityField('x=( ), y=(  a  b  ), u=1'), p(1, false));
    assert.deepEqual(tryParsePriorityField('x=::, u=1'), p(1, false));
    assert.deepEqual(tryParsePriorityField('x=%"", u=1'), p(1, false));
  });

  it('never throws, even on values that are not strings', () => {
    for (const bad of [undefined, null, 42, {}, []]) {
      assert.deepEqual(parsePriorityField(bad as unknown as string), DEFAULTS);
      assert.equal(tryParsePriorityField(bad as unknown as string), null);
    }
  });

  it('parses a huge field in linear time', () => {
    const field = (n: number): string => 'abc=1, '.repeat(n) + 'u=0, i';
    assert.deepEqual(parsePriorityField(field(200_000)), p(0, true)); // 1.4 MB parses, right
    // Linear, not quadratic: 8× the members costs about 8× (quadratic: 64×). CPU time (not wall
    // time, which a loaded machine stretches), each size's best of interleaved rounds, same run.
    const small = field(10_000);
    const large = field(80_000);
    const cpuMs = (s: string): number => {
      const t0 = process.cpuUsage();
      parsePriorityField(s);
      const t = process.cpuUsage(t0);
      return (t.user + t.system) / 1000;
    };
    for (let i = 0; i < 3; i++) cpuMs(small); // warm up the JIT
    let best = { small: Infinity, large: Infinity };
    for (let round = 0; round < 5; round++) {
      best = { small: Math.min(best.small, cpuMs(small)), large: Math.min(best.large, cpuMs(large)) };
    }
    // A floor on the small time keeps a sub-millisecond measurement from inflating the ratio.
    const ratio = best.large / Math.max(best.small, 0.5);
    assert.ok(ratio < 24, `8× the input took ${ratio.toFixed(1)}× the time (${best.small.toFixed(2)} ms → ${best.large.toFixed(2)} ms)`);
  });
});

describe('priority field: serialization', () => {
  it('writes u always and i when incremental', () => {
    assert.equal(serializePriorityField(p(0, false)), 'u=0');
    assert.equal(serializePriorityField(p(3, false)), 'u=3');
    assert.equal(serializePriorityField(p(5, true)), 'u=5, i');
  });

  it('round-trips every combination', () => {
    for (let u = 0; u <= 7; u++) {
      for (const i of [false, true]) assert.deepEqual(parsePriorityField(serializePriorityField(p(u, i))), p(u, i));
    }
  });

  it('throws ERR_OUT_OF_RANGE for an urgency that is not 0..7', () => {
    for (const u of [-1, 8, 1.5, Number.NaN]) {
      assert.throws(() => serializePriorityField(p(u, false)), { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
    }
  });
});

describe('priority field: properties', () => {
  it('any string parses to a valid pair, without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[ui=?01,;"() a-z*.:-]{0,24}$/)), (s) => {
        const r = parsePriorityField(s);
        assert.ok(Number.isInteger(r.urgency) && r.urgency >= 0 && r.urgency <= 7);
        assert.equal(typeof r.incremental, 'boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('a generated Dictionary yields its own u and i, whatever surrounds them', () => {
    const key = fc.stringMatching(/^[a-z*][a-z0-9_.*-]{0,6}$/).filter((k) => k !== 'u' && k !== 'i');
    const bare = fc.oneof(
      fc.integer({ min: -999, max: 999 }).map(String),
      fc.constantFrom('1.5', '-0.25', '?0', '?1', 'tok/en', '"s\\"t"', ':aGk=:', '@12', '%"x%20y"'),
    );
    const params = fc.array(fc.tuple(key, fc.option(bare)), { maxLength: 2 }).map((ps) =>
      ps.map(([k, v]) => `;${k}${v === null ? '' : `=${v}`}`).join(''),
    );
    const value = fc.oneof(bare, fc.array(bare, { maxLength: 3 }).map((items) => `(${items.join(' ')})`));
    const other = fc.tuple(key, fc.option(value), params).map(([k, v, ps]) => `${k}${v === null ? '' : `=${v}`}${ps}`);
    fc.assert(
      fc.property(
        fc.array(other, { maxLength: 4 }),
        fc.array(other, { maxLength: 4 }),
        fc.option(fc.integer({ min: 0, max: 7 })),
        fc.boolean(),
        params,
        fc.constantFrom(',', ', ', ' ,\t'),
        (before, after, u, i, ps, sep) => {
          const members = [...before, ...(u === null ? [] : [`u=${u}${ps}`]), ...(i ? [`i${ps}`] : []), ...after];
          assert.deepEqual(tryParsePriorityField(members.join(sep)), p(u ?? 3, i));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

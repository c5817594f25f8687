// DESIGN.md's layer rule, as a test: `wire/` does no I/O and imports nothing of ours outside
// `wire/`; `io/` never imports `http/`, `sse/`, `ws/` or `cli/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { REPO_ROOT } from './support/paths.js';

const SRC = join(REPO_ROOT, 'src');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

// Every way a module can name another: `import … from`, `export … from`, a side-effect
// `import 'x'`, `import x = require('x')`, dynamic `import('x')`, and `require('x')`.
const IMPORT_RE =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
const TIMER_RE = /\b(setTimeout|setInterval|setImmediate)\s*\(/;

function importsIn(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) found.push((m[1] ?? m[2] ?? m[3])!);
  return found;
}

function importsOf(file: string): string[] {
  return importsIn(readFileSync(file, 'utf8'));
}

const FORBIDDEN_IN_WIRE = /^(node:)?(net|tls|dns|timers|timers\/promises|http|https|http2|dgram|child_process|fs|fs\/promises|cluster)$/;

test('wire/ imports no I/O module and nothing of ours outside wire/', () => {
  const wire = join(SRC, 'wire');
  const bad: string[] = [];
  for (const f of sources(wire)) {
    for (const spec of importsOf(f)) {
      if (FORBIDDEN_IN_WIRE.test(spec)) bad.push(`${relative(REPO_ROOT, f)} imports ${spec}`);
      if (spec.startsWith('.')) {
        const target = resolve(dirname(f), spec);
        if (!target.startsWith(wire + sep)) bad.push(`${relative(REPO_ROOT, f)} imports ${spec} (outside wire/)`);
      }
    }
    const text = readFileSync(f, 'utf8');
    if (TIMER_RE.test(text)) bad.push(`${relative(REPO_ROOT, f)} starts a timer`);
  }
  assert.deepEqual(bad, []);
});

test('io/ imports nothing from the layers above it', () => {
  const io = join(SRC, 'io');
  const above = ['http', 'sse', 'ws', 'cli'].map((d) => join(SRC, d) + sep);
  const bad: string[] = [];
  for (const f of sources(io)) {
    for (const spec of importsOf(f)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(f), spec);
      if (above.some((a) => target.startsWith(a))) bad.push(`${relative(REPO_ROOT, f)} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the layer check itself sees every import form (guards against a regex that matches nothing)', () => {
  const sample = [
    "import { a } from './a.js';",
    "import type { B } from '../b.js';",
    'import {\n  c,\n  d,\n} from "node:net";',
    "import 'node:tls';",
    "export * from './e.js';",
    "export { f } from './f.js';",
    "import g = require('node:dns');",
    "const h = await import('node:timers');",
    "const i = require('node:http');",
  ].join('\n');
  assert.deepEqual(importsIn(sample), ['./a.js', '../b.js', 'node:net', 'node:tls', './e.js', './f.js', 'node:dns', 'node:timers', 'node:http']);
  for (const spec of ['node:net', 'net', 'node:tls', 'node:dns', 'node:timers', 'timers/promises', 'node:http2']) {
    assert.ok(FORBIDDEN_IN_WIRE.test(spec), spec);
  }
  assert.ok(!FORBIDDEN_IN_WIRE.test('node:util'));
  assert.ok(TIMER_RE.test('const t = setTimeout (() => {}, 1);'));
  assert.ok(!TIMER_RE.test('// no timers: clearTimeout is not starting one'));
  // And the real tree is read: wire/ has imports to check.
  assert.ok(sources(join(SRC, 'wire')).flatMap(importsOf).length > 0);
});

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

const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) found.push((m[1] ?? m[2] ?? m[3])!);
  return found;
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
    if (/\b(setTimeout|setInterval|setImmediate)\s*\(/.test(text)) bad.push(`${relative(REPO_ROOT, f)} starts a timer`);
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

test('the layer check itself sees imports (guards against a regex that matches nothing)', () => {
  const all = sources(SRC).flatMap(importsOf);
  assert.ok(all.length > 0);
});

// README.md and docs/*.md: every relative link resolves to a file in the repository (and its
// #anchor to a heading of that page), and no page sends the reader to a path outside the
// clone (`../shared/…`), which a user of the repository does not have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { REPO_ROOT } from './support/paths.js';

const PAGES = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The text outside fenced code blocks and inline code spans (links there are examples, not links). */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Link targets of `[text](target)` and `[text](target "title")`, images included. */
export function linkTargets(markdown: string): string[] {
  const out: string[] = [];
  for (const m of prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]!);
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of text.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** What is wrong with each relative link of `page` (repository-relative path). */
function brokenLinks(page: string): string[] {
  const problems: string[] = [];
  const file = join(REPO_ROOT, page);
  const text = readFileSync(file, 'utf8');
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: — not checked offline
    const hash = target.indexOf('#');
    const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = path === '' ? file : resolve(dirname(file), path);
    const inside = relative(REPO_ROOT, resolved);
    if (inside.startsWith('..') || inside.split(sep)[0] === 'node_modules') {
      problems.push(`${page}: ${target} points outside the repository`);
      continue;
    }
    if (!existsSync(resolved)) {
      problems.push(`${page}: ${target} does not exist`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith('.md') && statSync(resolved).isFile()) {
      if (!headingAnchors(readFileSync(resolved, 'utf8')).has(anchor)) problems.push(`${page}: ${target} names no heading of ${inside}`);
    }
  }
  return problems;
}

test('the link checker finds links, anchors and broken targets', () => {
  const sample = '# Quick start\n## Quick start\n[a](docs/x.md#y) ![i](logo.svg "t") `[no](code)`\n```\n[no](fence)\n```\n[w](https://example.test/)';
  assert.deepEqual(linkTargets(sample), ['docs/x.md#y', 'logo.svg', 'https://example.test/']);
  assert.deepEqual([...headingAnchors('# The `trama` command\n## Quick start\n## Quick start\n### Exit codes (curl\'s)\n')], [
    'the-trama-command',
    'quick-start',
    'quick-start-1',
    'exit-codes-curls',
  ]);
});

test('README.md and docs/*.md: every relative link resolves inside the repository', () => {
  assert.ok(PAGES.includes('docs/architecture.md'), PAGES.join());
  const problems = PAGES.flatMap(brokenLinks);
  assert.deepEqual(problems, []);
});

test('README.md and docs/*.md name no path outside the repository', () => {
  const problems: string[] = [];
  for (const page of PAGES) {
    readFileSync(join(REPO_ROOT, page), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        // `../shared/…` is the team's folder beside a clone; a reader of the repository has none.
        // Only the line documenting TRAMA_CONFORMANCE's default may name it.
        if (/(^|[\s`(])\.\.\/shared\//.test(line) && !line.includes('TRAMA_CONFORMANCE')) problems.push(`${page}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(problems, []);
});

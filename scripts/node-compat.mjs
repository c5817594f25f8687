// Runs node's own test/parallel scripts twice, on plain node and under `node -r trama/register`,
// and prints a table: pass on both / fail only on trama / fail on node too / needs node internals.
// node's scripts are not kept in this repository (docs/register.md, "node's own tests under
// register"): lay them out as node does, with our stand-in for node's test/common beside them:
//
//   DIR/parallel/test-http-*.js     node's scripts (from node's source tree, v20)
//   DIR/common -> test/node-compat/common   (ours)
//   DIR/fixtures                    node's test/fixtures (keys and certificates for https)
//
//   node scripts/node-compat.mjs DIR [--filter REGEX] [--jobs N] [--timeout MS] [--json FILE]
//                                    [--only trama|node] [--register PATH] [--verbose]
//
// A script "passes" when it exits 0 within the timeout. `// Flags:` lines are honoured as node's
// own test runner does; a script that needs node's internals (--expose-internals,
// internalBinding, process.binding, require('internal/…')) is listed, not run.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
};
const filter = new RegExp(opt('--filter', '^test-https?[-.]|^test-outgoing-message'));
// Two runs per script on a shared 2-core machine: a few at a time keeps the timings of the
// scripts that measure time (timeouts) honest.
const jobs = Number(opt('--jobs', Math.max(1, Math.min(4, availableParallelism()))));
// Long enough for the slowest script on a loaded machine; a hang shows as a timeout.
const timeoutMs = Number(opt('--timeout', 60_000));
const jsonOut = opt('--json', undefined);
const only = opt('--only', undefined);
const verbose = flag('--verbose');
// trama's register hook: the build in this repository unless another copy is named.
const register = resolve(opt('--register', join(repo, 'dist/cjs/register.js')));
const dir = resolve(args[0] ?? join(repo, 'test/node-compat'));
const scriptsDir = existsSync(join(dir, 'parallel')) ? join(dir, 'parallel') : dir;
if (!existsSync(register)) {
  console.error(`node-compat: ${register} is missing; run node scripts/build.mjs first`);
  process.exit(2);
}
const scripts = existsSync(scriptsDir)
  ? readdirSync(scriptsDir).filter((f) => f.endsWith('.js') && filter.test(f)).sort()
  : [];
if (scripts.length === 0) {
  console.error(`node-compat: no scripts matching ${filter} in ${scriptsDir}`);
  process.exit(2);
}

// What marks a script as needing node's internals, which no userland module can provide.
// Flags and bindings: such a script is not run.
const INTERNALS = [/--expose[-_]internals/, /\binternalBinding\(/, /\bprocess\.binding\(/, /require\(['"]internal\//];
// node's C++ parser object (`socket.parser`, `HTTPParser`, `_http_common`'s parser pool),
// private symbols of `_http_server`, an emitter's private `_events` layout: such a script is
// run, and when it fails only on trama it is counted as needing internals, not as a trama bug.
const PRIVATE_STATE = [
  /require\(['"]_http_common['"]\)/,
  /\bHTTPParser\b/,
  /\bkConnectionsCheckingInterval\b/,
  /\bsocket\.parser\b/,
  /\bparser\.(incoming|onIncoming|free)\b/,
  /\._events\b/,
];

function flagsOf(source) {
  const flags = [];
  for (const m of source.matchAll(/^\/\/ Flags:(.*)$/gm)) flags.push(...m[1].trim().split(/\s+/).filter(Boolean));
  return flags;
}

function run(file, flags, withTrama) {
  return new Promise((done) => {
    const argv = [...(withTrama ? ['-r', register] : []), ...flags, file];
    const started = Date.now();
    const child = spawn(process.execPath, argv, {
      cwd: scriptsDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_TEST_DIR: dir },
    });
    let out = '';
    const keep = (b) => {
      out += b;
      if (out.length > 20_000) out = out.slice(-10_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      out += `\n[node-compat] timed out after ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ ok: code === 0, code, signal, ms: Date.now() - started, out: out.trim().split('\n').slice(-25).join('\n') });
    });
  });
}

const results = [];
let next = 0;
async function worker() {
  while (next < scripts.length) {
    const name = scripts[next++];
    const file = join(scriptsDir, name);
    const source = readFileSync(file, 'utf8');
    const flags = flagsOf(source);
    const r = { name, flags };
    if (INTERNALS.some((re) => re.test(source))) {
      r.status = 'internals';
    } else {
      r.node = only === 'trama' ? { ok: true, skipped: true } : await run(file, flags, false);
      r.trama = only === 'node' ? { ok: true, skipped: true } : await run(file, flags, true);
      r.status = !r.node.ok ? 'node-fails' : r.trama.ok ? 'pass' : 'trama-fails';
      if (r.status === 'trama-fails' && PRIVATE_STATE.some((re) => re.test(source))) r.status = 'internals';
    }
    results.push(r);
    if (verbose) process.stderr.write(`${r.status.padEnd(12)} ${name}\n`);
  }
}
await Promise.all(Array.from({ length: jobs }, worker));
results.sort((a, b) => a.name.localeCompare(b.name));

const groups = { pass: [], 'trama-fails': [], 'node-fails': [], internals: [] };
for (const r of results) groups[r.status].push(r);
for (const r of groups['trama-fails']) {
  console.log(`\n--- ${r.name} (trama: exit ${r.trama.code ?? r.trama.signal}, ${r.trama.ms} ms)\n${r.trama.out}`);
}
console.log('\nscripts that fail only on trama:');
for (const r of groups['trama-fails']) console.log(`  ${r.name}`);
console.log('\nscripts that fail on plain node too:');
for (const r of groups['node-fails']) console.log(`  ${r.name}`);
console.log('\nscripts that need node internals (flags and bindings: not run; private state: fail only on trama):');
for (const r of groups.internals) console.log(`  ${r.name}`);
console.log(`\n| result | scripts |\n|---|---|`);
console.log(`| pass on node and on trama | ${groups.pass.length} |`);
console.log(`| fail only on trama | ${groups['trama-fails'].length} |`);
console.log(`| fail on node too | ${groups['node-fails'].length} |`);
console.log(`| need node internals | ${groups.internals.length} |`);
console.log(`| total | ${results.length} |`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
process.exitCode = groups['trama-fails'].length ? 1 : 0;

// npm's `prepare` hook: builds the package (dist/esm, dist/cjs) after `npm install`, and does
// nothing when dist/ is already current.
//
// Why the check: npm runs `prepare` on every `npx trama …` / `npm exec trama` inside the
// repository (the command resolves to this very package). A full rebuild there deleted dist/
// and build/ under a running `npm test` and made the command slow. So:
// - only dist/ is built here (build/ is the test runner's, built by `npm test`);
// - dist/ is current when build.mjs's stamp (dist/.built) is newer than every input: the
//   sources, the tsconfigs, package.json and the build script itself.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export const STAMP = 'dist/.built';
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.cjs.json', 'tsconfig.base.json', 'package.json', 'scripts/build.mjs'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs; // a deleted file changes its folder's mtime
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

const stamp = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
const newestInput = Math.max(...INPUTS.map(newestMtime));
if (stamp > 0 && stamp >= newestInput && existsSync('dist/esm/cli/main.js') && existsSync('dist/cjs/index.js')) {
  process.stderr.write('prepare: dist/ is current, not rebuilding (npm run build forces it)\n');
} else {
  const r = spawnSync(process.execPath, ['scripts/build.mjs', 'tsconfig.json', 'tsconfig.cjs.json'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

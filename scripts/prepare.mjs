// npm's `prepare` script: builds dist/ (`npm run build`) when a file package.json names is
// missing from it, and otherwise does nothing.
//
// Why only then: npm runs `prepare` after every `npm install`/`npm ci` in this repository, and a
// build costs several seconds (tsup with declarations) that a working copy with a dist/ does not
// need. The two cases that do need it have no dist/: a git dependency (`npm install
// github:OWNER/lrukit`: npm clones, installs devDependencies, runs `prepare`, then packs) and a
// fresh clone's first `npm ci`. Packing and publishing never rely on this check: `prepack`
// always rebuilds (package.json), so a stale dist/ is never shipped.
//
// A build that fails makes the install fail, on purpose: a git dependency must not install
// without its code. In a working copy whose src/ does not build yet, `npm ci --ignore-scripts`
// installs without building.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingFiles } from './package-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The files of the working copy that package.json can name: the top level and dist/. */
function files() {
  const found = readdirSync(root);
  const dist = join(root, 'dist');
  if (existsSync(dist)) {
    for (const file of readdirSync(dist, { recursive: true })) {
      found.push(`dist/${file.replaceAll('\\', '/')}`);
    }
  }
  return found;
}

const missing = missingFiles(pkg, files());
if (missing.length === 0) {
  console.log('lrukit prepare: dist/ has every file package.json names; not rebuilding');
  process.exit(0);
}

console.log(`lrukit prepare: building, dist/ lacks ${missing.join(', ')}`);
// npm_execpath: the npm running this script, so the build needs no `npm` on the PATH
const npm = process.env.npm_execpath;
const build = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], {
      cwd: root,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
if (build.status !== 0) {
  console.error(
    'lrukit prepare: the build failed (above). A git dependency needs it; in a working copy,' +
      ' `npm ci --ignore-scripts` installs without building.',
  );
  process.exit(build.status ?? 1);
}
const still = missingFiles(pkg, files());
if (still.length > 0) {
  console.error(`lrukit prepare: the build did not make ${still.join(', ')}`);
  process.exit(1);
}

/**
 * lrukit's built output for the benchmark: builds when dist/index.js is missing or older than src/
 * (or builds a commit in a scratch copy, `buildCommit`), then snapshots it so one run measures one build.
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/** Builds with `npm run build` if needed; returns why it built, or `undefined` if it did not. */
export function ensureBuilt(root) {
  const dist = join(root, 'dist', 'index.js');
  let why;
  if (!existsSync(dist)) why = 'dist/index.js is missing';
  else if (statSync(dist).mtimeMs < newestMtime(join(root, 'src')))
    why = 'dist/index.js is older than src/';
  if (why === undefined) return undefined;
  process.stderr.write(`bench: ${why}: running npm run build\n`);
  // the build's own output goes to stderr, so stdout stays the benchmark's tables
  execFileSync('npm', ['run', 'build'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (!existsSync(dist)) throw new Error('bench: npm run build did not produce dist/index.js');
  return why;
}

/**
 * Copies dist/index.js (self-contained: tsup runs without code splitting) to a fresh temporary
 * directory, so every child process of one run loads the same build even if someone rebuilds
 * dist/ meanwhile. Returns `{ file, dir, sha256, builtAt }`; remove `dir` when done.
 */
export function snapshotDist(root) {
  const source = join(root, 'dist', 'index.js');
  const code = readFileSync(source);
  if (/^\s*(import|export)\s[^;]*\sfrom\s*['"]\.\.?\//m.test(code.toString('utf8'))) {
    throw new Error(
      'bench: dist/index.js imports other files of dist/: it cannot be snapshotted alone',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'lrukit-bench-'));
  const file = join(dir, 'index.js');
  writeFileSync(file, code);
  return {
    file,
    dir,
    sha256: createHash('sha256').update(code).digest('hex').slice(0, 12),
    builtAt: statSync(source)
      .mtime.toISOString()
      .replace(/\.\d+Z$/, 'Z'),
  };
}

/**
 * Builds commit `rev` of the repository at `root` in a scratch copy (`git archive`, the working
 * tree's node_modules linked in, tsup), so a run measures committed code however the working tree
 * changes meanwhile, and never rebuilds the working tree's dist/. Returns `{ root, commit }`:
 * the scratch root (with its dist/) and the full commit id; remove `root` when done.
 */
export function buildCommit(root, rev) {
  const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--verify', `${rev}^{commit}`);
  const dir = mkdtempSync(join(tmpdir(), 'lrukit-bench-build-'));
  const archive = execFileSync('git', ['archive', '--format=tar', commit], {
    cwd: root,
    maxBuffer: 512 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  process.stderr.write(`bench: building ${commit.slice(0, 7)} in ${dir}\n`);
  execFileSync(join(root, 'node_modules', '.bin', 'tsup'), [], {
    cwd: dir,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (!existsSync(join(dir, 'dist', 'index.js')))
    throw new Error(`bench: building ${commit} did not produce dist/index.js`);
  return { root: dir, commit };
}

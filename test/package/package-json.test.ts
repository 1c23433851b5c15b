// What package.json promises to users, checked without packing (scripts/consumer-check.mjs and attw
// check the packed tarball in CI): every subpath export has types under TypeScript's node10
// resolution, the file list the pack checks rely on, and scripts/prepare.mjs building only when
// dist/ is incomplete.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { missingFiles, namedFiles } from '../../scripts/package-files.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('package.json', () => {
  it('maps every subpath export in typesVersions to the declarations its require condition names', () => {
    // moduleResolution node10 ignores `exports`: without this, `lrukit/testing` is TS2307 there
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== '.' && k !== './package.json');
    expect(subpaths).toEqual(['./testing', './redis']);
    const mapped = Object.fromEntries(
      subpaths.map((k) => [k.slice('./'.length), [pkg.exports[k].require.types]]),
    );
    expect(pkg.typesVersions).toEqual({ '*': mapped });
    expect(pkg.types).toBe(pkg.exports['.'].require.types);
  });

  it('names every entry file, each condition of each export', () => {
    const names = namedFiles(pkg);
    for (const entry of ['index', 'testing', 'redis']) {
      for (const ext of ['js', 'cjs', 'd.ts', 'd.cts'])
        expect(names).toContain(`dist/${entry}.${ext}`);
    }
    expect(names).toContain('package.json');
    expect(names.every((name) => !name.startsWith('./'))).toBe(true);
  });
});

describe('missingFiles', () => {
  const sample = {
    main: './dist/a.cjs',
    exports: { '.': { import: './dist/a.js', require: './dist/a.cjs' }, './x/*': './dist/x/*.js' },
    typesVersions: { '*': { b: ['./dist/b.d.ts'] } },
  };

  it('lists what the file list lacks, and matches subpath patterns', () => {
    expect(missingFiles(sample, ['dist/a.js', 'dist/a.cjs', 'dist/b.d.ts', 'dist/x/y.js'])).toEqual(
      [],
    );
    expect(missingFiles(sample, ['dist/a.js'])).toEqual([
      'dist/a.cjs',
      'dist/b.d.ts',
      'dist/x/*.js',
    ]);
    // `.` in a pattern is not a wildcard
    expect(missingFiles(sample, ['dist/a.js', 'dist/a.cjs', 'dist/b.d.ts', 'dist/x/yajs'])).toEqual(
      ['dist/x/*.js'],
    );
  });
});

describe('scripts/prepare.mjs', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A package in a temp dir whose `build` script runs `build`; returns the dir. */
  function fixture(build: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'lrukit-prepare-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'scripts'));
    for (const file of ['prepare.mjs', 'package-files.mjs']) {
      copyFileSync(join(ROOT, 'scripts', file), join(dir, 'scripts', file));
    }
    const exports = { '.': { import: './dist/index.js', require: './dist/index.cjs' } };
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'fixture', type: 'module', exports, scripts: { build } }),
    );
    return dir;
  }
  const prepare = (dir: string) =>
    spawnSync(process.execPath, [join(dir, 'scripts', 'prepare.mjs')], {
      cwd: dir,
      encoding: 'utf8',
    });
  const makeDist = `node -e "require('fs').mkdirSync('dist');for(const f of ['index.js','index.cjs'])require('fs').writeFileSync('dist/'+f,'')"`;

  it('builds when dist/ lacks a file package.json names', () => {
    const dir = fixture(makeDist);
    const result = prepare(dir);
    expect(result.stdout).toContain('building, dist/ lacks dist/index.cjs, dist/index.js');
    expect(result.status).toBe(0);
    expect(existsSync(join(dir, 'dist', 'index.cjs'))).toBe(true);
  });

  it('does not rebuild a complete dist/', () => {
    const dir = fixture('node -e "process.exit(3)"');
    mkdirSync(join(dir, 'dist'));
    for (const file of ['index.js', 'index.cjs']) writeFileSync(join(dir, 'dist', file), '');
    const result = prepare(dir);
    expect(result.stdout).toContain('not rebuilding');
    expect(result.status).toBe(0);
  });

  it('fails when the build fails or leaves a named file missing', () => {
    const failing = prepare(fixture('node -e "process.exit(3)"'));
    expect(failing.status).toBe(3);
    expect(failing.stderr).toContain('the build failed');
    const incomplete = prepare(fixture(`node -e "require('fs').mkdirSync('dist')"`));
    expect(incomplete.status).toBe(1);
    expect(incomplete.stderr).toContain('the build did not make dist/index.cjs, dist/index.js');
  });
});

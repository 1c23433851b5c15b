// Shows that the LoadingCache model test (test/property/loading-cache.model.test.ts) notices a
// broken rule: for each mutation in MUTATIONS, copies the repository to a temp dir, breaks one rule
// there by one exact string replacement, runs the model test in the copy, and expects it to fail.
// Prints one line per mutation: killed (with the check that caught it) or SURVIVED. Exits 1 if
// any mutation survived, if a mutated copy could not even load the test (that proves nothing),
// or if the unmutated copy fails. The working tree is never touched.
//
//   node scripts/mutation-check.mjs [NAME...] [--runs=N] [--seed=N] [--jobs=N] [--keep]
//
// NAME: only the mutations whose name contains it. --runs: the model test's runs, all properties
// together (default 3000; LRUKIT_MODEL_RUNS in the copy). --seed: its fixed seed (default 42;
// LRUKIT_MODEL_SEED). --jobs: copies tested at once (default 2). --keep: leave the temp dirs.
//
// A mutation is { name, file, find, replace }: `file` relative to the repository, `find` an exact
// string that must occur in it exactly once (the script fails loudly otherwise, so the table
// cannot rot silently when the code moves), `replace` what it becomes. Keep each one a single,
// plausible bug that breaks exactly one rule of API.md §2 "Loads under failure".
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEST = 'test/property/loading-cache.model.test.ts';
/** What vitest needs to run the test in a copy (node_modules is linked, not copied). */
const COPY = ['src', 'test', 'scripts', 'package.json', 'tsconfig.json', 'vitest.config.ts'];

const LOAD = 'src/loading/load.ts';
const CACHE = 'src/loading-cache.ts';

export const MUTATIONS = [
  {
    name: 'detach: an abandoned load stays registered for its key',
    file: LOAD,
    find: '      this.onAbandon(this, timedOut);\n',
    replace: '',
  },
  {
    name: "detach: an abandoned load's signal is not aborted",
    file: LOAD,
    find: '      this.controller.abort(\n        timedOut',
    replace: '      ((_reason) => {})(\n        timedOut',
  },
  {
    name: 'detach: the last waiter leaving does not abandon the load',
    file: LOAD,
    find: 'if (waiters.size === 0 && this.#pins === 0 && !this.done) {',
    replace: 'if (waiters.size < 0 && this.#pins === 0 && !this.done) {',
  },
  {
    name: 'pins: a caller that cannot leave does not pin the load',
    file: LOAD,
    find: '    if (!canLeave) this.#pins++;\n',
    replace: '',
  },
  {
    name: 'pins: a background refresh without timeout does not pin the load',
    file: LOAD,
    find: '    if (this.timeout === Infinity) this.#pins++;\n    else',
    replace: '    if (this.timeout === Infinity) void 0;\n    else',
  },
  {
    name: 'timeout: a waiter waits twice as long as timeout',
    file: LOAD,
    find: '        }, this.timeout);',
    replace: '        }, this.timeout * 2);',
  },
  {
    name: 'refresh: a refresh detached by timeout is not counted as failed',
    file: CACHE,
    find: '    if (timedOut) this.#loadErrors++;',
    replace: '    void timedOut;',
  },
  {
    name: 'refresh: refresh() is not a waiter (shares the bare outcome)',
    file: CACHE,
    find: '      return load.wait(undefined, undefined);',
    replace: '      return load.promise;',
  },
  {
    name: 'abort is private: the late error of an abandoned load is counted in loadErrors',
    file: CACHE,
    find: '    if (load.abandoned) throw error; // every caller left: dropped, never counted nor remembered\n    this.#loadTime += this.#clock.now() - started;\n    this.#loadErrors++;',
    replace:
      '    this.#loadErrors++;\n    if (load.abandoned) throw error;\n    this.#loadTime += this.#clock.now() - started;',
  },
  {
    name: 'invalidate: the load in flight is unregistered but its signal not aborted',
    file: CACHE,
    find: "    this.#loads.release(key, new Error('lrukit: key invalidated while loading'));",
    replace: '    this.#loads.release(key);',
  },
  {
    name: 'invalidate: the load in flight is left registered (its late result is stored)',
    file: CACHE,
    find: "    this.#loads.release(key, new Error('lrukit: key invalidated while loading'));",
    replace: '',
  },
  {
    name: 'set: the load in flight is aborted too',
    file: CACHE,
    find: '    this.#loads.release(key);\n    if (tkey !== undefined) this.#tiers!.write(tkey, value, stored.ttl, true);',
    replace:
      "    this.#loads.release(key, new Error('set'));\n    if (tkey !== undefined) this.#tiers!.write(tkey, value, stored.ttl, true);",
  },
  {
    name: 'set: the load in flight stays registered (and overwrites the value)',
    file: CACHE,
    find: '    this.#loads.release(key);\n    if (tkey !== undefined) this.#tiers!.write(tkey, value, stored.ttl, true);',
    replace: '    if (tkey !== undefined) this.#tiers!.write(tkey, value, stored.ttl, true);',
  },
  {
    name: 'clear: loads in flight are unregistered but not aborted',
    file: CACHE,
    find: "    this.#loads.releaseAll(new Error('lrukit: cache cleared while loading'));",
    replace: '    this.#loads.releaseAll();',
  },
  {
    name: 'operations finish: invalidate rethrows an onEvict error before cancelling the load',
    file: CACHE,
    find: "    this.#loads.release(key, new Error('lrukit: key invalidated while loading'));\n    if (tkey !== undefined) this.#tiers!.remove(tkey);\n    this.#rethrow(mark);",
    replace:
      "    this.#rethrow(mark);\n    this.#loads.release(key, new Error('lrukit: key invalidated while loading'));\n    if (tkey !== undefined) this.#tiers!.remove(tkey);",
  },
  {
    name: 'operations finish: get throws synchronously',
    file: CACHE,
    find: '      return this.#miss(key, undefined, signal);\n    } catch (error) {\n      return Promise.reject(error);\n    }',
    replace:
      '      return this.#miss(key, undefined, signal);\n    } catch (error) {\n      throw error;\n    }',
  },
  {
    name: "background errors: an onEvict error while a load completes reaches the load's callers",
    file: CACHE,
    find: "            else this.#report(error, { tier: 'l1', operation: 'onEvict' });",
    replace: '            else throw error;',
  },
  {
    name: 'staleIfError: the fallback serves a stale value that was invalidated meanwhile',
    file: CACHE,
    find: '        if (this.#cache.peek(key) !== stale) return undefined;\n',
    replace: '',
  },
  {
    name: 'errorTtl: a failure is remembered even when a stale value is still servable',
    file: CACHE,
    find: '        !this.#fresh.keepsOnFailure(this.#cache.peek(load.key), now) &&',
    replace: '        true &&',
  },
];

// ---- arguments ----

let runs = 3000;
let seed = 42;
let jobs = 2;
let keep = false;
const only = [];
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('--runs=')) runs = Number(arg.slice(7));
  else if (arg.startsWith('--seed=')) seed = Number(arg.slice(7));
  else if (arg.startsWith('--jobs=')) jobs = Math.max(1, Number(arg.slice(7)));
  else if (arg === '--keep') keep = true;
  else if (arg.startsWith('--')) {
    console.error(`mutation-check: unknown option ${arg}`);
    process.exit(2);
  } else only.push(arg);
}
const selected =
  only.length === 0 ? MUTATIONS : MUTATIONS.filter((m) => only.some((o) => m.name.includes(o)));
if (selected.length === 0) {
  console.error(`mutation-check: no mutation matches ${only.join(', ')}`);
  process.exit(2);
}

// Every entry must still apply to today's code, before anything runs.
const stale = [];
for (const m of MUTATIONS) {
  const text = readFileSync(join(root, m.file), 'utf8');
  const count = text.split(m.find).length - 1;
  if (count !== 1)
    stale.push(`  "${m.name}": found ${count} times in ${m.file} (must be exactly once)`);
}
if (stale.length > 0) {
  console.error(`mutation-check: the table no longer matches the code:\n${stale.join('\n')}`);
  process.exit(2);
}

// ---- one run in a copy ----

const temps = [];

/** A copy of the repository, with `mutation` (if any) applied. */
function copyRepo(mutation) {
  const dir = mkdtempSync(join(tmpdir(), 'lrukit-mutation-'));
  temps.push(dir);
  for (const entry of COPY) cpSync(join(root, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  if (mutation !== undefined) {
    const path = join(dir, mutation.file);
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(mutation.find, () => mutation.replace),
    );
  }
  return dir;
}

/** Runs the model test in `dir`: 'passed', 'failed' (with the first failing check) or 'broken'. */
function runTest(dir) {
  const report = join(dir, 'vitest-report.json');
  return new Promise((resolve) => {
    const child = spawn(
      join(dir, 'node_modules', '.bin', 'vitest'),
      ['run', '--project', 'node', TEST, '--reporter=json', `--outputFile=${report}`],
      {
        cwd: dir,
        env: { ...process.env, LRUKIT_MODEL_RUNS: String(runs), LRUKIT_MODEL_SEED: String(seed) },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', () => {
      let json;
      try {
        json = JSON.parse(readFileSync(report, 'utf8'));
      } catch {
        resolve({
          status: 'broken',
          detail: `no report (${stderr.trim().split('\n').slice(-3).join(' | ')})`,
        });
        return;
      }
      const file = json.testResults[0];
      const tests = file?.assertionResults ?? [];
      if (file === undefined || tests.length === 0) {
        const message = file?.message ?? stderr;
        resolve({ status: 'broken', detail: `the test did not load: ${firstLine(message)}` });
        return;
      }
      const failed = tests.find((t) => t.status === 'failed');
      if (failed === undefined) {
        resolve({ status: 'passed', detail: `${tests.length} properties passed` });
        return;
      }
      const message = failed.failureMessages[0] ?? '';
      const caught = message.match(/Got error: (?:Error: )?(.*)/);
      resolve({
        status: 'failed',
        detail: `${failed.title}: ${caught ? caught[1] : firstLine(message)}`,
      });
    });
  });
}

const firstLine = (text) =>
  String(text)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: vitest's ANSI colour codes
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .find((line) => line.trim() !== '')
    ?.trim() ?? '';

/** Runs `tasks` (functions returning promises) at most `limit` at a time, in order of results. */
async function pool(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

// ---- main ----

const started = Date.now();
let exitCode = 0;
try {
  console.log(`mutation-check: ${TEST}, ${runs} runs, seed ${seed}`);
  const baseline = await runTest(copyRepo(undefined));
  if (baseline.status !== 'passed') {
    console.log(`baseline (no mutation): FAILS — ${baseline.detail}`);
    console.log('mutation-check: the unmutated code must pass the model test first');
    exitCode = 1;
  } else {
    console.log(`baseline (no mutation): passes`);
    const results = await pool(
      selected.map((m) => async () => {
        const t0 = Date.now();
        const result = await runTest(copyRepo(m));
        const secs = ((Date.now() - t0) / 1000).toFixed(1);
        const verdict =
          result.status === 'failed'
            ? 'killed'
            : result.status === 'passed'
              ? 'SURVIVED'
              : 'BROKEN';
        console.log(`${verdict.padEnd(8)} ${m.name} (${secs} s)\n         ${result.detail}`);
        return verdict;
      }),
      jobs,
    );
    const killed = results.filter((v) => v === 'killed').length;
    console.log(
      `mutation-check: ${killed}/${results.length} killed in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    if (killed !== results.length) exitCode = 1;
  }
} finally {
  if (keep) console.log(`kept: ${temps.join(' ')}`);
  else for (const dir of temps) rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);

// Runs every examples/*.ts the way its header says (`node --import tsx examples/NAME.ts`), one
// after the other, each with a time limit, and prints one line per example: name, ok / skipped /
// FAILED, time. A failing example's output follows its line. Exits 1 if any failed.
//
//   node scripts/run-examples.mjs [NAME...] [--timeout=MS] [--verbose]
//
// NAME: run only these (e.g. `memoize-fetch` or `examples/memoize-fetch.ts`). --timeout: each
// example's limit (default 30000 ms; they take about a second). --verbose: print every
// example's output, not only a failing one's.
//
// Each example checks what it shows with node:assert and must exit by itself: a timer or socket
// left open shows up here as a time-out. An example that cannot run here (redis-tier without
// redis-server) prints a line starting `!! SKIP` and exits 0 — reported as skipped — unless
// CI=true, where it fails instead. examples/browser/ is not run here: it has its own CI step
// (`node examples/browser/e2e.mjs`, Playwright in headless Chromium).
//
// The seed-system examples (examples/pastebin, mint, scale-out: services, `npm run example:NAME`)
// run here in their `--smoke` mode: on PGlite (no database server needed), checking themselves
// and exiting. Their limit is at least 180 s: PGlite's first start (WebAssembly) takes seconds,
// and scale-out starts five processes. Their end-to-end tests against a real PostgreSQL server
// are vitest's `postgres` project (test/postgres/).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examplesDir = join(root, 'examples');
const KILL_GRACE_MS = 3_000;

let timeoutMs = 30_000;
let verbose = false;
const only = [];
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('--timeout=')) {
    timeoutMs = Number(arg.slice('--timeout='.length));
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) usage(`bad ${arg}`);
  } else if (arg === '--verbose') {
    verbose = true;
  } else if (arg.startsWith('-')) {
    usage(`unknown option ${arg}`);
  } else {
    only.push(basename(arg, '.ts'));
  }
}

function usage(problem) {
  console.error(
    `${problem}\nusage: node scripts/run-examples.mjs [NAME...] [--timeout=MS] [--verbose]`,
  );
  process.exit(2);
}

const all = readdirSync(examplesDir)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .sort();
// directory examples: NAME/main.ts with these arguments (scale-out: always PGlite, so a run here
// does not depend on PostgreSQL being installed)
const services = {
  pastebin: ['--smoke'],
  mint: ['--smoke'],
  'scale-out': ['--smoke', '--pglite', '--requests', '500'],
};
const SERVICE_MIN_TIMEOUT_MS = 180_000;
for (const name of only) {
  if (!all.includes(`${name}.ts`) && !(name in services)) {
    usage(`no example examples/${name}.ts or examples/${name}/main.ts`);
  }
}
const files = [
  ...(only.length === 0 ? all : all.filter((file) => only.includes(basename(file, '.ts')))),
  ...Object.keys(services)
    .filter((name) => only.length === 0 || only.includes(name))
    .map((name) => `${name}/main.ts`),
];

/**
 * Runs one example in a child process; resolves with its exit, output (stdout and stderr
 * interleaved as they came) and time. After `timeoutMs` it gets SIGTERM (so it can stop what it
 * started, e.g. a throwaway redis-server), then SIGKILL.
 */
function run(file) {
  const service = services[dirname(file)];
  const args = service ?? [];
  const limit = service ? Math.max(timeoutMs, SERVICE_MIN_TIMEOUT_MS) : timeoutMs;
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join('examples', file), ...args], {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    let timedOut = false;
    let killer;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, limit);
    child.on('error', (error) => {
      output += `\ncould not start: ${error.message}\n`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolve({ code, signal, timedOut, output, ms: performance.now() - started });
    });
  });
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;
const indent = (text) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `    | ${line}`)
    .join('\n');

console.log(
  `examples: running ${files.length} with node --import tsx (limit ${seconds(timeoutMs)} each, services ${seconds(Math.max(timeoutMs, SERVICE_MIN_TIMEOUT_MS))})`,
);
const width = Math.max(...files.map((file) => file.length));
let failed = 0;
let skipped = 0;
for (const file of files) {
  const result = await run(file);
  const ok = result.code === 0 && !result.timedOut;
  const skip = ok && /^!! SKIP/m.test(result.output);
  let status = 'ok';
  if (result.timedOut) status = 'FAILED (did not exit within its limit)';
  else if (!ok)
    status = `FAILED (${result.signal ? `signal ${result.signal}` : `exit ${result.code}`})`;
  else if (skip) status = 'skipped';
  console.log(`  ${file.padEnd(width)}  ${status.padEnd(8)}  ${seconds(result.ms)}`);
  if (!ok) failed++;
  if (skip) skipped++;
  if (!ok || skip || verbose) console.log(indent(result.output || '(no output)'));
}
console.log(
  `  ${'browser/'.padEnd(width)}  -         run by its own CI step: node examples/browser/e2e.mjs`,
);

const summary = `${files.length - failed - skipped} ok, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
console.log(`examples: ${summary} (${relative(process.cwd(), examplesDir) || '.'})`);
process.exitCode = failed > 0 ? 1 : 0;

/**
 * `npm run demo:load`: starts the service as a child process (so it has a CPU core of its
 * own, apart from the load generator), loads it, stops it — once with the cache and once with
 * `--no-cache` — and prints the two runs side by side against the design target.
 *
 * `npm run demo:load -- --compare-policies`: the same seeded stream of requests, in order on one
 * connection, to a service with `--policy lru` and one with `--policy tinylfu` (same memory),
 * and their hit ratios and backend calls side by side.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { corpusVocabulary } from './corpus.js';
import { buildQueryPool, type LoadProgress, type LoadResult, runLoad } from './load.js';
import type { DemoStats } from './server.js';

/** The throughput the search service was designed for: 10 billion queries a month, with peaks. */
export const DESIGN_TARGET_RPS = 4_000;

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const URL_LINE = /^lrukit demo: (http:\/\/\S+)$/m;

/** A demo service running as a child process. */
export interface DemoProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Sends SIGTERM and resolves with the exit code once it has exited. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node --import tsx demo/main.ts --port 0 …args` and resolves with its URL once it
 * prints it; rejects (with its output) if it exits first.
 *
 * @example
 * ```ts
 * const demo = await spawnDemo(['--no-cache']);
 * await fetch(`${demo.url}/stats`);
 * await demo.stop(); // 0
 * ```
 */
export function spawnDemo(args: readonly string[] = []): Promise<DemoProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = URL_LINE.exec(output);
      if (match === null) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining, so the child never blocks on a full pipe
      resolve({
        url: match[1]!,
        child,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    exited.then((code) =>
      reject(new Error(`the demo exited (code ${code}) before printing its URL:\n${output}`)),
    );
  });
}

/** One run of the comparison. */
export interface RunReport {
  readonly label: string;
  readonly serverArgs: readonly string[];
  readonly client: LoadResult;
  /** `GET /stats` after the run. */
  readonly server: DemoStats;
  /** The service's exit code after SIGTERM (0 expected). */
  readonly exitCode: number | null;
}

/** Options of {@link runComparison}. */
export interface ComparisonOptions {
  /** Per run (ms). */
  durationMs: number;
  connections: number;
  /** Extra arguments for the cached run's service (`--ttl`, `--max-size`, `--redis` …). */
  serverArgs?: readonly string[];
  /** Distinct queries; default 3,000. */
  poolSize?: number;
  /** Told when each run starts, and its progress. */
  onRunStart?: (label: string) => void;
  onProgress?: (label: string, progress: LoadProgress) => void;
  onRunEnd?: (label: string, report: RunReport) => void;
  /** Aborting stops the load, stops the service and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Both runs, and what the load was. */
export interface Comparison {
  readonly durationMs: number;
  readonly connections: number;
  readonly poolSize: number;
  readonly spellings: number;
  readonly targetRps: number;
  readonly cached: RunReport;
  readonly uncached: RunReport;
}

/**
 * Runs the load twice — against a service with the cache, then one with `--no-cache` — each
 * in a fresh child process, and returns both reports.
 *
 * @example
 * ```ts
 * const comparison = await runComparison({ durationMs: 10_000, connections: 16 });
 * console.log(formatComparison(comparison));
 * ```
 */
/** The hooks and signal a comparison passes on to each run. */
type RunHooks = Pick<ComparisonOptions, 'onRunStart' | 'onProgress' | 'onRunEnd' | 'signal'>;

/** One run: a fresh service with `serverArgs`, loaded as `load` says, its /stats, stopped. */
async function runService(
  label: string,
  serverArgs: readonly string[],
  load: Omit<Parameters<typeof runLoad>[0], 'url' | 'onProgress' | 'signal'>,
  hooks: RunHooks,
): Promise<RunReport> {
  const demo = await spawnDemo(serverArgs);
  try {
    hooks.onRunStart?.(label);
    const client = await runLoad({
      ...load,
      url: demo.url,
      onProgress: hooks.onProgress && ((progress) => hooks.onProgress!(label, progress)),
      ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
    });
    hooks.signal?.throwIfAborted();
    const server = (await (await fetch(`${demo.url}/stats`)).json()) as DemoStats;
    const report = { label, serverArgs, client, server, exitCode: await demo.stop() };
    hooks.onRunEnd?.(label, report);
    return report;
  } finally {
    await demo.stop();
  }
}

export async function runComparison(options: ComparisonOptions): Promise<Comparison> {
  const pool = buildQueryPool(corpusVocabulary(), { size: options.poolSize ?? 3_000 });
  const run = (label: string, serverArgs: readonly string[]): Promise<RunReport> =>
    runService(
      label,
      serverArgs,
      { pool, durationMs: options.durationMs, connections: options.connections },
      options,
    );
  options.signal?.throwIfAborted();
  const cached = await run('with lrukit', options.serverArgs ?? []);
  options.signal?.throwIfAborted();
  const uncached = await run('without cache', ['--no-cache']);
  return {
    durationMs: options.durationMs,
    connections: options.connections,
    poolSize: pool.length,
    spellings: pool.reduce((sum, query) => sum + query.paths.length, 0),
    targetRps: DESIGN_TARGET_RPS,
    cached,
    uncached,
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en');
const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;

/** Whether both runs answered every request with 200 and their services exited cleanly. */
export function comparisonPassed(comparison: Comparison): boolean {
  return [comparison.cached, comparison.uncached].every(
    (run) => run.client.errors === 0 && run.client.requests > 0 && run.exitCode === 0,
  );
}

/**
 * The side-by-side table, and a closing line against the design target.
 *
 * @example
 * ```ts
 * console.log(formatComparison(await runComparison({ durationMs: 5_000, connections: 16 })));
 * ```
 */
export function formatComparison(c: Comparison): string {
  const { cached, uncached } = c;
  const rows: Array<[string, (run: RunReport) => string]> = [
    ['requests/s', (run) => int(run.client.requestsPerSecond)],
    ['latency p50', (run) => ms(run.client.latency.p50Ms)],
    ['latency p90', (run) => ms(run.client.latency.p90Ms)],
    ['latency p99', (run) => ms(run.client.latency.p99Ms)],
    ['  in the server p99', (run) => ms(run.server.latency.p99Ms)],
    [
      'hit ratio',
      (run) => (run.client.hitRatio === null ? '—' : `${(run.client.hitRatio * 100).toFixed(1)} %`),
    ],
    ['errors', (run) => int(run.client.errors)],
    ['requests', (run) => int(run.client.requests)],
    ['searches run', (run) => int(run.server.searches)],
    ['cache entries', (run) => (run.server.cache === 'off' ? '—' : int(run.server.entries))],
    ['evictions', (run) => (run.server.cache === 'off' ? '—' : int(run.server.evictions))],
  ];
  const width = 22;
  const col = 16;
  const lines = [
    `lrukit demo load test: ${c.durationMs / 1000} s per run, ${c.connections} keep-alive connections,`,
    `${int(c.poolSize)} distinct queries in ${int(c.spellings)} spellings, Zipf popularity (exponent 1)`,
    '',
    `${''.padEnd(width)}${cached.label.padStart(col)}${uncached.label.padStart(col)}`,
    ...rows.map(
      ([name, value]) =>
        `${name.padEnd(width)}${value(cached).padStart(col)}${value(uncached).padStart(col)}`,
    ),
    '',
  ];
  const reached = cached.client.requestsPerSecond;
  const speedup = reached / Math.max(1, uncached.client.requestsPerSecond);
  lines.push(
    `Design target: ${int(c.targetRps)} requests/s. This one process reached ${int(reached)} requests/s ` +
      `with the cache (${reached >= c.targetRps ? 'target met' : 'below target'}), ` +
      `${speedup.toFixed(1)}× what it does without it.`,
  );
  for (const run of [cached, uncached]) {
    for (const sample of run.client.errorSamples) lines.push(`error (${run.label}): ${sample}`);
    if (run.exitCode !== 0) lines.push(`the service ${run.label} exited with code ${run.exitCode}`);
  }
  return lines.join('\n');
}

/**
 * A one-line progress bar for a TTY, redrawn in place: `with lrukit  [████░░░░]  2.5/10 s …`.
 *
 * @example
 * ```ts
 * process.stderr.write(`\r${progressBar('with lrukit', progress)}`);
 * ```
 */
export function progressBar(label: string, p: LoadProgress, width = 24): string {
  const target = p.requestsTarget;
  const done = Math.min(1, target === undefined ? p.elapsedMs / p.durationMs : p.requests / target);
  const filled = Math.round(done * width);
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.requests / seconds : 0;
  const hits = p.requests > 0 ? `  hits ${((p.hits / p.requests) * 100).toFixed(1)} %` : '';
  const where =
    target === undefined
      ? `${seconds.toFixed(1)}/${p.durationMs / 1000} s`
      : `${int(p.requests)}/${int(target)} requests`;
  return (
    `${label.padEnd(14)} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ` +
    `${where}  ${int(rate)} req/s${hits}  ${p.errors} errors`
  );
}

/** Options of {@link runPolicyComparison}. */
export interface PolicyComparisonOptions extends RunHooks {
  /** Requests sent to each service, in order on one connection. */
  requests: number;
  /** The cache's `maxSize` (bytes of JSON), the same for both services. */
  maxSize: number;
  /** TinyLFU's seed (`--seed`), so that a comparison can be repeated exactly. */
  seed: number;
  /** Other cache options for both services (`--ttl`, `--stale`, `--max-entries`). */
  serverArgs?: readonly string[];
  /** Distinct queries; default 3,000. */
  poolSize?: number;
  /** Seed of the query stream; default 11. */
  streamSeed?: number;
}

/** Both policies' runs on the same stream, and what the stream was. */
export interface PolicyComparison {
  readonly requests: number;
  readonly poolSize: number;
  readonly spellings: number;
  readonly maxSize: number;
  readonly seed: number;
  readonly streamSeed: number;
  readonly lru: RunReport;
  readonly tinylfu: RunReport;
}

/**
 * Sends the same seeded stream of `requests` requests, in order on one connection (so that the
 * service sees exactly that sequence), to a service with `--policy lru` and then to one with
 * `--policy tinylfu --seed seed`, both with `--max-size maxSize`, each in a fresh child process.
 *
 * @example
 * ```ts
 * const c = await runPolicyComparison({ requests: 20_000, maxSize: 1 << 20, seed: 1 });
 * console.log(formatPolicyComparison(c));
 * ```
 */
export async function runPolicyComparison(
  options: PolicyComparisonOptions,
): Promise<PolicyComparison> {
  const pool = buildQueryPool(corpusVocabulary(), { size: options.poolSize ?? 3_000 });
  const streamSeed = options.streamSeed ?? 11;
  const common = [...(options.serverArgs ?? []), '--max-size', String(options.maxSize)];
  const load = {
    pool,
    requests: options.requests,
    durationMs: Infinity,
    connections: 1,
    seed: streamSeed,
  };
  options.signal?.throwIfAborted();
  const lru = await runService('lru', [...common, '--policy', 'lru'], load, options);
  options.signal?.throwIfAborted();
  const tinylfu = await runService(
    'tinylfu',
    [...common, '--policy', 'tinylfu', '--seed', String(options.seed)],
    load,
    options,
  );
  return {
    requests: options.requests,
    poolSize: pool.length,
    spellings: pool.reduce((sum, query) => sum + query.paths.length, 0),
    maxSize: options.maxSize,
    seed: options.seed,
    streamSeed,
    lru,
    tinylfu,
  };
}

/**
 * Whether both services answered every request with 200, got all of them, exited cleanly, and
 * saw the same stream (same digest) with the same memory.
 */
export function policyComparisonPassed(c: PolicyComparison): boolean {
  return (
    [c.lru, c.tinylfu].every(
      (run) =>
        run.client.errors === 0 &&
        run.client.requests === c.requests &&
        run.exitCode === 0 &&
        run.server.maxSize === c.maxSize,
    ) && c.lru.client.streamDigest === c.tinylfu.client.streamDigest
  );
}

const percent = (ratio: number | null) => (ratio === null ? '—' : `${(ratio * 100).toFixed(1)} %`);

/**
 * The two policies side by side: hit ratio, backend calls (searches run), and how the memory
 * was used; then one line saying what the difference means.
 *
 * @example
 * ```ts
 * console.log(formatPolicyComparison(await runPolicyComparison({ requests: 20_000, maxSize: 1 << 20, seed: 1 })));
 * ```
 */
export function formatPolicyComparison(c: PolicyComparison): string {
  const { lru, tinylfu } = c;
  const sameStream = lru.client.streamDigest === tinylfu.client.streamDigest;
  const rows: Array<[string, (run: RunReport) => string]> = [
    ['hit ratio', (run) => percent(run.client.hitRatio)],
    ['backend calls', (run) => int(run.server.searches)],
    ['  misses', (run) => int(run.server.misses)],
    ['  refreshes', (run) => int(run.server.refreshes)],
    ['hits', (run) => int(run.server.hits)],
    ['requests', (run) => int(run.client.requests)],
    ['cache entries', (run) => int(run.server.entries)],
    ['cached JSON', (run) => `${int(run.server.totalSize)} B`],
    ['evictions', (run) => int(run.server.evictions)],
    ['requests/s', (run) => int(run.client.requestsPerSecond)],
    ['latency p50', (run) => ms(run.client.latency.p50Ms)],
    ['stream', (run) => run.client.streamDigest],
  ];
  const width = 22;
  const col = 16;
  const lines = [
    `lrukit demo policy comparison: the same ${int(c.requests)} requests to each service, in order on one connection,`,
    `${int(c.poolSize)} distinct queries in ${int(c.spellings)} spellings, Zipf popularity (exponent 1), stream seed ${c.streamSeed};`,
    `the same memory for both: maxSize ${int(c.maxSize)} B of JSON. TinyLFU seed ${c.seed}.`,
    '',
    `${''.padEnd(width)}${'lru'.padStart(col)}${'tinylfu'.padStart(col)}`,
    ...rows.map(
      ([name, value]) =>
        `${name.padEnd(width)}${value(lru).padStart(col)}${value(tinylfu).padStart(col)}`,
    ),
    '',
  ];
  const saved = lru.server.searches - tinylfu.server.searches;
  const share = lru.server.searches === 0 ? 0 : Math.abs(saved) / lru.server.searches;
  lines.push(
    saved === 0
      ? 'Both policies made the same number of backend calls: this memory holds what this stream needs (try a smaller --max-size).'
      : `TinyLFU made ${int(Math.abs(saved))} ${saved > 0 ? 'fewer' : 'more'} backend calls than LRU ` +
          `(${(share * 100).toFixed(1)} % ${saved > 0 ? 'fewer' : 'more'}) with the same memory.`,
  );
  if (!sameStream) lines.push('error: the two services did not get the same stream of requests');
  for (const run of [lru, tinylfu]) {
    for (const sample of run.client.errorSamples) lines.push(`error (${run.label}): ${sample}`);
    if (run.client.requests !== c.requests) {
      lines.push(
        `error (${run.label}): ${int(run.client.requests)} of ${int(c.requests)} requests answered`,
      );
    }
    if (run.exitCode !== 0) lines.push(`the service ${run.label} exited with code ${run.exitCode}`);
  }
  return lines.join('\n');
}

// `npm run demo:load` in a short mode: the whole comparison as a child process (which starts
// two services of its own), 1 s per run, results as JSON.
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Comparison,
  formatComparison,
  formatPolicyComparison,
  type PolicyComparison,
  policyComparisonPassed,
  type RunReport,
} from '../../demo/compare.js';
import { killIfRunning, type MainProcess, runMain } from './helpers.js';

let main: MainProcess | undefined;
let compare: MainProcess | undefined;
afterAll(() => {
  killIfRunning(main?.child);
  killIfRunning(compare?.child);
});

/** The two cells of a row of the policy table, as printed. */
function row(table: string, name: string): [string, string] {
  const line = table.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no row "${name}" in:\n${table}`);
  const cells = line
    .slice(name.length)
    .trim()
    .split(/\s{2,}/);
  return [cells[0]!, cells[1]!];
}
const int = (n: number) => n.toLocaleString('en');

describe('the load test', () => {
  it('loads the service with and without the cache, without errors', async () => {
    main = runMain(['--load', '--duration', '1', '--connections', '4', '--json']);
    expect(await main.exited, main.stderr()).toBe(0);
    const comparison = JSON.parse(main.stdout()) as Comparison;
    const { cached, uncached } = comparison;

    for (const run of [cached, uncached]) {
      expect(run.client.requests, run.label).toBeGreaterThan(0);
      expect(run.client.errors, run.client.errorSamples.join('\n')).toBe(0);
      expect(run.client.requestsPerSecond).toBeGreaterThan(0);
      expect(run.client.latency.p99Ms).toBeGreaterThanOrEqual(run.client.latency.p50Ms);
      expect(run.exitCode).toBe(0);
      // the service saw what the client sent (the last request may still be in flight there)
      expect(run.server.requests.search).toBeGreaterThanOrEqual(run.client.requests);
    }
    expect(cached.client.hitRatio).toBeGreaterThan(0);
    expect(cached.client.cache.off).toBe(0);
    expect(cached.server.cache).toBe('lrukit');
    // hits and misses as the client counted them are the server's
    expect(cached.server.hits).toBe(cached.client.cache.hit + cached.client.cache.stale);
    expect(cached.server.misses).toBe(cached.client.cache.miss);
    expect(uncached.client.hitRatio).toBeNull();
    expect(uncached.client.cache.off).toBe(uncached.client.requests);
    expect(uncached.server.cache).toBe('off');
    expect(comparison.targetRps).toBe(4_000);

    // progress goes to stderr: a line per run when it is not a terminal
    expect(main.stderr()).toContain('load test with lrukit, 1 s');
    expect(main.stderr()).toContain('load test without cache, 1 s');

    const table = formatComparison(comparison);
    expect(table).toMatch(/requests\/s\s+[\d,]+\s+[\d,]+/);
    expect(table).toMatch(/latency p99\s+[\d.]+ ms\s+[\d.]+ ms/);
    expect(table).toMatch(/hit ratio\s+[\d.]+ %\s+—/);
    expect(table).toContain('Design target: 4,000 requests/s. This one process reached');
  }, 30_000);
});

describe('the policy comparison (--compare-policies)', () => {
  it('sends the same stream to an LRU and a TinyLFU service with the same memory, and prints what they did', async () => {
    const requests = 1_500;
    compare = runMain(['--load', '--compare-policies', '--requests', String(requests), '--json']);
    expect(await compare.exited, compare.stderr()).toBe(0);
    const c = JSON.parse(compare.stdout()) as PolicyComparison;
    expect(policyComparisonPassed(c)).toBe(true);
    expect(c).toMatchObject({ requests, maxSize: 1024 * 1024, seed: 1, streamSeed: 11 });
    // the same stream: as many requests, the same sequence of paths
    expect(c.lru.client.requests).toBe(requests);
    expect(c.tinylfu.client.requests).toBe(requests);
    expect(c.lru.client.streamDigest).toMatch(/^[0-9a-f]{8}$/);
    expect(c.tinylfu.client.streamDigest).toBe(c.lru.client.streamDigest);
    for (const [policy, run] of [
      ['lru', c.lru],
      ['tinylfu', c.tinylfu],
    ] as const) {
      const { client, server } = run;
      expect(server).toMatchObject({ cache: 'lrukit', policy, maxSize: 1024 * 1024 });
      expect(server.seed).toBe(policy === 'tinylfu' ? 1 : null);
      expect(client.errors, client.errorSamples.join('\n')).toBe(0);
      // the client's count of each answer is the server's, and every request is one or the other
      expect(client.cache.miss).toBe(server.misses);
      expect(client.cache.hit + client.cache.stale).toBe(server.hits);
      expect(server.hits + server.misses).toBe(requests);
      // one connection, one request at a time: every miss is one search (no coalescing)
      expect(server.searches).toBe(server.misses + server.refreshes);
      expect(client.hitRatio).toBeCloseTo(server.hits / requests, 10);
      expect(server.totalSize).toBeLessThanOrEqual(1024 * 1024);
      expect(run.exitCode).toBe(0);
    }
    expect(compare.stderr()).toContain('policy lru, 1500 requests');
    expect(compare.stderr()).toContain('policy tinylfu, 1500 requests');

    // the printed table shows these numbers, each in its policy's column
    const table = formatPolicyComparison(c);
    expect(table).toMatch(/^\s+lru\s+tinylfu$/m);
    expect(row(table, 'backend calls')).toEqual([
      int(c.lru.server.searches),
      int(c.tinylfu.server.searches),
    ]);
    expect(row(table, '  misses')).toEqual([
      int(c.lru.client.cache.miss),
      int(c.tinylfu.client.cache.miss),
    ]);
    expect(row(table, 'hit ratio')).toEqual([
      `${(c.lru.client.hitRatio! * 100).toFixed(1)} %`,
      `${(c.tinylfu.client.hitRatio! * 100).toFixed(1)} %`,
    ]);
    expect(row(table, 'stream')).toEqual([c.lru.client.streamDigest, c.lru.client.streamDigest]);
    expect(table).toContain(`the same ${int(requests)} requests to each service`);
    expect(table).toContain('maxSize 1,048,576 B of JSON');
    expect(table).not.toContain('error');
  }, 120_000);
});

describe('formatPolicyComparison', () => {
  /** A run with these server counters (the client's agree with them). */
  const fake = (policy: 'lru' | 'tinylfu', misses: number, digest = 'abcd0123'): RunReport =>
    ({
      label: policy,
      serverArgs: [],
      exitCode: 0,
      client: {
        requests: 1_000,
        streamDigest: digest,
        requestsPerSecond: 500,
        errors: 0,
        errorSamples: [],
        durationMs: 2_000,
        latency: { p50Ms: 1, p90Ms: 2, p99Ms: 3, maxMs: 4, samples: 1_000 },
        cache: { hit: 1_000 - misses, stale: 0, l2: 0, miss: misses, off: 0 },
        hitRatio: (1_000 - misses) / 1_000,
      },
      server: {
        policy,
        searches: misses,
        misses,
        refreshes: 0,
        hits: 1_000 - misses,
        entries: 300,
        totalSize: 1_000_000,
        evictions: misses - 300,
        maxSize: 1_048_576,
      },
    }) as unknown as RunReport;
  const comparison = (lru: RunReport, tinylfu: RunReport): PolicyComparison => ({
    requests: 1_000,
    poolSize: 3_000,
    spellings: 11_000,
    maxSize: 1_048_576,
    seed: 1,
    streamSeed: 11,
    lru,
    tinylfu,
  });

  it('puts each policy’s numbers in its column and says how many backend calls TinyLFU saved', () => {
    const c = comparison(fake('lru', 400), fake('tinylfu', 300));
    const table = formatPolicyComparison(c);
    expect(row(table, 'hit ratio')).toEqual(['60.0 %', '70.0 %']);
    expect(row(table, 'backend calls')).toEqual(['400', '300']);
    expect(row(table, 'hits')).toEqual(['600', '700']);
    expect(table).toContain(
      'TinyLFU made 100 fewer backend calls than LRU (25.0 % fewer) with the same memory.',
    );
    expect(policyComparisonPassed(c)).toBe(true);
    expect(formatPolicyComparison(comparison(fake('lru', 300), fake('tinylfu', 330)))).toContain(
      'TinyLFU made 30 more backend calls than LRU (10.0 % more)',
    );
  });

  it('flags two different streams, and a run that did not get every request', () => {
    const c = comparison(fake('lru', 400), fake('tinylfu', 300, 'ffff0000'));
    expect(formatPolicyComparison(c)).toContain(
      'error: the two services did not get the same stream',
    );
    expect(policyComparisonPassed(c)).toBe(false);
    const short = fake('tinylfu', 300);
    (short.client as { requests: number }).requests = 999;
    const d = comparison(fake('lru', 400), short);
    expect(formatPolicyComparison(d)).toContain('error (tinylfu): 999 of 1,000 requests answered');
    expect(policyComparisonPassed(d)).toBe(false);
  });
});

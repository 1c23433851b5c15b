// `npm run demo:load` in a short mode: the whole comparison as a child process (which starts
// two services of its own), 1 s per run, results as JSON.
import { afterAll, describe, expect, it } from 'vitest';
import { type Comparison, formatComparison } from '../../demo/compare.js';
import { killIfRunning, type MainProcess, runMain } from './helpers.js';

let main: MainProcess | undefined;
afterAll(() => killIfRunning(main?.child));

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

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { LruCache } from 'lrukit';
import { describe, expect, it } from 'vitest';

// The exact LRU hit ratios (%) published with the traces (../shared/traces/README.md).
const EXPECTED: Record<string, Array<[size: number, hitPercent: string]>> = {
  gli: [
    [250, '0.91'],
    [500, '0.95'],
    [1000, '11.21'],
    [2000, '57.41'],
  ],
  multi2: [
    [284, '26.89'],
    [568, '36.92'],
    [1421, '48.28'],
  ],
  sprite: [
    [354, '65.74'],
    [708, '86.51'],
    [1769, '93.25'],
  ],
  loop: [
    [500, '0.00'],
    [1000, '0.00'],
    [1024, '99.80'],
  ],
  '2_pools': [
    [99, '21.77'],
    [497, '51.02'],
    [994, '54.38'],
  ],
  web07: [
    [205, '39.17'],
    [1024, '50.56'],
    [2048, '55.66'],
    [5121, '62.88'],
  ],
  oltp: [
    [250, '16.47'],
    [500, '23.45'],
    [1000, '32.83'],
    [2000, '42.47'],
    [5000, '53.65'],
  ],
};

const tracesDir = new URL('../../../shared/traces/', import.meta.url);

const loaded = new Map<string, Int32Array>();

function readTrace(name: string): Int32Array {
  const cached = loaded.get(name);
  if (cached !== undefined) return cached;
  const text = gunzipSync(readFileSync(fileURLToPath(new URL(`${name}.trace.gz`, tracesDir))));
  const lines = text.toString('latin1').split('\n');
  const keys = new Int32Array(lines.length);
  let n = 0;
  for (const line of lines) if (line !== '') keys[n++] = Number.parseInt(line, 10);
  const trace = keys.subarray(0, n);
  loaded.set(name, trace);
  return trace;
}

/** Replays a trace the way the traces' README defines: get, and set on a miss. */
function replay(keys: Int32Array, maxEntries: number) {
  const cache = new LruCache<number, number>({ maxEntries });
  for (const key of keys) if (cache.get(key) === undefined) cache.set(key, key);
  return cache.stats;
}

// The traces live beside the repository (../shared/traces), as in CI. Without them the suite is
// skipped loudly on a developer's machine, and fails in CI, where they must be present.
const haveTraces = existsSync(fileURLToPath(tracesDir));
if (!haveTraces) {
  const where = fileURLToPath(tracesDir);
  if (process.env.CI) throw new Error(`trace replay: no traces at ${where} (required in CI)`);
  console.warn(`\n*** SKIPPED: trace replay — no traces at ${where} ***\n`);
}

describe.runIf(haveTraces)('trace replay reproduces the exact LRU hit ratio', () => {
  for (const [trace, sizes] of Object.entries(EXPECTED)) {
    for (const [size, percent] of sizes) {
      it(`${trace} @ ${size} entries → ${percent} %`, () => {
        const keys = readTrace(trace);
        const stats = replay(keys, size);
        expect(stats.hits + stats.misses).toBe(keys.length);
        expect((stats.hitRatio * 100).toFixed(2)).toBe(percent);
        // every miss stored an entry, so evictions are what did not fit
        expect(stats.evictions).toBe(Math.max(0, stats.misses - size));
      });
    }
  }
});

// Replays the public request traces through TinyLfuCache (fixed seed: the figures are
// deterministic behaviour, not speed) and checks it against exact LRU and Caffeine's W-TinyLFU.
// The small traces are carried by the repository (test/fixtures/traces); oltp is read from
// ../shared/traces when present, and skipped with a reason otherwise.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { TinyLfuCache } from 'lrukit';
import { describe, expect, it } from 'vitest';
import { skipWith } from '../shared/skip.js';

const SEED = 1;

// Exact LRU hit ratios (%) from test/fixtures/traces/README.md (and ../shared/traces for oltp).
const LRU: Record<string, Array<[size: number, lruPercent: number]>> = {
  gli: [
    [250, 0.91],
    [500, 0.95],
    [1000, 11.21],
    [2000, 57.41],
  ],
  multi2: [
    [284, 26.89],
    [568, 36.92],
    [1421, 48.28],
  ],
  sprite: [
    [354, 65.74],
    [708, 86.51],
    [1769, 93.25],
  ],
  loop: [
    [500, 0.0],
    [1000, 0.0],
    [1024, 99.8],
  ],
  '2_pools': [
    [99, 21.77],
    [497, 51.02],
    [994, 54.38],
  ],
  web07: [
    [205, 39.17],
    [1024, 50.56],
    [2048, 55.66],
    [5121, 62.88],
  ],
  oltp: [
    [250, 16.47],
    [500, 23.45],
    [1000, 32.83],
    [2000, 42.47],
    [5000, 53.65],
  ],
};

/** Caffeine's W-TinyLFU figures that issue 13 sets as floors. */
const TARGETS: Record<string, number> = { 'gli@1000': 50.57, 'oltp@1000': 35.3 };

/**
 * Known misses of the "never more than one point below LRU" goal, with the floor this
 * implementation holds (so a regression still fails). None at present: sprite, the
 * recency-biased trace that used to miss, now measures 85.69 % at 708 (LRU 86.51 %) and
 * 92.81 % at 1,769 (LRU 93.25 %) with the density climber.
 */
const KNOWN_GAPS: Record<string, number> = {};

const inRepoDir = fileURLToPath(new URL('../fixtures/traces/', import.meta.url));
const sharedDir = fileURLToPath(new URL('../../../shared/traces/', import.meta.url));

function locate(name: string): string | undefined {
  return [inRepoDir, sharedDir].map((dir) => `${dir}${name}.trace.gz`).find((f) => existsSync(f));
}

function readTrace(file: string): Int32Array {
  const lines = gunzipSync(readFileSync(file)).toString('latin1').split('\n');
  const keys = new Int32Array(lines.length);
  let n = 0;
  for (const line of lines) if (line !== '') keys[n++] = Number.parseInt(line, 10);
  return keys.subarray(0, n);
}

function hitPercent(keys: Int32Array, maxEntries: number): number {
  const cache = new TinyLfuCache<number, number>({ maxEntries, seed: SEED });
  for (const key of keys) if (cache.get(key) === undefined) cache.set(key, key);
  expect(cache.stats.hits + cache.stats.misses).toBe(keys.length);
  expect(cache.size).toBeLessThanOrEqual(maxEntries);
  return cache.stats.hitRatio * 100;
}

describe('TinyLfuCache hit ratio on the public traces', () => {
  for (const [trace, sizes] of Object.entries(LRU)) {
    const file = locate(trace);
    const missing = `${trace}.trace.gz is neither in test/fixtures/traces nor in ${sharedDir}`;
    describe(trace, skipWith(file === undefined && missing), () => {
      for (const [size, lru] of sizes) {
        const name = `${trace}@${size}`;
        const floor = KNOWN_GAPS[name] ?? lru - 1;
        const target = TARGETS[name];
        const goal = target === undefined ? '' : `, and ≥ ${target} % (Caffeine)`;
        it(`${name}: ≥ ${floor.toFixed(2)} % (LRU ${lru.toFixed(2)} %)${goal}`, () => {
          const percent = hitPercent(readTrace(file!), size);
          expect(percent).toBeGreaterThanOrEqual(floor);
          if (target !== undefined) expect(percent).toBeGreaterThanOrEqual(target);
        }, 30_000);
      }
    });
  }
});

describe('TinyLfuCache window adaptation on a large cache', () => {
  // Every key is asked twice, 2,000 requests apart, so only a window of about 2,000 entries or
  // more catches the second ask (a new key ties its duel with probation's victim and loses).
  // The first sample asks for a 3,000-entry move: beyond the 1,000 entries moved per operation,
  // the rest is carried over to the next operations. Measured: 24.92 % (without the carry-over,
  // the window grows by 1,000 a sample and the cache hits 9.36 %; an exact LRU 50 %).
  it('moves its window by more than 1,000 entries in one sample: ≥ 24 % after 240,000 requests', () => {
    const cache = new TinyLfuCache<number, number>({ maxEntries: 20_000, seed: SEED });
    let next = 0;
    for (let i = 0; i < 240_000; i++) {
      const key = i % 2 === 0 ? next++ : Math.max(0, next - 1_000);
      if (cache.get(key) === undefined) cache.set(key, key);
    }
    expect(cache.stats.hitRatio * 100).toBeGreaterThanOrEqual(24);
  });
});

// Replays real request traces through LruCache and checks the exact LRU hit ratios published with
// them. The small traces are carried by the repository (test/fixtures/traces, with their sources
// and licences); the larger ones (oltp) are read from ../shared/traces beside it when present,
// and skipped with a notice (and a reason in the closing summary) when not, except in CI, where
// a missing trace fails its tests.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { LruCache } from 'lrukit';
import { describe, expect, it } from 'vitest';
import { skipWith } from '../shared/skip.js';

// The exact LRU hit ratios (%) published with the traces (test/fixtures/traces/README.md, and
// ../shared/traces/README.md for oltp).
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

// Requests per trace, as their READMEs give them: a truncated or different file fails here.
const REQUESTS: Record<string, number> = {
  gli: 6_015,
  multi2: 26_311,
  sprite: 133_996,
  loop: 505_500,
  '2_pools': 100_000,
  web07: 76_118,
  oltp: 914_145,
};

const inRepoDir = fileURLToPath(new URL('../fixtures/traces/', import.meta.url));
const sharedDir = fileURLToPath(new URL('../../../shared/traces/', import.meta.url));
const inCi = process.env.CI === 'true' || process.env.CI === '1';

/** The trace's file: the repository's copy, else the one in ../shared/traces, else undefined. */
function locate(name: string): string | undefined {
  return [inRepoDir, sharedDir].map((dir) => `${dir}${name}.trace.gz`).find((f) => existsSync(f));
}

const loaded = new Map<string, Int32Array>();

function readTrace(file: string): Int32Array {
  const cached = loaded.get(file);
  if (cached !== undefined) return cached;
  const text = gunzipSync(readFileSync(file));
  const lines = text.toString('latin1').split('\n');
  const keys = new Int32Array(lines.length);
  let n = 0;
  for (const line of lines) if (line !== '') keys[n++] = Number.parseInt(line, 10);
  const trace = keys.subarray(0, n);
  loaded.set(file, trace);
  return trace;
}

/** Replays a trace the way the traces' README defines: get, and set on a miss. */
function replay(keys: Int32Array, maxEntries: number) {
  const cache = new LruCache<number, number>({ maxEntries });
  for (const key of keys) if (cache.get(key) === undefined) cache.set(key, key);
  return cache.stats;
}

describe('trace replay reproduces the exact LRU hit ratio', () => {
  for (const [trace, sizes] of Object.entries(EXPECTED)) {
    const file = locate(trace);
    const missing = `${trace}.trace.gz is neither in test/fixtures/traces nor in ${sharedDir}`;
    if (file === undefined && !inCi)
      console.warn(`\n*** SKIPPED: trace replay of ${missing} ***\n`);
    describe(trace, skipWith(file === undefined && !inCi && missing), () => {
      for (const [size, percent] of sizes) {
        it(`${trace} @ ${size} entries → ${percent} %`, () => {
          if (file === undefined) throw new Error(`${missing} (required in CI)`);
          const keys = readTrace(file);
          expect(keys.length).toBe(REQUESTS[trace]);
          const stats = replay(keys, size);
          expect(stats.hits + stats.misses).toBe(keys.length);
          expect((stats.hitRatio * 100).toFixed(2)).toBe(percent);
          // every miss stored an entry, so evictions are what did not fit
          expect(stats.evictions).toBe(Math.max(0, stats.misses - size));
        });
      }
    });
  }
});

/** `trace → [size, percent][]` from a README's "Exact LRU hit ratios" table. */
function readmeTable(readme: string): Record<string, Array<[number, string]>> {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Exact LRU hit ratios')) ?? '';
  const table: Record<string, Array<[number, string]>> = {};
  for (const line of section.split('\n')) {
    const row = /^\|\s*([\w.-]+)\s*\|\s*([\d,]+\s*→.*?)\s*\|\s*$/.exec(line);
    if (!row) continue;
    table[row[1]!] = row[2]!.split('·').map((part) => {
      const [size, percent] = part.split('→').map((t) => t.trim());
      return [Number(size!.replaceAll(',', '')), percent!];
    });
  }
  return table;
}

describe('the traces carried by the repository (test/fixtures/traces)', () => {
  const readme = readFileSync(`${inRepoDir}README.md`, 'utf8');
  const carried = ['gli', 'multi2', 'sprite', 'loop', '2_pools', 'web07'];

  it('are the small ones, each with its README row', () => {
    for (const trace of carried) {
      expect(existsSync(`${inRepoDir}${trace}.trace.gz`), trace).toBe(true);
      expect(readme, trace).toContain(
        `| ${trace}.trace.gz | ${REQUESTS[trace]!.toLocaleString('en')} |`,
      );
    }
    expect(existsSync(`${inRepoDir}oltp.trace.gz`)).toBe(false);
  });

  it('name the exact LRU figures this test replays', () => {
    const table = readmeTable(readme);
    expect(Object.keys(table).sort()).toEqual([...carried].sort());
    for (const trace of carried) expect(table[trace], trace).toEqual(EXPECTED[trace]);
  });
});

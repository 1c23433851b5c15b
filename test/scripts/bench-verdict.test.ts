// The benchmark's verdict (issue 15): a speed figure is the median of per-process medians, each
// speed target prints its spread over the rounds, and the coarseClock() variant of lrukit is
// judged against lru-cache's ttl without ever counting as a peer. Pure functions of bench/, fed
// made-up measurements: nothing is timed.
import { describe, expect, it } from 'vitest';
import { adapter, LRUKIT_COARSE, PEERS, runsWorkload } from '../../bench/adapters.mjs';
import {
  evaluateTargets,
  fastestPeer,
  issue15Targets,
  perRound,
  type SpeedRow,
  spreadOf,
  type Target,
} from '../../bench/targets.mjs';

/** A speed row from per-round process medians (rounds numbered from 1; `undefined`: no process). */
function row(...medians: (number | undefined)[]): SpeedRow {
  const procs = medians.flatMap((median, i) =>
    median === undefined ? [] : [{ round: i + 1, median }],
  );
  const sorted = procs.map((p) => p.median).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const at = (i: number) => sorted[i] ?? Number.NaN;
  const median = sorted.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  return { median, procs };
}

function target(list: Target[], start: string): Target {
  const found = list.find((t) => t.name.startsWith(start));
  if (!found) throw new Error(`no target "${start}…" in ${list.map((t) => t.name).join('; ')}`);
  return found;
}

describe('bench: the verdict from per-process medians', () => {
  it('pairs the two libraries round by round, skipping rounds where either had no process', () => {
    const a = row(10, 20, undefined, 40);
    const b = row(10, 10, 10, 20);
    expect(perRound(a, b)).toEqual([1, 2, 2]);
    expect(perRound(a, undefined)).toEqual([]);
  });

  it('prints the spread as the min–max over the rounds', () => {
    expect(spreadOf([1.2, 0.9, 1.05])).toBe('0.90–1.20× over 3 rounds');
    expect(spreadOf([0.5])).toBe('0.50–0.50× over 1 round');
    expect(spreadOf([])).toBe('—');
  });

  it('one slow process moves neither the verdict nor the median', () => {
    // lru-cache's third process compiled badly: 2 M ops/s instead of ~20
    const speed = { delete: { lrukit: row(21, 20, 22), 'lru-cache': row(20, 21, 2) } };
    const t = target(issue15Targets({ speed }), 'delete: lrukit ÷ lru-cache');
    expect(t.measured).toBe('1.05×');
    expect(t.met).toBe(true);
    expect(t.spread).toBe('0.95–11.00× over 3 rounds');
  });

  it('gives every speed target of issues 3, 13 and 15 a spread', () => {
    const r = row(10, 11, 12);
    const speed: Record<string, Record<string, SpeedRow>> = Object.fromEntries(
      ['get-int', 'get-str', 'get-str16', 'set-evict', 'update', 'delete', 'zipf'].map((w) => [
        w,
        { lrukit: r, 'lru-cache': r, 'lrukit-tinylfu': r, map: r },
      ]),
    );
    speed['get-int-ttl'] = { lrukit: r, [LRUKIT_COARSE]: r, 'lru-cache': r };
    speed['set-evict-ttl'] = { lrukit: r, 'lru-cache': r };
    const speedTargets = evaluateTargets({ speed }).filter(
      (t) => t.met !== null && /÷|vs|cost/.test(t.name),
    );
    expect(speedTargets.length).toBeGreaterThan(10);
    for (const t of speedTargets) expect(t.spread, t.name).toMatch(/over 3 rounds$/);
  });
});

describe('bench: issue 15, ttl over coarseClock() and delete against lru-cache', () => {
  it('measures lrukit + coarseClock() on the ttl workloads only, never as a peer', () => {
    const a = adapter(LRUKIT_COARSE);
    expect(a.variant).toBe(true);
    expect(PEERS).not.toContain(LRUKIT_COARSE);
    const runs = (id: string, ttl: boolean) => runsWorkload(a, { id, ttl, floor: true });
    expect(runs('get-int-ttl', true) && runs('set-evict-ttl', true)).toBe(true);
    expect(runs('get-int', false) || runs('delete', false)).toBe(false);
    expect(fastestPeer({ [LRUKIT_COARSE]: { median: 99 }, 'lru-cache': { median: 1 } })?.id).toBe(
      'lru-cache',
    );
  });

  it('judges get-int-ttl with the opt-in ≥ 1.00× lru-cache, and delete ≥ 1.00×', () => {
    const judge = (coarse: number, lruCache: number, del: number) =>
      issue15Targets({
        speed: {
          'get-int-ttl': { [LRUKIT_COARSE]: row(coarse), 'lru-cache': row(lruCache) },
          delete: { lrukit: row(del), 'lru-cache': row(20) },
        },
      }).map((t) => t.met);
    expect(judge(20, 20, 20)).toEqual([true, true]);
    expect(judge(19, 20, 19.9)).toEqual([false, false]);
    expect(issue15Targets({}).map((t) => t.met)).toEqual([null, null]);
  });
});

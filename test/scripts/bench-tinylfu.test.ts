// The benchmark's handling of TinyLfuCache (issue 13): it is lrukit's second policy, never a peer;
// its targets are judged met or missed from the numbers of a run; the hit-ratio chart draws every
// case of both policies. Pure functions of bench/, fed made-up measurements: nothing is timed.
import { describe, expect, it } from 'vitest';
import { ADAPTERS, adapter, PEERS, runsWorkload, TINY_LFU } from '../../bench/adapters.mjs';
import { hitRatioChart } from '../../bench/chart.mjs';
import {
  evaluateTargets,
  fastestPeer,
  type HitRatioRow,
  type Results,
  type Target,
  tinyLfuTargets,
} from '../../bench/targets.mjs';
import { SIZES, workload } from '../../bench/workloads.mjs';

/** A hit-ratio row with `lru` and `tiny` percent of 100,000 requests. */
function row(trace: string, size: number, lru: number, tiny: number): HitRatioRow {
  const requests = 100_000;
  return { trace, size, requests, hits: Math.round(lru * 1000), tinyHits: Math.round(tiny * 1000) };
}

/** Measurements meeting every issue 13 target, with `change` applied. */
function results(change: (r: Results) => void = () => {}): Results {
  const r: Results = {
    speed: {
      'get-int': { lrukit: { median: 10e6 }, [TINY_LFU]: { median: 6e6 } },
      'get-str16': { lrukit: { median: 10e6 }, [TINY_LFU]: { median: 6e6 } },
      'set-evict': { lrukit: { median: 10e6 }, [TINY_LFU]: { median: 5e6 } },
    },
    memory: { lrukit: { plain: 53 }, [TINY_LFU]: { plain: 65 } },
    hitRatio: {
      main: [
        row('gli', 1_000, 11.21, 50.57),
        row('oltp', 1_000, 32.83, 35.3),
        row('sprite', 708, 86.5, 85.6),
      ],
      extra: [row('extra/scarab', 100_000, 75.91, 74.91)],
      zipf: { ...row('Zipf 0.99', 10_000, 56, 61.01), exponent: 0.99, keys: 1_000_000 },
    },
  };
  change(r);
  return r;
}

function target(list: Target[], start: string): Target {
  const found = list.find((t) => t.name.startsWith(start));
  if (!found)
    throw new Error(`no target named "${start}…" in ${list.map((t) => t.name).join('; ')}`);
  return found;
}

describe('bench: TinyLfuCache is lrukit’s second policy, not a peer', () => {
  it('has an adapter, and is left out of the peers every issue 3 target compares with', () => {
    expect(ADAPTERS.map((a) => a.id)).toContain(TINY_LFU);
    expect(adapter(TINY_LFU).policy).toBe(true);
    expect(PEERS).not.toContain(TINY_LFU);
    expect(PEERS).toContain('lru-cache');
  });

  it('is never "the fastest peer", however fast it measures', () => {
    const speed = {
      lrukit: { median: 10 },
      [TINY_LFU]: { median: 100 },
      'lru-cache': { median: 5 },
    };
    expect(fastestPeer(speed)?.id).toBe('lru-cache');
    const issue3 = evaluateTargets({ speed: { 'get-int': speed } }).filter((t) => t.issue === 3);
    expect(target(issue3, 'get-int: lrukit vs the fastest peer').measured).toContain('lru-cache');
  });

  it('runs exactly the workloads issue 13 compares (get-hit int and string, set-evict, zipf)', () => {
    const a = adapter(TINY_LFU);
    const run = (id: string, ttl = false) => runsWorkload(a, { id, ttl, floor: true });
    expect(['get-int', 'get-str16', 'set-evict', 'zipf'].every((id) => run(id))).toBe(true);
    expect(run('update') || run('delete') || run('get-int-ttl', true) || run('get-int-1m')).toBe(
      false,
    );
    expect(run('get-str')).toBe(false); // its string-key row is get-str16
    // the other adapters keep their rules: every workload, ttl ones only with ttl
    expect(runsWorkload(adapter('lrukit'), { id: 'update', ttl: false, floor: true })).toBe(true);
    expect(runsWorkload(adapter('lru.min'), { id: 'get-int-ttl', ttl: true, floor: true })).toBe(
      false,
    );
  });
});

describe('bench: get-str16, the string-key workload of issue 13', () => {
  const w = workload('get-str16');

  it('is run by lrukit’s two policies only', () => {
    const runners = ADAPTERS.filter((a) => runsWorkload(a, w)).map((a) => a.id);
    expect(runners).toEqual(['lrukit', TINY_LFU]);
  });

  it('gets distinct keys of exactly 16 characters, all stored before timing', () => {
    const stored = new Map<unknown, unknown>();
    const st = w.setup(() => stored, SIZES.smoke) as { keys: string[]; n: number };
    expect(st.keys).toHaveLength(SIZES.smoke.entries);
    expect(st.keys.every((k) => typeof k === 'string' && k.length === 16)).toBe(true);
    expect(new Set(st.keys).size).toBe(st.keys.length);
    expect([...stored.keys()]).toEqual(st.keys);
  });
});

describe('bench: issue 13 targets, judged from the numbers of a run', () => {
  it('meets every target at (or a hundredth of a point past) its limit', () => {
    const list = tinyLfuTargets(results());
    expect(list.length).toBeGreaterThanOrEqual(10);
    expect(list.filter((t) => t.met !== true).map((t) => t.name)).toEqual([]);
  });

  it('misses a speed target just below its ratio, with the ratio measured', () => {
    const list = tinyLfuTargets(
      results((r) => {
        r.speed!['get-str16']![TINY_LFU] = { median: 5.9e6 };
        r.speed!['set-evict']![TINY_LFU] = { median: 4.9e6 };
      }),
    );
    expect(target(list, 'get-int: TinyLfuCache ÷ LruCache').met).toBe(true);
    expect(target(list, 'get-str16: TinyLfuCache ÷ LruCache')).toMatchObject({
      met: false,
      measured: '0.59×',
    });
    expect(target(list, 'set-evict: TinyLfuCache ÷ LruCache')).toMatchObject({
      met: false,
      measured: '0.49×',
    });
  });

  it('misses memory at more than LruCache + 12 B, saying both sizes', () => {
    const t = target(
      tinyLfuTargets(results((r) => (r.memory![TINY_LFU] = { plain: 65.5 }))),
      'memory',
    );
    expect(t.met).toBe(false);
    expect(t.measured).toBe('+12.5 B (65.5 B vs 53.0 B)');
  });

  it('judges the named hit-ratio floors on their own trace and size', () => {
    const list = tinyLfuTargets(
      results((r) => {
        r.hitRatio!.main[0] = row('gli', 1_000, 11.21, 50.56);
        r.hitRatio!.main.push(row('gli', 2_000, 57.41, 99)); // another size changes nothing
      }),
    );
    expect(target(list, 'hit ratio, gli@1,000')).toMatchObject({
      met: false,
      measured: '50.56 % (LRU 11.21 %)',
    });
    expect(target(list, 'hit ratio, oltp@1,000').met).toBe(true);
    expect(target(list, 'hit ratio, extra/scarab@100,000').met).toBe(true);
  });

  it('names every case more than a point below LRU, and the worst', () => {
    const list = tinyLfuTargets(
      results((r) => {
        r.hitRatio!.main.push(row('sprite', 1_769, 93.25, 89.91), row('loop', 500, 0, 36));
      }),
    );
    const t = target(list, 'hit ratio, every trace × size of the README tables');
    expect(t.met).toBe(false);
    expect(t.measured).toContain('4 of 5 within');
    expect(t.measured).toContain('worst sprite@1,769 −3.34');
    expect(t.measured).toContain('below: sprite@1,769');
    expect(t.measured).not.toContain('sprite@708'); // 0.9 below: within
    expect(target(list, 'hit ratio, every trace × size of extra/').met).toBe(true);
  });

  it('misses the Zipf target under 5 points above LRU', () => {
    const list = tinyLfuTargets(
      results((r) => {
        r.hitRatio!.zipf = {
          ...row('Zipf 0.99', 10_000, 56.58, 60.04),
          exponent: 0.99,
          keys: 1_000_000,
        };
      }),
    );
    expect(target(list, 'hit ratio, Zipf 0.99 over 1,000,000 keys')).toMatchObject({
      met: false,
      measured: '+3.46 (60.04 % vs 56.58 %)',
    });
  });

  it('calls a target not measured (never met) when its numbers are missing', () => {
    expect(tinyLfuTargets({}).every((t) => t.met === null)).toBe(true);
    // LRU replayed alone (the driver's --libs without TinyLfuCache): nothing to judge either
    const lruOnly = results((r) => {
      for (const x of [...r.hitRatio!.main, ...r.hitRatio!.extra]) delete x.tinyHits;
    });
    const hit = tinyLfuTargets(lruOnly).filter((t) => t.name.startsWith('hit ratio, every'));
    expect(hit.map((t) => t.met)).toEqual([null, null]);
  });

  it('evaluateTargets labels issue 3, 13 and 15 targets', () => {
    const all = evaluateTargets(results());
    expect(new Set(all.map((t) => t.issue))).toEqual(new Set([3, 13, 15]));
    expect(all.filter((t) => t.issue === 13).map((t) => t.name)).toEqual(
      tinyLfuTargets(results()).map((t) => t.name),
    );
  });
});

describe('bench: the hit-ratio chart', () => {
  const svg = hitRatioChart([
    {
      title: 'gli',
      cases: [
        { size: 1_000, lru: 11.21, tiny: 50.82 },
        { size: 2_000, lru: 57.41, tiny: 57.96 },
      ],
    },
    { title: 'sprite', cases: [{ size: 1_769, lru: 93.25, tiny: 89.91 }] },
  ]);

  it('draws one bar per policy per trace × size, each titled with its figure', () => {
    const bars = [...svg.matchAll(/<rect [^>]*><title>([^<]*)<\/title><\/rect>/g)].map((m) => m[1]);
    expect(bars).toEqual([
      'gli at 1,000 entries, LRU (LruCache, exact): 11.21 %',
      'gli at 1,000 entries, TinyLfuCache (W-TinyLFU, seed 1): 50.82 %',
      'gli at 2,000 entries, LRU (LruCache, exact): 57.41 %',
      'gli at 2,000 entries, TinyLfuCache (W-TinyLFU, seed 1): 57.96 %',
      'sprite at 1,769 entries, LRU (LruCache, exact): 93.25 %',
      'sprite at 1,769 entries, TinyLfuCache (W-TinyLFU, seed 1): 89.91 %',
    ]);
  });

  it('labels its axes, and marks a case more than a point below LRU', () => {
    expect(svg.match(/>cache size \(entries\)</g)).toHaveLength(2);
    expect(svg.match(/>hit %</g)).toHaveLength(2);
    expect(svg).toContain('class="diff">+39.6<');
    expect(svg).toContain('class="worse">−3.3<');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });
});

/**
 * DensityClimber: decides, from the hits each segment earned in a sample of requests, by how much
 * the admission window of a W-TinyLFU cache should grow or shrink.
 *
 * Design notes (after the density law of Caffeine's `WindowClimber`, which Caffeine uses above
 * 4,096 entries: `caffeine/src/main/java/com/github/benmanes/caffeine/cache/WindowClimber.java`
 * and `.claude/docs/hill-climber.md` in ben-manes/caffeine, read at commit ccef955):
 * - Each sample (4 requests per entry held) compares the window's hit density (hits per unit of
 *   the window's capacity) with probation's (hits per unit of probation's capacity), both counted
 *   in the same sample, so a change of phase of the workload (the whole hit ratio moving up or
 *   down) cancels out in the ratio. The window moves towards the region earning more per unit, by
 *   a step proportional to the log of the ratio.
 * - Probation, not the whole main space: probation holds main's least valuable entries (the ones
 *   the next admission duels), so its density is what the main space would lose per unit given
 *   to the window. Caffeine compares with the whole main space's density, whose hot protected
 *   entries overstate that loss; on a recency-biased trace (sprite at 708 entries) that law keeps
 *   the window small and falls 5.0 points below LRU, where this one stays 0.9 below.
 * - The window never shrinks below its initial share (1 %; Caffeine's floor is 2 %).
 * - Replaces a hill climber on the hit ratio of successive samples, which random-walked on traces
 *   whose hit ratio swings from sample to sample (sprite: 28 % to 99 %).
 * - Counting costs nothing on the hit path beyond the single hit counter it replaces: hits are
 *   counted per segment, in `hits[segment]`.
 */

import { PROBATION, PROTECTED, WINDOW } from './segments.js';

/**
 * Requests per sample, per entry held (Caffeine's `DensityClimber.SAMPLE_MULTIPLIER`, there per
 * unit of capacity: the same for `maxEntries`; per entry, a `maxSize` in bytes still samples).
 */
const SAMPLE = 4;
/**
 * The step per unit of log density ratio, as a share of capacity. Caffeine's `DENSITY_GAIN` is
 * 0.03; 0.05 brings sprite@708 within one point of LRU (0.03: 1.15 points below).
 */
const GAIN = 0.05;
/** The largest single step, as a share of capacity (Caffeine's `MAX_STEP_FRACTION`). */
const MAX_STEP = 0.3;
/**
 * A region's hits in a sample are read as at least `STARVED_HITS` of `requests >> 10` (0.1 %),
 * and at least 4 hits' worth, so that a region earning nothing has a defined density, and a small
 * one that earned a few hits by chance does not command a full step (Caffeine's
 * `STEERING_FLOOR_FRACTION`, `MIN_SIGNAL_SHIFT` and `MIN_STARVATION_BAR`).
 */
const STARVED_HITS = 0.125;
const SIGNAL_SHIFT = 10;
const MIN_BAR = 4;

export class DensityClimber {
  /** Hits in the current sample, indexed by segment (`WINDOW`, `PROBATION`, `PROTECTED`). */
  readonly hits = new Float64Array(3);
  /** Misses in the current sample. */
  misses = 0;
  #capacity: number;
  /** The smallest window the climber asks for (the window's initial share of capacity). */
  #floor: number;

  /**
   * @param capacity - the cache's capacity (entries, or size units with `maxSize`)
   * @param floor - the smallest window to ask for, in the same units
   */
  constructor(capacity: number, floor: number) {
    this.#capacity = capacity;
    this.#floor = floor;
  }

  /** Starts over for a new capacity (after a resize). */
  reset(capacity: number, floor: number): void {
    this.#capacity = capacity;
    this.#floor = floor;
    this.hits.fill(0);
    this.misses = 0;
  }

  /**
   * Once a sample of `4 × entries` requests is complete: the weight by which to grow (> 0) or
   * shrink (< 0) the window, given its current maximum and probation's (in capacity units) and
   * the number of entries held; a new sample starts. Before that: 0.
   */
  adjustment(windowMax: number, probationMax: number, entries: number): number {
    const hits = this.hits;
    const windowHits = hits[WINDOW]!;
    const probationHits = hits[PROBATION]!;
    const requests = windowHits + probationHits + hits[PROTECTED]! + this.misses;
    const capacity = this.#capacity;
    if (requests < SAMPLE * entries) return 0;
    hits.fill(0);
    this.misses = 0;
    const least = STARVED_HITS * Math.max(MIN_BAR, requests >> SIGNAL_SHIFT);
    const window = Math.max(1, windowMax);
    const probation = Math.max(1, probationMax);
    const error = Math.log(
      Math.max(windowHits, least) / window / (Math.max(probationHits, least) / probation),
    );
    const step = Math.min(MAX_STEP * capacity, Math.abs(error) * GAIN * capacity);
    let amount = error >= 0 ? step : -step;
    // never below the floor, and back up to it when a resize left the window under it
    amount = Math.max(amount, this.#floor - windowMax);
    return Math.trunc(amount);
  }
}

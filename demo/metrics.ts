/**
 * Request metrics for the demo: latency percentiles over a sliding window of the most recent
 * requests, and a requests-per-second meter over the last few seconds. Time is passed in
 * (ms, from any monotonic clock) so both are testable without waiting.
 */

/**
 * The `p`-th percentile (0–100) of `sorted` (ascending), by the nearest-rank method: the
 * smallest value with at least p % of the values at or below it. `NaN` when empty.
 *
 * @example
 * ```ts
 * percentile([1, 2, 3, 4], 50); // 2
 * percentile([1, 2, 3, 4], 99); // 4
 * ```
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50, p90, p99 and max of a set of latencies, in ms. */
export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * Summarises latencies (ms, any order; the array is sorted in place). Values are rounded to
 * 3 decimals (a microsecond); an empty set gives zeros.
 *
 * @example
 * ```ts
 * summarize(Float64Array.of(3, 1, 2)).p50Ms; // 2
 * ```
 */
export function summarize(latencies: Float64Array): LatencySummary {
  const sorted = latencies.sort();
  const round = (ms: number) => (Number.isNaN(ms) ? 0 : Math.round(ms * 1000) / 1000);
  return {
    samples: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p90Ms: round(percentile(sorted, 90)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(percentile(sorted, 100)),
  };
}

/**
 * The latencies of the last `capacity` requests (a ring buffer: recording is O(1) and
 * allocates nothing; a summary sorts a copy).
 *
 * @example
 * ```ts
 * const window = new LatencyWindow(10_000);
 * window.record(1.25);
 * window.summary().p99Ms; // 1.25
 * ```
 */
export class LatencyWindow {
  readonly #values: Float64Array;
  #next = 0;
  #count = 0;

  /** Keeps the latest `capacity` samples (default 10,000). */
  constructor(capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`LatencyWindow: capacity must be a positive integer, got ${capacity}`);
    }
    this.#values = new Float64Array(capacity);
  }

  /** Adds one latency in ms, replacing the oldest when full. */
  record(ms: number): void {
    this.#values[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#count < this.#values.length) this.#count++;
  }

  /** Percentiles of the samples in the window. */
  summary(): LatencySummary {
    return summarize(this.#values.slice(0, this.#count));
  }
}

/**
 * Counts events per second and reports the rate over the last `seconds` complete seconds
 * (the current, partial second is left out so the rate does not dip at each second's start).
 *
 * @example
 * ```ts
 * const meter = new RateMeter(5);
 * meter.mark(performance.now());
 * meter.rate(performance.now()); // events/s over the last 5 complete seconds
 * ```
 */
export class RateMeter {
  readonly #counts: Float64Array;
  readonly #seconds: number;
  /** The second (`floor(ms / 1000)`) that `#counts[second % length]` holds. */
  readonly #slotSecond: Float64Array;
  readonly #startMs: number;

  /** A meter averaging over `seconds` seconds (default 5); `startMs`: when it started. */
  constructor(seconds = 5, startMs = 0) {
    this.#seconds = seconds;
    this.#counts = new Float64Array(seconds + 1);
    this.#slotSecond = new Float64Array(seconds + 1).fill(-1);
    this.#startMs = startMs;
  }

  /** Records one event at time `nowMs`. */
  mark(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % this.#counts.length;
    if (this.#slotSecond[slot] !== second) {
      this.#slotSecond[slot] = second;
      this.#counts[slot] = 0;
    }
    this.#counts[slot]!++;
  }

  /**
   * Events per second over the complete seconds in the window (fewer right after start, so
   * the first seconds are not averaged with time before the meter existed).
   */
  rate(nowMs: number): number {
    const current = Math.floor(nowMs / 1000);
    const firstFull = Math.floor(this.#startMs / 1000) + 1;
    const from = Math.max(current - this.#seconds, firstFull);
    if (from >= current) return 0;
    let sum = 0;
    for (let second = from; second < current; second++) {
      const slot = second % this.#counts.length;
      if (this.#slotSecond[slot] === second) sum += this.#counts[slot]!;
    }
    return sum / (current - from);
  }
}

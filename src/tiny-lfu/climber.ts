/**
 * HillClimber: decides, from the hit ratio of successive samples of requests, by how much the
 * admission window of a W-TinyLFU cache should grow or shrink (Caffeine's `climb`).
 *
 * Each sample is `3 × capacity` requests (the first `10 × capacity`, so the cache fills and the
 * sketch learns before the window moves). If the hit ratio improved since the previous sample, the
 * window keeps moving the same way, else it turns back; the step decays by 2 % per sample, and
 * restarts at 10 % of the capacity when the hit ratio moves by 5 points or more (a new phase of
 * the workload). Caffeine samples `10 × capacity` and steps 6.25 %; on the traces of
 * test/fixtures these values follow recency-biased traces (sprite) closer, at no cost elsewhere.
 */

const STEP_PERCENT = 0.1;
const STEP_DECAY = 0.98;
const RESTART_THRESHOLD = 0.05;
/** Requests per sample, per unit of capacity; the first sample is longer. */
const SAMPLE = 3;
const FIRST_SAMPLE = 10;

export class HillClimber {
  hits = 0;
  misses = 0;
  #previousHitRate = 0;
  #step: number;
  #capacity: number;
  /** The first sample is longer: the cache fills and the sketch learns before the window moves. */
  #warm = false;

  constructor(capacity: number) {
    this.#capacity = capacity;
    // the first move grows the window (Caffeine's shrinks it): recency-biased traces need a large
    // window soon, and a frequency-biased trace turns back after one sample
    this.#step = STEP_PERCENT * capacity;
  }

  /** Starts over for a new capacity (after a resize). */
  reset(capacity: number): void {
    this.#capacity = capacity;
    this.#step = STEP_PERCENT * capacity;
    this.#previousHitRate = 0;
    this.#warm = false;
    this.hits = this.misses = 0;
  }

  /**
   * Once a sample of requests is complete (`10 × capacity` for the first, `3 × capacity` after): the weight by which to grow (> 0) or
   * shrink (< 0) the window, and a new sample starts. Before that: 0.
   */
  adjustment(): number {
    const requests = this.hits + this.misses;
    if (requests < (this.#warm ? SAMPLE : FIRST_SAMPLE) * this.#capacity) return 0;
    this.#warm = true;
    const hitRate = this.hits / requests;
    const change = hitRate - this.#previousHitRate;
    const amount = change >= 0 ? this.#step : -this.#step;
    this.#step =
      Math.abs(change) >= RESTART_THRESHOLD
        ? STEP_PERCENT * this.#capacity * (amount >= 0 ? 1 : -1)
        : STEP_DECAY * amount;
    this.#previousHitRate = hitRate;
    this.hits = this.misses = 0;
    return Math.trunc(amount);
  }
}

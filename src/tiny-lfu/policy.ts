/**
 * WTinyLfu: the W-TinyLFU eviction policy over a {@link Store} — an LRU admission window in front
 * of a segmented-LRU main space (probation and protected), a frequency sketch deciding admission,
 * and a climber sizing the window. It owns the slots' order; the store owns the entries.
 *
 * Design notes (after Einziger, Friedman and Manes, "TinyLFU", and Caffeine's design):
 * - New entries enter the window (1 % of the capacity at first). An entry pushed out of the
 *   window is a candidate for the main space: while the main space lacks room for it, it duels
 *   the main space's victim (probation's least recently used entry, else protected's), and wins
 *   if the sketch estimates it more frequent. A candidate that loses is evicted at once (reason
 *   `'evict'`). A warm candidate (frequency >= 6) that loses is still admitted once in 128 duels,
 *   at random, so that crafted keys colliding with a victim cannot lock it out.
 * - A candidate larger than the main space (capacity minus the window's share; the climber grows
 *   the window only out of protected, so main keeps at least probation's ~20 %) is evicted at once
 *   (reason `'evict'`), and an expired one is removed (reason `'expire'`): admission never makes
 *   room by emptying the main space for a single entry, and an expired entry is dropped as soon
 *   as it leaves the window, where an LRU would keep it until it is read or needed.
 * - With both bounds, admission decides whichever overflows: when `maxEntries` does, the window
 *   keeps its share of the entries and its older ones duel main's victims.
 * - The main space is a segmented LRU: a hit in probation promotes the entry to protected (80 %
 *   of the main space); protected's overflow goes back to probation's front.
 * - The window's share adapts (see `DensityClimber`: every 4 requests per entry held, capacity
 *   moves towards whichever of the window and probation earned more hits per unit of capacity in
 *   that sample; the window never shrinks below its initial 1 %): it grows where recency wins and
 *   shrinks where frequency does. A large move is carried out over several operations, at most
 *   `TRANSFER_LIMIT` entries each. A hit counts for the segment its entry is in when the hit is
 *   applied from the read buffer.
 * - Hits are recorded in a small read buffer (a slot per hit) and applied — sketch increment,
 *   move in its segment, promotion — in order, before anything else looks at or changes the
 *   order (a write, a removal, iteration) or when the buffer is full, as Caffeine does. The
 *   decisions are the same as applying each hit at once; a hit costs an append.
 * - Capacity is counted in entries (`maxEntries`) or, with `maxSize`, in size units.
 */

import type { Policy, Store } from '../core/store.js';
import { FrequencySketch, hashKey } from '../frequency-sketch.js';
import { DensityClimber } from './climber.js';
import { PROBATION, PROTECTED, type Segments, WINDOW } from './segments.js';

/** Counted in the window's share of capacity at first. */
const WINDOW_SHARE = 0.01;
/** The protected segment's share of the main space. */
const PROTECTED_SHARE = 0.8;
/** A candidate at least this frequent may win a lost duel at random (anti hash flooding). */
const WARM = 6;
/**
 * Most entries moved between window and main per operation; the rest of an adjustment is carried
 * over to the next operations (as Caffeine's `QUEUE_TRANSFER_THRESHOLD`), so one `set` stays
 * bounded while a large cache can still move its window by thousands of entries per sample.
 */
const TRANSFER_LIMIT = 1000;
/** Hits buffered before they are applied. */
const READ_BUFFER = 128;

export class WTinyLfu<K, V> implements Policy<K, V> {
  readonly #s: Store<K, V>;
  readonly segs: Segments;
  /** Each slot's key hash under the sketch's seed. */
  #hashes: Int32Array;
  /** Capacity in weight units: `maxSize` when given, else `maxEntries`. */
  #capacity: number;
  #windowMax: number;
  #protectedMax: number;
  readonly #sketch: FrequencySketch;
  readonly #climber: DensityClimber;
  /** The part of the climber's last adjustment not carried out yet (> 0: grow the window). */
  #pendingAdjustment = 0;
  #random: number;
  /** Slots hit since the buffer was last applied, oldest first. */
  readonly #reads = new Int32Array(READ_BUFFER);
  #readCount = 0;
  /**
   * The slot `write` is storing, whose size enters `totalSize` only once eviction has made room
   * for it (so the sum never exceeds `maxSize` and stays exact); -1 outside `write`.
   */
  #incoming = -1;

  constructor(store: Store<K, V>, segments: Segments, seed: number | undefined) {
    this.#s = store;
    this.segs = segments;
    this.#hashes = new Int32Array(this.segs.capacity);
    this.#capacity = store.maxSize !== Infinity ? store.maxSize : store.maxEntries;
    this.#windowMax = Math.max(1, Math.round(this.#capacity * WINDOW_SHARE));
    this.#protectedMax = Math.floor((this.#capacity - this.#windowMax) * PROTECTED_SHARE);
    this.#sketch = new FrequencySketch(
      Math.min(store.maxEntries, 1 << 16),
      seed === undefined ? {} : { seed },
    );
    this.#climber = new DensityClimber(this.#capacity, this.#windowMax);
    this.#random = this.#sketch.seed ^ 0x5bd1_e995 || 1;
  }

  /** Records a `get` hit on `slot`; applied with the buffer. */
  hit(slot: number): void {
    const n = this.#readCount;
    this.#reads[n] = slot;
    this.#readCount = n + 1;
    if (n + 1 === READ_BUFFER) this.#drain();
  }

  /** Records a `get` miss (for the climber). */
  miss(): void {
    this.#climber.misses++;
  }

  slots(): number[] {
    this.#drain();
    const slots: number[] = [];
    const segs = this.segs;
    for (const s of [WINDOW, PROTECTED, PROBATION]) {
      for (let slot = segs.heads[s]!; slot !== -1; slot = segs.after(slot)) slots.push(slot);
    }
    return slots;
  }

  remove(slot: number): void {
    if (this.#readCount !== 0) this.#drain();
    this.segs.remove(slot, this.#weight(slot));
    if (slot === this.#incoming) {
      // refused: its size never entered totalSize, so the store must subtract nothing
      this.#incoming = -1;
      this.#s.sizes![slot] = 0;
    }
  }

  write(key: K, value: V, ttl: number, size: number): void {
    if (this.#readCount !== 0) this.#drain();
    const s = this.#s;
    const sketch = this.#sketch;
    let slot = s.map.get(key);
    let now = Number.NaN;
    const sizes = s.sizes;
    if (slot !== undefined) {
      const old = s.values[slot];
      s.values[slot] = value;
      if (sizes !== undefined) {
        // the old size leaves the sum now, the new one enters after eviction (see #incoming)
        s.totalSize -= sizes[slot]!;
        this.segs.reweigh(slot, sizes[slot]!, size);
        sizes[slot] = size;
        this.#incoming = slot;
      }
      if (old !== value) now = s.replaced(slot, key, old, now);
      sketch.incrementHash(this.#hashes[slot]!);
      this.#touch(slot, this.segs.segment[slot]!);
    } else {
      const hash = hashKey(key, sketch.seed);
      slot = this.segs.push(WINDOW, sizes === undefined ? 1 : size);
      if (slot >= s.columns) this.#grow();
      s.keys[slot] = key === 0 ? (0 as K) : key;
      s.values[slot] = value;
      this.#hashes[slot] = hash;
      s.map.set(key, slot);
      if (sizes !== undefined) {
        // the column as it is now: #grow may have replaced the one read above
        s.sizes![slot] = size;
        this.#incoming = slot;
      }
      const size2 = s.map.size * 2;
      if (size2 > sketch.capacity && sketch.capacity < s.maxEntries) {
        sketch.ensureCapacity(Math.min(s.maxEntries, size2));
      }
      sketch.incrementHash(hash);
    }
    s.sets++;
    now = s.expireIn(slot, ttl, now);
    this.#evict(Number.isNaN(now) ? s.now() : now);
    if (this.#incoming !== -1) {
      s.totalSize += s.sizes![this.#incoming]!;
      this.#incoming = -1;
    }
  }

  resized(now: number): void {
    this.#drain();
    const s = this.#s;
    this.segs.limit = Math.max(s.maxEntries, this.segs.capacity);
    const capacity = s.maxSize !== Infinity ? s.maxSize : s.maxEntries;
    const share = this.#windowMax / this.#capacity;
    this.#capacity = capacity;
    this.#windowMax = Math.max(1, Math.round(capacity * share));
    this.#protectedMax = Math.floor((capacity - this.#windowMax) * PROTECTED_SHARE);
    this.#climber.reset(capacity, Math.max(1, Math.round(capacity * WINDOW_SHARE)));
    this.#pendingAdjustment = 0;
    this.#evict(now);
  }

  clear(): number {
    // the buffered hits still count for the climber's sample, each in its slot's segment
    const hits = this.#climber.hits;
    const segment = this.segs.segment;
    for (let i = 0; i < this.#readCount; i++) hits[segment[this.#reads[i]!]!]!++;
    this.#readCount = 0;
    this.segs.clear();
    this.#hashes = new Int32Array(this.segs.capacity);
    this.#sketch.clear();
    return this.segs.capacity;
  }

  /** Applies the buffered hits, oldest first. */
  #drain(): void {
    const n = this.#readCount;
    if (n === 0) return;
    this.#readCount = 0;
    const hits = this.#climber.hits;
    const segment = this.segs.segment;
    const reads = this.#reads;
    const hashes = this.#hashes;
    const sketch = this.#sketch;
    for (let i = 0; i < n; i++) {
      const slot = reads[i]!;
      // the segment as the hit is applied: an earlier hit in the buffer may have promoted it
      const seg = segment[slot]!;
      hits[seg]!++;
      sketch.incrementHash(hashes[slot]!);
      this.#touch(slot, seg);
    }
  }

  #incomingSize(): number {
    return this.#incoming === -1 ? 0 : this.#s.sizes![this.#incoming]!;
  }

  #weight(slot: number): number {
    const sizes = this.#s.sizes;
    return sizes === undefined ? 1 : sizes[slot]!;
  }

  #grow(): void {
    const capacity = this.segs.capacity;
    const hashes = new Int32Array(capacity);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
    this.#s.grow(capacity);
  }

  /** Records an access: recency within the segment; a probation hit is promoted to protected. */
  #touch(slot: number, segment: number): void {
    const segs = this.segs;
    if (segment !== PROBATION) {
      segs.toFront(slot);
      return;
    }
    segs.moveToFront(slot, PROTECTED, this.#weight(slot));
    if (segs.weights[PROTECTED]! > this.#protectedMax) this.#demoteProtected();
  }

  /** Moves protected's least recently used entries to probation's front while it is over. */
  #demoteProtected(): void {
    const segs = this.segs;
    while (segs.weights[PROTECTED]! > this.#protectedMax && segs.tails[PROTECTED] !== -1) {
      const tail = segs.tails[PROTECTED]!;
      segs.moveToFront(tail, PROBATION, this.#weight(tail));
    }
  }

  /** Evicts until both bounds hold, admitting window overflow into the main space or not. */
  #evict(now: number): void {
    const s = this.#s;
    const segs = this.segs;
    const total = s.totalSize + this.#incomingSize();
    if (s.map.size >= s.maxEntries || total * 2 >= s.maxSize) this.#climb();
    while (segs.weights[WINDOW]! > this.#windowMax && segs.tails[WINDOW] !== -1) {
      this.#admitOrEvict(segs.tails[WINDOW]!, now);
    }
    if (s.map.size > s.maxEntries && s.maxSize !== Infinity) this.#admitOverCount(now);
    // room for the entry being written, whose size is not in totalSize yet: an exact comparison
    while (s.map.size > s.maxEntries || s.totalSize > s.maxSize - this.#incomingSize()) {
      let victim = segs.tails[PROBATION]!;
      if (victim === -1) victim = segs.tails[PROTECTED]!;
      if (victim === -1) victim = segs.tails[WINDOW]!;
      s.remove(victim, s.expiredAt(victim, now) ? 'expire' : 'evict');
    }
  }

  /**
   * With both bounds, when `maxEntries` is the one that overflows: the window keeps its share of
   * the entries (as of the capacity, at least one) and its older entries duel main's victims, so
   * that admission decides whichever bound fills up (else the fallback in `#evict` would drop the
   * window's tail, the scan's newest keys and a popular one alike, without a duel).
   */
  #admitOverCount(now: number): void {
    const s = this.#s;
    const segs = this.segs;
    const share = Math.max(1, Math.round((s.maxEntries * this.#windowMax) / this.#capacity));
    while (s.map.size > s.maxEntries && segs.counts[WINDOW]! > share) {
      this.#admitOrEvict(segs.tails[WINDOW]!, now);
    }
  }

  /** The window's least recently used entry duels main's victims until it fits or loses. */
  #admitOrEvict(candidate: number, now: number): void {
    const s = this.#s;
    const segs = this.segs;
    const weight = this.#weight(candidate);
    const mainMax = this.#capacity - this.#windowMax;
    if (s.expiredAt(candidate, now)) {
      s.remove(candidate, 'expire');
      return;
    }
    if (weight > mainMax) {
      s.remove(candidate, 'evict');
      return;
    }
    // room in size, and in count when maxEntries overflows (the candidate is in the map already)
    while (
      segs.weights[PROBATION]! + segs.weights[PROTECTED]! + weight > mainMax ||
      s.map.size > s.maxEntries
    ) {
      let victim = segs.tails[PROBATION]!;
      if (victim === -1) victim = segs.tails[PROTECTED]!;
      if (victim === -1) break;
      if (s.expiredAt(victim, now)) {
        s.remove(victim, 'expire');
      } else if (this.#admits(candidate, victim)) {
        s.remove(victim, 'evict');
      } else {
        s.remove(candidate, 'evict');
        return;
      }
    }
    segs.moveToFront(candidate, PROBATION, weight);
  }

  #admits(candidate: number, victim: number): boolean {
    const sketch = this.#sketch;
    const c = sketch.frequencyOfHash(this.#hashes[candidate]!);
    const v = sketch.frequencyOfHash(this.#hashes[victim]!);
    if (c > v) return true;
    if (c < WARM) return false;
    // xorshift32: reproducible from the seed
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#random = x;
    return (x & 127) === 0;
  }

  /**
   * Moves capacity between the window and the main space as the climber says, at most
   * `TRANSFER_LIMIT` entries per call; what is left is carried over to the next calls.
   */
  #climb(): void {
    const probationMax = this.#capacity - this.#windowMax - this.#protectedMax;
    const amount =
      this.#pendingAdjustment +
      this.#climber.adjustment(this.#windowMax, probationMax, this.#s.map.size);
    this.#pendingAdjustment = 0;
    if (amount === 0) return;
    const segs = this.segs;
    let moved = 0;
    let transfers = 0;
    if (amount > 0) {
      const quota = Math.min(amount, this.#protectedMax);
      for (; transfers < TRANSFER_LIMIT; transfers++) {
        let slot = segs.tails[PROBATION]!;
        if (slot === -1) slot = segs.tails[PROTECTED]!;
        if (slot === -1 || moved + this.#weight(slot) > quota) break;
        moved += this.#weight(slot);
        segs.moveToFront(slot, WINDOW, this.#weight(slot));
      }
      this.#windowMax += moved;
      this.#protectedMax -= moved;
      if (transfers === TRANSFER_LIMIT) this.#pendingAdjustment = quota - moved;
    } else {
      const quota = Math.min(-amount, Math.max(0, this.#windowMax - 1));
      for (; transfers < TRANSFER_LIMIT; transfers++) {
        const slot = segs.tails[WINDOW]!;
        if (slot === -1 || moved + this.#weight(slot) > quota) break;
        moved += this.#weight(slot);
        segs.moveToFront(slot, PROBATION, this.#weight(slot));
      }
      this.#windowMax -= moved;
      this.#protectedMax += moved;
      if (transfers === TRANSFER_LIMIT) this.#pendingAdjustment = -(quota - moved);
    }
    this.#demoteProtected();
  }
}

/**
 * Three intrusive recency lists (window, probation, protected) over one set of slots, each
 * ordered from most to least recently used; knows nothing of keys, time or frequency.
 *
 * A slot's links and segment live in parallel typed arrays indexed by slot (struct of arrays,
 * as {@link RecencyList}); freed slots go on a stack and are reused first. Storage grows by
 * doubling up to `limit`. Each segment also keeps its entry count and its total weight.
 */

const INITIAL_CAPACITY = 16;

export const WINDOW = 0;
export const PROBATION = 1;
export const PROTECTED = 2;
export type Segment = typeof WINDOW | typeof PROBATION | typeof PROTECTED;

export class Segments {
  next: Int32Array;
  prev: Int32Array;
  segment: Uint8Array;
  /** Per segment: most recently used slot, or -1. */
  readonly heads = [-1, -1, -1];
  /** Per segment: least recently used slot, or -1. */
  readonly tails = [-1, -1, -1];
  /** Per segment: entries held. */
  readonly counts = [0, 0, 0];
  /** Per segment: sum of the entries' weights. */
  readonly weights = [0, 0, 0];
  limit: number;
  #used = 0;
  #free: number[] = [];

  constructor(limit: number) {
    this.limit = limit;
    const capacity = Math.min(limit, INITIAL_CAPACITY);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.segment = new Uint8Array(capacity);
  }

  /** Number of slots storage exists for. */
  get capacity(): number {
    return this.next.length;
  }

  /** Allocates a slot (a freed one first) at the front of `segment`, with `weight`. */
  push(segment: Segment, weight: number): number {
    let slot = this.#free.pop();
    if (slot === undefined) {
      if (this.#used >= this.next.length) this.#grow();
      slot = this.#used++;
    }
    this.segment[slot] = segment;
    this.#linkFront(slot, segment);
    this.counts[segment]!++;
    this.weights[segment]! += weight;
    return slot;
  }

  /** Unlinks `slot` and frees it. */
  remove(slot: number, weight: number): void {
    this.#unlink(slot, weight);
    this.#free.push(slot);
  }

  /** Makes `slot` the most recently used of `segment` (moving it there from its own). */
  moveToFront(slot: number, segment: Segment, weight: number): void {
    const from = this.segment[slot] as Segment;
    if (from === segment && this.heads[segment] === slot) return;
    this.#unlink(slot, weight);
    this.segment[slot] = segment;
    this.#linkFront(slot, segment);
    this.counts[segment]!++;
    this.weights[segment]! += weight;
  }

  /** Makes `slot` the most recently used of its own segment (counts and weights unchanged). */
  toFront(slot: number): void {
    const s = this.segment[slot]!;
    const head = this.heads[s]!;
    if (head === slot) return;
    const prev = this.prev[slot]!;
    if (this.tails[s] === slot) {
      this.tails[s] = prev;
    } else {
      const next = this.next[slot]!;
      this.next[prev] = next;
      this.prev[next] = prev;
    }
    this.next[slot] = head;
    this.prev[head] = slot;
    this.heads[s] = slot;
  }

  /** Changes the weight `slot` counts for in its segment. */
  reweigh(slot: number, from: number, to: number): void {
    this.weights[this.segment[slot]!]! += to - from;
  }

  /** The slot after `slot` towards its segment's least recently used end, or -1. */
  after(slot: number): number {
    return slot === this.tails[this.segment[slot]!] ? -1 : this.next[slot]!;
  }

  /** The slot before `slot` towards its segment's most recently used end, or -1. */
  before(slot: number): number {
    return slot === this.heads[this.segment[slot]!] ? -1 : this.prev[slot]!;
  }

  /** Forgets every slot and releases storage back to the initial capacity. */
  clear(): void {
    const capacity = Math.min(this.limit, INITIAL_CAPACITY);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.segment = new Uint8Array(capacity);
    for (let s = 0; s < 3; s++) {
      this.heads[s] = this.tails[s] = -1;
      this.counts[s] = this.weights[s] = 0;
    }
    this.#used = 0;
    this.#free = [];
  }

  #unlink(slot: number, weight: number): void {
    const s = this.segment[slot]!;
    const prev = this.prev[slot]!;
    const next = this.next[slot]!;
    if (this.heads[s] === slot) this.heads[s] = slot === this.tails[s] ? -1 : next;
    else this.next[prev] = next;
    if (this.tails[s] === slot) this.tails[s] = this.heads[s] === -1 ? -1 : prev;
    else this.prev[next] = prev;
    this.counts[s]!--;
    this.weights[s]! -= weight;
  }

  #linkFront(slot: number, segment: Segment): void {
    const head = this.heads[segment]!;
    if (head === -1) {
      this.tails[segment] = slot;
    } else {
      this.next[slot] = head;
      this.prev[head] = slot;
    }
    this.heads[segment] = slot;
  }

  #grow(): void {
    const doubled = Math.max(INITIAL_CAPACITY, this.next.length * 2);
    const capacity = Math.max(this.next.length + 1, Math.min(this.limit, doubled));
    const next = new Int32Array(capacity);
    const prev = new Int32Array(capacity);
    const segment = new Uint8Array(capacity);
    next.set(this.next);
    prev.set(this.prev);
    segment.set(this.segment);
    this.next = next;
    this.prev = prev;
    this.segment = segment;
  }
}

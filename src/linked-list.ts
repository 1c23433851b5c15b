/**
 * Intrusive doubly-linked list ordering slots from most to least recently used; knows nothing
 * of keys, time or size.
 *
 * A slot is a small integer naming one entry; the links live in two parallel `Uint32Array`s
 * indexed by slot (struct of arrays: no object per entry, nothing for the GC to trace). Freed
 * slots go on a stack and are reused first. Storage grows by doubling up to `limit`, so a list
 * that may hold ten million slots but holds ten costs ten, not ten million.
 */

const INITIAL_CAPACITY = 16;

export class RecencyList {
  /** Slot after each slot (towards the least recently used end). */
  next: Uint32Array;
  /** Slot before each slot (towards the most recently used end). */
  prev: Uint32Array;
  /** Most recently used slot, or -1 when empty. */
  head = -1;
  /** Least recently used slot, or -1 when empty. */
  tail = -1;
  /** Most slots the list may ever allocate; growth stops here. */
  limit: number;
  /** Slots handed out so far (the high-water mark); slots `< used` exist. */
  used = 0;
  #free: number[] = [];

  constructor(limit: number) {
    this.limit = limit;
    const capacity = Math.min(limit, INITIAL_CAPACITY);
    this.next = new Uint32Array(capacity);
    this.prev = new Uint32Array(capacity);
  }

  /** Number of slots storage exists for. */
  get capacity(): number {
    return this.next.length;
  }

  /** Allocates a slot (a freed one first) and links it as most recently used. */
  pushFront(): number {
    let slot = this.#free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (slot >= this.next.length) this.#grow();
    }
    this.#linkFront(slot);
    return slot;
  }

  /** Makes `slot` the most recently used. */
  moveToFront(slot: number): void {
    const head = this.head;
    if (slot === head) return;
    const next = this.next;
    const prev = this.prev;
    // unlink (slot is not the head, so it has a predecessor)
    const before = prev[slot]!;
    if (slot === this.tail) {
      this.tail = before;
    } else {
      const after = next[slot]!;
      next[before] = after;
      prev[after] = before;
    }
    next[slot] = head;
    prev[head] = slot;
    this.head = slot;
  }

  /** Unlinks `slot` and puts it on the free stack. */
  remove(slot: number): void {
    if (slot === this.head) {
      // the head's prev and the tail's next are never read, so they need no reset
      this.head = slot === this.tail ? -1 : this.next[slot]!;
      if (this.head === -1) this.tail = -1;
    } else if (slot === this.tail) {
      this.tail = this.prev[slot]!;
    } else {
      const prev = this.prev[slot]!;
      const next = this.next[slot]!;
      this.next[prev] = next;
      this.prev[next] = prev;
    }
    this.#free.push(slot);
  }

  /** The slot after `slot` towards the least recently used end, or -1 after the tail. */
  after(slot: number): number {
    return slot === this.tail ? -1 : this.next[slot]!;
  }

  /** The slot before `slot` towards the most recently used end, or -1 before the head. */
  before(slot: number): number {
    return slot === this.head ? -1 : this.prev[slot]!;
  }

  /** Every slot, most recently used first (a fresh array). */
  slots(): number[] {
    const slots: number[] = [];
    for (let slot = this.head; slot !== -1; slot = this.after(slot)) slots.push(slot);
    return slots;
  }

  /** Forgets every slot and releases storage back to the initial capacity. */
  clear(): void {
    const capacity = Math.min(this.limit, INITIAL_CAPACITY);
    this.next = new Uint32Array(capacity);
    this.prev = new Uint32Array(capacity);
    this.head = -1;
    this.tail = -1;
    this.used = 0;
    this.#free = [];
  }

  #linkFront(slot: number): void {
    if (this.head === -1) {
      this.tail = slot;
    } else {
      this.next[slot] = this.head;
      this.prev[this.head] = slot;
    }
    this.head = slot;
  }

  #grow(): void {
    const doubled = Math.max(INITIAL_CAPACITY, this.next.length * 2);
    const capacity = Math.max(this.next.length + 1, Math.min(this.limit, doubled));
    const next = new Uint32Array(capacity);
    const prev = new Uint32Array(capacity);
    next.set(this.next);
    prev.set(this.prev);
    this.next = next;
    this.prev = prev;
  }
}

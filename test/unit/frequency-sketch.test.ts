/** FrequencySketch: count-min estimates, aging, seeded hashing of every kind of key. */

import { describe, expect, it } from 'vitest';
import { FrequencySketch, hashKey } from '../../src/frequency-sketch.js';

describe('FrequencySketch', () => {
  it('never undercounts within a period (below saturation)', () => {
    const sketch = new FrequencySketch(1_000, { seed: 7 });
    const counts = new Map<number, number>();
    for (let i = 0; i < 5_000; i++) {
      const key = (i * 7919) % 600;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      sketch.increment(key);
    }
    for (const [key, count] of counts) {
      expect(sketch.frequency(key)).toBeGreaterThanOrEqual(Math.min(count, 15));
    }
  });

  it('estimates an unseen key near zero and saturates at 15', () => {
    const sketch = new FrequencySketch(100, { seed: 1 });
    for (let i = 0; i < 40; i++) sketch.increment('hot');
    expect(sketch.frequency('hot')).toBe(15);
    expect(sketch.frequency('cold')).toBe(0);
  });

  it('halves every counter after 10 × capacity increments', () => {
    const sketch = new FrequencySketch(64, { seed: 3 });
    expect(sketch.sampleSize).toBe(640);
    for (let i = 0; i < 12; i++) sketch.increment('a');
    expect(sketch.frequency('a')).toBe(12);
    sketch.age();
    expect(sketch.frequency('a')).toBe(6);
    // distinct keys until the sample is full: the next increment ages the sketch by itself
    let i = 0;
    while (sketch.size > 0 && sketch.frequency('a') === 6) sketch.increment(`k${i++}`);
    expect(sketch.frequency('a')).toBe(3);
  });

  it('is reproducible with a seed, and different seeds hash differently', () => {
    const keys = ['a', 'b', 1, 2.5, -0, Number.NaN, true, null, undefined, 10n];
    expect(keys.map((k) => hashKey(k, 42))).toEqual(keys.map((k) => hashKey(k, 42)));
    const a = keys.map((k) => hashKey(k, 1));
    const b = keys.map((k) => hashKey(k, 2));
    expect(a.filter((h, i) => h === b[i])).toEqual([]);
    expect(new FrequencySketch(10, { seed: 5 }).seed).toBe(5);
    expect(new FrequencySketch(10).seed).not.toBe(new FrequencySketch(10).seed);
  });

  it('hashes keys that Map treats as equal alike', () => {
    expect(hashKey(0, 9)).toBe(hashKey(-0, 9));
    expect(hashKey(Number.NaN, 9)).toBe(hashKey(0 / 0, 9));
    const o = {};
    expect(hashKey(o, 9)).toBe(hashKey(o, 9));
    expect(hashKey(o, 9)).not.toBe(hashKey({}, 9));
    expect(hashKey(1, 9)).not.toBe(hashKey('1', 9));
    expect(hashKey(2 ** 40, 9)).not.toBe(hashKey(2 ** 40 + 1, 9));
  });

  it('grows on demand, forgetting the counts', () => {
    const sketch = new FrequencySketch(8, { seed: 1 });
    sketch.increment('a');
    sketch.ensureCapacity(4);
    expect(sketch.frequency('a')).toBe(1);
    sketch.ensureCapacity(1_000);
    expect(sketch.capacity).toBeGreaterThanOrEqual(1_000);
    expect(sketch.frequency('a')).toBe(0);
    sketch.increment('b');
    sketch.clear();
    expect(sketch.frequency('b')).toBe(0);
  });
});

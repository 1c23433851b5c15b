import { describe, expect, it } from 'vitest';
import { RecencyList } from '../../src/linked-list.js';

function order(list: RecencyList): number[] {
  const out: number[] = [];
  for (let slot = list.head; slot !== -1; slot = list.after(slot)) out.push(slot);
  const back: number[] = [];
  for (let slot = list.tail; slot !== -1; slot = list.before(slot)) back.push(slot);
  expect(back.reverse()).toEqual(out); // both directions agree
  return out;
}

describe('RecencyList', () => {
  it('pushes to the front, moves to the front, removes anywhere', () => {
    const list = new RecencyList(10);
    const [a, b, c] = [list.pushFront(), list.pushFront(), list.pushFront()];
    expect(order(list)).toEqual([c, b, a]);
    list.moveToFront(a!);
    expect(order(list)).toEqual([a, c, b]);
    list.moveToFront(a!);
    expect(order(list)).toEqual([a, c, b]);
    list.moveToFront(c!);
    expect(order(list)).toEqual([c, a, b]);
    list.remove(a!);
    expect(order(list)).toEqual([c, b]);
    list.remove(b!);
    expect(order(list)).toEqual([c]);
    list.remove(c!);
    expect(order(list)).toEqual([]);
    expect([list.head, list.tail]).toEqual([-1, -1]);
  });

  it('reuses freed slots before new ones', () => {
    const list = new RecencyList(10);
    list.pushFront();
    const b = list.pushFront();
    list.remove(b);
    expect(list.pushFront()).toBe(b);
    expect(list.used).toBe(2);
  });

  it('grows by doubling up to its limit, never preallocating the limit', () => {
    const list = new RecencyList(10_000_000);
    expect(list.capacity).toBe(16);
    for (let i = 0; i < 17; i++) list.pushFront();
    expect(list.capacity).toBe(32);
    const small = new RecencyList(20);
    for (let i = 0; i < 20; i++) small.pushFront();
    expect(small.capacity).toBe(20);
    expect(order(small)).toHaveLength(20);
  });

  it('clear() forgets everything and shrinks storage', () => {
    const list = new RecencyList(1000);
    for (let i = 0; i < 500; i++) list.pushFront();
    list.clear();
    expect(list.capacity).toBe(16);
    expect(order(list)).toEqual([]);
    expect(list.pushFront()).toBe(0);
  });
});

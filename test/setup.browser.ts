// The browser project's counterpart of test/setup.ts: no test file may leave a timer running.
// Browsers cannot list active timers, so the global setTimeout/clearTimeout are wrapped to
// track the ids still pending. Vitest's runner took its own timer functions before this file
// loads, so only timers started by tests and the library are counted; fake timers
// (vi.useFakeTimers) replace the wrappers while they are on and bring them back after.
import { afterAll, beforeAll, expect } from 'vitest';

const pending = new Set<unknown>();
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

globalThis.setTimeout = ((handler: TimerHandler, delay?: number, ...args: unknown[]) => {
  const id = realSetTimeout(
    (...a: unknown[]) => {
      pending.delete(id);
      if (typeof handler === 'function') handler(...a);
    },
    delay,
    ...args,
  );
  pending.add(id);
  return id;
}) as unknown as typeof setTimeout;

globalThis.clearTimeout = ((id?: ReturnType<typeof setTimeout>) => {
  pending.delete(id);
  realClearTimeout(id);
}) as unknown as typeof clearTimeout;

let before = 0;

beforeAll(() => {
  before = pending.size;
});

afterAll(async () => {
  await new Promise((resolve) => realSetTimeout(resolve, 0));
  expect(pending.size, 'timers left running after this file').toBeLessThanOrEqual(before);
});

/** Loaders a test drives by hand, shared by the LoadingCache tests. */

import { vi } from 'vitest';

/** One call of a {@link manualLoader}: what it was given, and how to settle it. */
export interface ManualCall<V> {
  key: string;
  signal: AbortSignal;
  stale: V | undefined;
  resolve: (v: V) => void;
  reject: (e: unknown) => void;
}

/** A loader whose calls the test settles by hand (or never). */
export function manualLoader<V>() {
  const calls: Array<ManualCall<V>> = [];
  const load = vi.fn(
    (key: string, { signal, stale }: { signal: AbortSignal; stale: V | undefined }) =>
      new Promise<V>((resolve, reject) => {
        calls.push({ key, signal, stale, resolve, reject });
      }),
  );
  return { calls, load };
}

/** Lets settled promises run their handlers (a microtask flush, not a sleep). */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/**
 * One macrotask turn (a yield, not a sleep): every promise reaction queued so far has run. A
 * MessageChannel message, which fake timers leave alone, in Node and in browsers.
 */
export const taskTurn = (): Promise<void> =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });

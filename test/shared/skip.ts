/**
 * Skipping a suite or a test with a reason that reaches the closing summary: the reason goes in
 * the task's `meta.skipReason`, which vitest copies to every test of a suite and writes into the
 * JSON report, where scripts/test-summary.mjs prints it next to the skipped tests.
 *
 * Without a reason, the summary still lists the skipped tests, as "no reason given".
 */

import type { TestOptions } from 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** Why this test or suite does not run here (printed by scripts/test-summary.mjs). */
    skipReason?: string;
  }
}

/**
 * Options for `describe`/`it` that skip it when `reason` is a string, and name the reason in the
 * report; `false` (the suite can run) gives no options. A suite that must not be skipped in CI
 * passes `false` there, and fails instead.
 *
 * @example
 * ```ts
 * describe('two demo processes sharing Redis', skipWith(!haveRedis && 'no redis-server on PATH'), () => {…});
 * ```
 */
export function skipWith(reason: string | false): TestOptions {
  return reason === false ? {} : { skip: true, meta: { skipReason: reason } };
}

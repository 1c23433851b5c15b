// Runs around every test file: no test may leave a real timer running (the process must be able
// to exit right after the last test). Vitest keeps timers of its own, so count against the
// number running before the file's tests. Unhandled rejections already fail vitest's run.
import { afterAll, beforeAll, expect } from 'vitest';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
let before = 0;

beforeAll(() => {
  before = timers();
});

afterAll(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  expect(timers(), 'timers left running after this file').toBeLessThanOrEqual(before);
});

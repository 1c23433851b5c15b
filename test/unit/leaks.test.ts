import { expect, it } from 'vitest';

it('probe', () => {
  console.log(typeof globalThis.gc, process.execArgv);
  expect(1).toBe(1);
});

// The page of a default Vite 8 project (`npm create vite`, vanilla-ts), with a class whose methods
// are memoized by lrukit's `@cached`: TC39 decorators, type-checked by the template's own
// tsconfig.json with no decorator flag. Vite 8 leaves them in the bundle unless vite.config.ts
// lowers them; then the browser stops at a SyntaxError and the page stays blank.
import { cached } from 'lrukit';

/** Slow arithmetic whose answers are worth keeping. */
class Numbers {
  /** How many times each method body ran; every other call was a hit or joined a call in flight. */
  readonly runs = { fibonacci: 0, primesBelow: 0 };

  /** The n-th Fibonacci number. The recursion goes through the cache, so each `n` runs once. */
  @cached()
  async fibonacci(n: number): Promise<bigint> {
    this.runs.fibonacci++;
    if (n < 2) return BigInt(n);
    return (await this.fibonacci(n - 1)) + (await this.fibonacci(n - 2));
  }

  /** How many primes are below `limit` (sieve of Eratosthenes). */
  @cached({ maxEntries: 10 })
  async primesBelow(limit: number): Promise<number> {
    this.runs.primesBelow++;
    const composite = new Uint8Array(limit);
    let count = 0;
    for (let i = 2; i < limit; i++) {
      if (composite[i]) continue;
      count++;
      for (let j = i * i; j < limit; j += i) composite[j] = 1;
    }
    return count;
  }
}

const numbers = new Numbers();
const app = document.querySelector<HTMLDivElement>('#app')!;

async function show(): Promise<void> {
  const fib = await numbers.fibonacci(90);
  await numbers.fibonacci(90); // a hit: the body does not run again
  // two concurrent calls share one run; the third is a hit
  const [primes] = await Promise.all([
    numbers.primesBelow(1_000_000),
    numbers.primesBelow(1_000_000),
  ]);
  await numbers.primesBelow(1_000_000);

  app.innerHTML = `
    <h1>lrukit <code>@cached</code> in Vite</h1>
    <p data-testid="fibonacci">fibonacci(90) = ${fib}</p>
    <p data-testid="fibonacci-runs">fibonacci: the method body ran ${numbers.runs.fibonacci} times</p>
    <p data-testid="primes">primes below 1000000: ${primes}</p>
    <p data-testid="primes-runs">primesBelow: 3 calls, the method body ran ${numbers.runs.primesBelow} time</p>
  `;
  document.body.dataset.ready = 'true';
}

show().catch((error: unknown) => {
  app.textContent = `failed: ${String(error)}`;
  console.error(error);
});

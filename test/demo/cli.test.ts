// The demo's command line: option parsing in this process, then the real thing as child
// processes for help and a refused option (exit 2 with the usage).
import { describe, expect, it } from 'vitest';
import { cacheArgs, parseCommandLine, UsageError } from '../../demo/cli.js';
import type { DemoStats } from '../../demo/server.js';
import { http, killIfRunning, runMain } from './helpers.js';

describe('parseCommandLine', () => {
  it('has defaults for a plain `npm start`', () => {
    expect(parseCommandLine([])).toEqual({
      help: false,
      load: false,
      json: false,
      port: 8080,
      noCache: false,
      ttl: undefined,
      stale: undefined,
      maxSize: undefined,
      maxEntries: undefined,
      policy: undefined,
      seed: undefined,
      redis: undefined,
      comparePolicies: false,
      requests: 20_000,
      duration: 10,
      connections: 16,
    });
  });

  it('reads --policy, --seed, --compare-policies and --requests', () => {
    expect(parseCommandLine(['--policy', 'tinylfu', '--seed', '42'])).toMatchObject({
      policy: 'tinylfu',
      seed: 42,
    });
    expect(parseCommandLine(['--policy=tinylfu', '--seed=-5']).seed).toBe(-5);
    expect(parseCommandLine(['--policy', 'lru']).policy).toBe('lru');
    expect(
      parseCommandLine(['--load', '--compare-policies', '--requests', '500', '--seed', '3']),
    ).toMatchObject({ load: true, comparePolicies: true, requests: 500, seed: 3 });
    // the services of a load test get the policy too
    expect(cacheArgs(parseCommandLine(['--load', '--policy', 'tinylfu', '--seed', '9']))).toEqual([
      '--policy',
      'tinylfu',
      '--seed',
      '9',
    ]);
  });

  it('reads every option', () => {
    const o = parseCommandLine([
      '--port=0',
      '--ttl',
      '5000',
      '--stale',
      '0',
      '--max-size',
      '1048576',
      '--max-entries',
      '100',
      '--redis',
      'redis://127.0.0.1:6390',
    ]);
    expect(o).toMatchObject({ port: 0, ttl: 5_000, stale: 0, maxSize: 1_048_576, maxEntries: 100 });
    expect(parseCommandLine(['-h']).help).toBe(true);
    expect(parseCommandLine(['--no-cache']).noCache).toBe(true);
    const load = parseCommandLine(['--load', '--duration', '3', '--connections', '8', '--json']);
    expect(load).toMatchObject({ load: true, duration: 3, connections: 8, json: true });
  });

  it('passes the cache options on to the load test’s services', () => {
    expect(cacheArgs(parseCommandLine(['--load', '--ttl', '500', '--max-entries', '9']))).toEqual([
      '--ttl',
      '500',
      '--max-entries',
      '9',
    ]);
    expect(cacheArgs(parseCommandLine(['--load']))).toEqual([]);
  });

  it.each<[string[], RegExp]>([
    [['--bogus'], /Unknown option '--bogus'/],
    [['search', 'terms'], /Unexpected argument 'search'/],
    [['--port'], /argument missing/],
    [['--port', 'abc'], /--port must be an integer from 0 to 65535, got "abc"/],
    [['--port', '70000'], /--port must be an integer/],
    [['--port', '80.5'], /--port must be an integer/],
    [['--ttl', '0'], /--ttl must be an integer from 1/],
    [['--max-size=-5'], /--max-size must be an integer/],
    [['--max-size', '-5'], /argument is ambiguous/],
    [['--duration', '5'], /--duration is an option of --load/],
    [['--json'], /--json is an option of --load/],
    [['--load', '--duration', '0'], /--duration must be an integer from 1/],
    [['--load', '--connections', '0'], /--connections must be an integer from 1/],
    [['--redis', 'localhost:6379'], /--redis must be a redis:\/\/ or rediss:\/\/ URL/],
    [['--no-cache', '--redis', 'redis://x'], /makes no sense with --no-cache/],
    [['--load', '--no-cache'], /drop --no-cache/],
    [['--load', '--port', '80'], /drop --port/],
    [['--policy', 'lfu'], /^--policy must be "lru" or "tinylfu", got "lfu"$/],
    [['--policy', 'LRU'], /--policy must be "lru" or "tinylfu", got "LRU"/],
    [['--policy'], /argument missing/],
    [['--no-cache', '--policy', 'lru'], /--policy .* makes no sense with --no-cache/],
    [['--seed', '1'], /--seed seeds TinyLFU: use it with --policy tinylfu/],
    [['--policy', 'lru', '--seed', '1'], /--seed seeds TinyLFU/],
    [['--policy', 'tinylfu', '--seed', '1.5'], /--seed must be an integer/],
    [['--policy', 'tinylfu', '--seed', 'x'], /--seed must be an integer/],
    [['--compare-policies'], /--compare-policies is an option of --load/],
    [['--load', '--compare-policies', '--policy', 'lru'], /runs both policies: drop --policy/],
    [['--load', '--requests', '5'], /--requests is an option of --compare-policies/],
    [['--load', '--compare-policies', '--requests', '0'], /--requests must be an integer from 1/],
    [['--load', '--compare-policies', '--duration', '5'], /same stream: drop --duration/],
    [['--load', '--compare-policies', '--connections', '4'], /same stream: drop --connections/],
    [['--load', '--compare-policies', '--redis', 'redis://x'], /drop --redis/],
  ])('refuses %j', (args, message) => {
    expect(() => parseCommandLine(args)).toThrow(UsageError);
    expect(() => parseCommandLine(args)).toThrow(message);
  });
});

describe('demo/main.ts', () => {
  it('prints its usage with --help, including two processes sharing Redis', async () => {
    const main = runMain(['--help']);
    expect(await main.exited).toBe(0);
    const out = main.stdout();
    expect(out).toMatch(/^Usage: npm start -- \[options\]/);
    for (const flag of ['--port N', '--ttl MS', '--stale MS', '--max-size', '--max-entries']) {
      expect(out).toContain(flag);
    }
    for (const flag of ['--no-cache', '--redis URL', '--load', '--duration S', '--connections N']) {
      expect(out).toContain(flag);
    }
    for (const flag of ['--policy P', '--seed N', '--compare-policies', '--requests N']) {
      expect(out).toContain(flag);
    }
    expect(out).toContain('npm run demo:load -- --compare-policies');
    expect(out).toContain('npm start -- --port 8080 --redis redis://127.0.0.1:6379');
    expect(out).toContain('npm start -- --port 8081 --redis redis://127.0.0.1:6379');
  });

  it('refuses an unknown --policy with a message, the usage and exit code 2', async () => {
    const main = runMain(['--policy', 'lfu']);
    expect(await main.exited).toBe(2);
    expect(main.stderr()).toMatch(/^lrukit demo: --policy must be "lru" or "tinylfu", got "lfu"\n/);
    expect(main.stderr()).toContain('Usage: npm start');
    expect(main.stdout()).toBe('');
  });

  it('runs the service with --policy tinylfu and says so at startup, in /stats and on exit', async () => {
    const main = runMain(['--port', '0', '--policy', 'tinylfu', '--seed', '3']);
    try {
      const url = await main.url;
      expect(main.stdout()).toMatch(
        /cache {3}lrukit LoadingCache, policy tinylfu \(seed 3\), maxSize 4 MiB/,
      );
      const stats = (await http(`${url}/stats`)).json<DemoStats>();
      expect(stats).toMatchObject({ cache: 'lrukit', policy: 'tinylfu', seed: 3 });
      const first = await http(`${url}/search?q=gosgo+mon`);
      const again = await http(`${url}/search?q=mon+gosgo`);
      expect([first.headers['x-cache'], again.headers['x-cache']]).toEqual(['miss', 'hit']);
      main.child.kill('SIGTERM');
      expect(await main.exited).toBe(0);
      expect(main.stdout()).toMatch(
        /stopped \(SIGTERM\) after 3 requests, hit ratio 50\.0 % \(policy tinylfu\)/,
      );
    } finally {
      killIfRunning(main.child);
    }
  }, 30_000);

  it('refuses an unknown option with a message, the usage and exit code 2', async () => {
    const main = runMain(['--bogus']);
    expect(await main.exited).toBe(2);
    expect(main.stderr()).toMatch(/^lrukit demo: Unknown option '--bogus'/);
    expect(main.stderr()).toContain('Usage: npm start');
    expect(main.stdout()).toBe('');
  });
});

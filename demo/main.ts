/**
 * `npm start`: the lrukit demo's command line. Starts the search service (demo/server.ts) on
 * 127.0.0.1, or with `--load` runs the load test (demo/compare.ts). `--help` for the options.
 */

import {
  COMPARE_MAX_SIZE,
  COMPARE_SEED,
  type CommandLine,
  cacheArgs,
  parseCommandLine,
  USAGE,
  UsageError,
} from './cli.js';
import {
  comparisonPassed,
  formatComparison,
  formatPolicyComparison,
  policyComparisonPassed,
  progressBar,
  runComparison,
  runPolicyComparison,
} from './compare.js';
import { type DemoOptions, startDemo } from './server.js';

const mib = (bytes: number) =>
  `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) ? 2 : 0)} MiB`;

async function serve(o: CommandLine): Promise<void> {
  const started = performance.now();
  const options: DemoOptions = {
    port: o.port,
    cache: o.noCache
      ? false
      : {
          ...(o.ttl === undefined ? {} : { ttlMs: o.ttl }),
          ...(o.stale === undefined ? {} : { staleWhileRevalidateMs: o.stale }),
          ...(o.maxSize === undefined ? {} : { maxSize: o.maxSize }),
          ...(o.maxEntries === undefined ? {} : { maxEntries: o.maxEntries }),
          ...(o.policy === undefined ? {} : { policy: o.policy }),
          ...(o.seed === undefined ? {} : { seed: o.seed }),
        },
    ...(o.redis === undefined ? {} : { redisUrl: o.redis }),
  };
  let demo: Awaited<ReturnType<typeof startDemo>>;
  try {
    demo = await startDemo(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(
      code === 'EADDRINUSE'
        ? `lrukit demo: port ${o.port} is in use (try --port 0 for any free port)`
        : `lrukit demo: could not start: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exitCode = 1;
    return;
  }
  const s = demo.stats();
  const cache =
    s.cache === 'off'
      ? 'off (--no-cache): every request searches'
      : `lrukit LoadingCache, policy ${s.policy}${s.seed === null ? '' : ` (seed ${s.seed})`}, ` +
        `maxSize ${mib(s.maxSize!)} of JSON` +
        `${s.maxEntries === null ? '' : `, maxEntries ${s.maxEntries}`}, ttl ${s.ttlMs! / 1000} s, ` +
        `staleWhileRevalidate ${s.staleWhileRevalidateMs! / 1000} s` +
        `${s.redis ? `, shared through Redis ${s.redis.url}` : ''}`;
  // one write, first line first: tests and the load test read the URL from it
  console.log(
    [
      `lrukit demo: ${demo.url}`,
      `  corpus  ${s.documents.toLocaleString('en')} generated documents, ready in ${Math.round(performance.now() - started)} ms`,
      `  cache   ${cache}`,
      `  try     curl -i '${demo.url}/search?q=Gosgo,+MON!'   or open ${demo.url}/`,
      '  Ctrl-C to stop',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`lrukit demo: ${signal} again, exiting now`);
      process.exit(1);
    }
    stopping = true;
    const { requests, hitRatio, policy } = demo.stats();
    await demo.close();
    console.log(
      `lrukit demo: stopped (${signal}) after ${requests.total.toLocaleString('en')} requests, hit ratio ${(hitRatio * 100).toFixed(1)} %${policy === null ? '' : ` (policy ${policy})`}`,
    );
    process.exitCode = 0;
    // nothing should be left holding the event loop; if something is, do not hang
    setTimeout(() => {
      console.error('lrukit demo: still running 3 s after closing; exiting');
      process.exit(1);
    }, 3_000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** `--load --compare-policies`: the same stream to an LRU and a TinyLFU service, side by side. */
async function policyTest(o: CommandLine): Promise<void> {
  const tty = process.stderr.isTTY === true;
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => interrupt.abort(new Error(signal));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let comparison: Awaited<ReturnType<typeof runPolicyComparison>>;
  try {
    comparison = await runPolicyComparison({
      requests: o.requests,
      maxSize: o.maxSize ?? COMPARE_MAX_SIZE,
      seed: o.seed ?? COMPARE_SEED,
      // the other cache options as given; the policy, seed and memory are the comparison's
      serverArgs: cacheArgs({ ...o, policy: undefined, seed: undefined, maxSize: undefined }),
      signal: interrupt.signal,
      onRunStart: (label) => {
        if (!tty) console.error(`lrukit demo: policy ${label}, ${o.requests} requests…`);
      },
      onProgress: (label, progress) => {
        if (tty) process.stderr.write(`\r${progressBar(label, progress)}\x1b[K`);
      },
      onRunEnd: () => {
        if (tty) process.stderr.write('\n');
      },
    });
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    console.error(`${tty ? '\n' : ''}lrukit demo: policy comparison interrupted`);
    process.exitCode = 130;
    return;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  console.log(o.json ? JSON.stringify(comparison, null, 2) : formatPolicyComparison(comparison));
  if (!policyComparisonPassed(comparison)) process.exitCode = 1;
}

async function loadTest(o: CommandLine): Promise<void> {
  if (o.comparePolicies) return policyTest(o);
  const tty = process.stderr.isTTY === true;
  // Ctrl-C: stop the load and the services (they got the SIGINT too, and stop themselves)
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => interrupt.abort(new Error(signal));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let comparison: Awaited<ReturnType<typeof runComparison>>;
  try {
    comparison = await runComparison({
      durationMs: o.duration * 1000,
      connections: o.connections,
      serverArgs: cacheArgs(o),
      signal: interrupt.signal,
      onRunStart: (label) => {
        if (!tty) console.error(`lrukit demo: load test ${label}, ${o.duration} s…`);
      },
      onProgress: (label, progress) => {
        if (tty) process.stderr.write(`\r${progressBar(label, progress)}\x1b[K`);
      },
      onRunEnd: (label, run) => {
        if (tty) process.stderr.write('\n');
        else {
          console.error(
            `lrukit demo: ${label}: ${run.client.requests} requests, ${run.client.requestsPerSecond} req/s, ${run.client.errors} errors`,
          );
        }
      },
    });
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    console.error(`${tty ? '\n' : ''}lrukit demo: load test interrupted`);
    process.exitCode = 130;
    return;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  console.log(o.json ? JSON.stringify(comparison, null, 2) : formatComparison(comparison));
  if (!comparisonPassed(comparison)) process.exitCode = 1;
}

async function main(argv: string[]): Promise<void> {
  let o: CommandLine;
  try {
    o = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`lrukit demo: ${error.message}\n`);
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  if (o.help) {
    console.log(USAGE);
    return;
  }
  await (o.load ? loadTest(o) : serve(o));
}

await main(process.argv.slice(2));

/** Runs a bench script in a fresh Node process and returns the JSON object it prints last. */

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs `node [...execArgv] bench/<script> '<JSON args>'`; resolves with the parsed last line of
 * stdout, rejects with the child's stderr when it exits non-zero or prints no JSON.
 */
export function runChild(script, args, { execArgv = [], timeoutMs = 120_000 } = {}) {
  const file = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...execArgv, file, JSON.stringify(args)],
      { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.killed ? `killed after ${timeoutMs} ms` : `exit ${error.code}`;
          reject(new Error(`${script} ${JSON.stringify(args)}: ${why}\n${stderr.trim()}`));
          return;
        }
        const last = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(last));
        } catch {
          reject(
            new Error(`${script} ${JSON.stringify(args)}: no JSON result\n${stdout}\n${stderr}`),
          );
        }
      },
    );
  });
}

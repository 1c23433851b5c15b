// Shared by the test/postgres files: one throwaway PostgreSQL server per file, database
// clients that are always closed, child processes that are always stopped, and waiting for a
// condition (never a fixed sleep).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { type Db, openDb } from '../../examples/shared/db.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

const opened = new Set<Db>();
const children = new Set<ChildProcess>();

/** A `pg` pool on `url` (through the examples' db module), closed by `closeAll()`. */
export async function connect(url: string, queryTimeoutMs = 10_000): Promise<Db> {
  const db = await openDb(url, { queryTimeoutMs });
  opened.add(db);
  return db;
}

/** Retries `check` (throwing or rejecting means "not yet") until it passes, for at most `timeout` ms. */
export function until<T>(check: () => T | Promise<T>, timeout = 10_000): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 10 });
}

/**
 * Runs `node --import tsx FILE ...args` (plain `node` for a .mjs file) from the repository
 * root; its output is collected.
 */
export function runTs(
  file: string,
  args: readonly string[],
): { child: ChildProcess; output: () => string; exit: Promise<number | string> } {
  const loader = file.endsWith('.mjs') ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...loader, file, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const exit = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(signal ?? code ?? -1);
    }),
  );
  return { child, output: () => output, exit };
}

/** Closes every pool opened by `connect` and kills every child still running. */
export async function closeAll(): Promise<void> {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  await Promise.all([...opened].map((db) => db.close().catch(() => {})));
  opened.clear();
}

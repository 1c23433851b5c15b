// Shared by the test/demo files: plain HTTP requests (one connection each, closed after the
// response, so nothing keeps a socket or a timer alive after a test), and the demo's command
// line run as a real child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed as JSON (throws if it is not JSON). */
  json<T = Record<string, unknown>>(): T;
}

/** `method url` on a fresh connection (`Connection: close`); resolves with the whole reply. */
export function http(url: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: <T>() => JSON.parse(body) as T,
        });
      });
    });
    req.once('error', reject);
    req.end();
  });
}

/** Sends `raw` bytes to the server and resolves with everything it answers before closing. */
export function rawRequest(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(answer));
    socket.write(raw);
  });
}

/** A `node --import tsx demo/main.ts …` child process. */
export interface MainProcess {
  readonly child: ChildProcess;
  /** stdout so far. */
  readonly stdout: () => string;
  /** stderr so far. */
  readonly stderr: () => string;
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  readonly exited: Promise<number | string>;
  /** Resolves with the URL from the `lrukit demo: http://…` line; rejects if it exits first. */
  readonly url: Promise<string>;
}

/** Runs the demo's command line, as `npm start -- …args` would. */
export function runMain(args: readonly string[]): MainProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/main.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^lrukit demo: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
      if (match) resolve(match[1]!);
    });
    exited.then((code) =>
      reject(new Error(`demo exited (${code}) without printing its URL:\n${stdout}\n${stderr}`)),
    );
  });
  url.catch(() => {}); // a caller that never asks for the URL must not see an unhandled rejection
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited, url };
}

/** Kills a child that is still running (for afterAll, after a failed test). */
export function killIfRunning(child: ChildProcess | undefined): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * The few HTTP helpers the examples' node:http services share: reading a bounded body, sending
 * JSON or an error, listening on a port and closing cleanly. Not part of lrukit.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An error with an HTTP status, turned into that response by {@link handle}. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the request body as a Buffer; a body above `limit` bytes is a 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new HttpError(413, `body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) throw new HttpError(413, `body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON body (at most 64 KB); anything but a JSON object is a 400. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req, 64 * 1024)).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body must be JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * Wraps a route handler: an `HttpError` becomes its status, anything else a 500 (logged with
 * `log`), as JSON `{ error }`.
 */
export function handle(
  route: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  log: (message: string) => void = console.error,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) log(`${req.method} ${req.url}: ${String(error)}`);
      if (res.headersSent) res.destroy();
      else sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
    });
  };
}

/** Listens on `127.0.0.1:port` (0: a free port); resolves with the base URL. */
export function listen(server: Server, port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve(`http://${host}:${address.port}`);
    });
  });
}

/** Stops accepting connections and closes the idle ones; resolves when the server is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** Ends the process cleanly on SIGINT/SIGTERM: `shutdown` runs once, then the process exits. */
export function onShutdown(shutdown: (signal: string) => Promise<void>): void {
  let started = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (started) return; // a second Ctrl+C while flushing: keep flushing
      started = true;
      shutdown(signal).then(
        () => process.exit(), // with process.exitCode, if shutdown set one
        (error: unknown) => {
          console.error(`shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}

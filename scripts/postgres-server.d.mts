/** Types of scripts/postgres-server.mjs. */

/** Whether a throwaway PostgreSQL server can be started here. */
export declare const havePostgres: boolean;

/** Why {@link havePostgres} is false (for skip notices), or `undefined`. */
export declare const missingPostgres: string | undefined;

/** The directory holding `initdb` and `postgres`, if found. */
export declare const postgresBinDir: string | undefined;

/** A PostgreSQL server started by {@link startPostgres}. */
export interface PostgresServer {
  readonly port: number;
  /** `127.0.0.1` */
  readonly host: string;
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust authentication, loopback only) */
  readonly url: string;
  /** The server's temporary directory (data/, the unix socket, postgres.log); removed by `stop()`. */
  readonly dir: string;
  /** ms the start took (initdb included the first time on a machine). */
  readonly startMs: number;
  /** The postmaster's pid (changes on `restart`). */
  readonly pid: number;
  readonly state: 'running' | 'paused' | 'stopped';
  /** Immediate shutdown (no checkpoint), waits until it is gone; its directory is removed in the background. */
  stop(): Promise<void>;
  /** Fast shutdown, keeping the data: `restart()` brings the server back with its data. */
  halt(): Promise<void>;
  /** SIGKILL to the postmaster and every backend (a crash); `restart()` recovers the data. */
  kill9(): Promise<void>;
  /** Starts the server again on the same port and data directory. */
  restart(): Promise<void>;
  /** SIGSTOP to the postmaster and every backend: connections stay open, nothing answers. */
  pause(): void;
  /** SIGCONT: a paused server answers again. */
  resume(): void;
}

export declare function startPostgres(options?: {
  port?: number;
  /** Extra server settings (`-c name=value`), e.g. `{ statement_timeout: '5s' }`. */
  settings?: Readonly<Record<string, string>>;
}): Promise<PostgresServer>;

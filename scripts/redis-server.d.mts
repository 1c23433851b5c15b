/** Types of scripts/redis-server.mjs. */

/** Whether `redis-server` can be run here. */
export declare const haveRedis: boolean;

/** A standalone redis-server started by {@link startRedis}. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  /** The server's pid (changes on `restart`). */
  readonly pid: number;
  /** Terminates the server, waits until it is gone, removes its directory. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL); for SIGTERM/SIGKILL/SIGINT waits until the server is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port (stopping it first if it runs). */
  restart(): Promise<void>;
}

/** A three-master cluster started by {@link startCluster}. */
export interface RedisCluster {
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  stop(): Promise<void>;
  /** Kills every node (SIGKILL) and starts them again from their cluster config; data is lost. */
  restart(): Promise<void>;
}

export declare function startRedis(options?: {
  port?: number;
  /** Extra server arguments, e.g. `['--rename-command', 'KEYS', '']`. */
  args?: readonly string[];
}): Promise<RedisServer>;

export declare function startCluster(): Promise<RedisCluster>;

/**
 * Sends one command on a fresh connection; resolves with the reply (an error reply resolves as
 * an `Error` value).
 */
export declare function redisCommand(
  port: number,
  args: ReadonlyArray<string | number>,
  ms?: number,
): Promise<unknown>;

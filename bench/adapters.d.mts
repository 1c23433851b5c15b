/** Types of bench/adapters.mjs (what the tests under test/scripts use). */

export interface Adapter {
  readonly id: string;
  readonly name: string;
  readonly pkg: string | null;
  readonly hasTtl: boolean;
  readonly exact: boolean;
  readonly floor?: boolean;
  readonly policy?: boolean;
  readonly variant?: boolean;
  readonly admission?: boolean;
  readonly workloads?: readonly string[];
  readonly note?: string;
  load(): Promise<(max: number, options?: { ttl?: number; withDelete?: boolean }) => unknown>;
}

export declare const ADAPTERS: readonly Adapter[];
export declare const LRUKIT: 'lrukit';
export declare const LRUKIT_COARSE: 'lrukit-coarse';
export declare const LRU_CACHE: 'lru-cache';
export declare const FLOOR: 'map';
export declare const TINY_LFU: 'lrukit-tinylfu';
export declare const TINY_LFU_SEED: number;
export declare const PEERS: readonly string[];
export declare function adapter(id: string): Adapter;
export declare function runsWorkload(
  a: Adapter,
  w: { id: string; ttl: boolean; floor: boolean; only?: readonly string[] },
): boolean;

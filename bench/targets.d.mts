/** Types of bench/targets.mjs (what the tests under test/scripts use). */

/** One replayed trace × size case, as bench/hit-ratio.mjs prints it. */
export interface HitRatioRow {
  trace: string;
  size: number;
  requests: number;
  hits: number;
  tinyHits?: number;
  [more: string]: unknown;
}

/** The measurements of a run, as far as the targets read them. */
export interface Results {
  speed?: Record<string, Record<string, { median: number }>>;
  memory?: Record<string, { plain?: number; ttl?: number }>;
  hitRatio?: {
    main: HitRatioRow[];
    extra: HitRatioRow[];
    zipf?: HitRatioRow & Record<string, unknown>;
  };
  [more: string]: unknown;
}

export interface Target {
  issue?: number;
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
}

export declare const TINY_LFU_SPEED: Readonly<Record<string, number>>;
export declare const TINY_LFU_EXTRA_BYTES: number;
export declare const TINY_LFU_MAX_BELOW_LRU: number;
export declare const TINY_LFU_ZIPF_GAIN: number;
export declare function hitPercents(row: HitRatioRow): { lru: number; tiny: number | undefined };
export declare function tinyLfuTargets(results: Results): Target[];
export declare function evaluateTargets(results: Results): Target[];
export declare function fastestPeer(
  speed: Record<string, { median: number }> | undefined,
): { id: string; median: number } | undefined;
export declare function verdict(met: boolean | null): string;

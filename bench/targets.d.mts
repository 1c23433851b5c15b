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
/** One library on one workload: `median` is that of `procs` (one median per fresh process). */
export interface SpeedRow {
  median: number;
  procs?: { round: number; median: number }[];
}

export interface Results {
  speed?: Record<string, Record<string, SpeedRow>>;
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
  /** min–max of the ratio over the rounds, `—` when not a speed ratio. */
  spread: string;
  met: boolean | null;
}

export declare const TINY_LFU_SPEED: Readonly<Record<string, number>>;
export declare const TINY_LFU_EXTRA_BYTES: number;
export declare const TINY_LFU_MAX_BELOW_LRU: number;
export declare const TINY_LFU_ZIPF_GAIN: number;
export declare function hitPercents(row: HitRatioRow): { lru: number; tiny: number | undefined };
export declare function tinyLfuTargets(results: Results): Target[];
export declare function evaluateTargets(results: Results): Target[];
export declare function issue15Targets(results: Results): Target[];
export declare const COARSE_VS_LRU_CACHE: number;
export declare const DELETE_VS_LRU_CACHE: number;
export declare function perRound(
  a: SpeedRow | undefined,
  b: SpeedRow | undefined,
  f?: (a: number, b: number) => number,
): number[];
export declare function spreadOf(
  values: number[],
  format?: (v: number) => string,
  unit?: string,
): string;
export declare function fastestPeer(
  speed: Record<string, { median: number }> | undefined,
): { id: string; median: number } | undefined;
export declare function verdict(met: boolean | null): string;

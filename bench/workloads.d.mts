/** Types of bench/workloads.mjs (what the tests under test/scripts use). */

export interface Sizes {
  entries: number;
  big: number;
  zipfOps: number;
  zipfKeys: number;
  chunk: number;
}

export interface Workload {
  readonly id: string;
  readonly title: string;
  readonly group: string;
  readonly only?: readonly string[];
  readonly ttl: boolean;
  readonly floor: boolean;
  readonly withDelete: boolean;
  entries(sizes: Sizes): number;
  setup(
    create: (max: number, options?: { ttl?: number }) => unknown,
    sizes: Sizes,
  ): Record<string, unknown>;
}

export declare const SIZES: { full: Sizes; smoke: Sizes };
export declare const WORKLOADS: readonly Workload[];
export declare function workload(id: string): Workload;

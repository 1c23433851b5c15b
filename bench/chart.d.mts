/** Types of bench/chart.mjs (what the tests under test/scripts use). */

export declare function barChart(
  groups: Array<{ title: string; bars: Array<{ id: string; label: string; value: number }> }>,
  options?: { title?: string },
): string;

export declare function hitRatioChart(
  panels: Array<{ title: string; cases: Array<{ size: number; lru?: number; tiny?: number }> }>,
  options?: { title?: string },
): string;

/** Statistics of repeated samples, number formats, and tables as aligned text or Markdown. */

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** `{ median, min, max, n }` of a list of samples. */
export function summarize(samples) {
  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    n: samples.length,
  };
}

/** Operations per second in millions, e.g. `34.63`. */
export const mops = (opsPerSec) => (opsPerSec / 1e6).toFixed(2);

/** A ratio, e.g. `1.25×`; `—` when unknown. */
export const times = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '—');

/** A count with thousands separators. */
export const count = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');

/** Milliseconds with a precision that suits the magnitude. */
export function ms(value) {
  if (!Number.isFinite(value)) return '—';
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 1) return `${value.toFixed(1)} ms`;
  return `${(value * 1000).toFixed(1)} µs`;
}

/** Bytes in the largest sensible unit. */
export function bytes(n) {
  if (!Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (a >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (a >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

const isNumeric = (cell) => /^[-+−]?[\d.,]+/.test(cell) || cell === '—';

/** Aligned plain-text table: first column left-aligned, numeric-looking columns right-aligned. */
export function textTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const right = header.map((_, i) => i > 0 && rows.every((r) => isNumeric(String(r[i]))));
  const line = (r) =>
    r
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    line(all[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...all.slice(1).map(line),
  ].join('\n');
}

/** Markdown table with the same alignment rule. */
export function mdTable(header, rows) {
  const esc = (c) => String(c).replaceAll('|', '\\|');
  const right = header.map((_, i) => i > 0 && rows.every((r) => isNumeric(String(r[i]))));
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${right.map((r) => (r ? '---:' : ':---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/**
 * The SVG charts, drawn as strings (no chart dependency): ops/s per workload per library (one
 * group of horizontal bars per workload, each group scaled to its own fastest bar), and hit ratio
 * per trace and cache size for lrukit's two policies (one panel of vertical bar pairs per trace).
 */

const COLORS = {
  lrukit: '#d62728',
  'lrukit-tinylfu': '#8c1c13',
  'lrukit-coarse': '#f08080',
  'lru-cache': '#1f77b4',
  'mnemonist-cache': '#2ca02c',
  'mnemonist-map': '#98df8a',
  'lru.min': '#9467bd',
  'tiny-lru': '#ff7f0e',
  'quick-lru': '#17becf',
  map: '#9e9e9e',
};

const esc = (s) =>
  String(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * @param groups `[{ title, bars: [{ id, label, value }] }]`, value in ops/s
 * @returns the SVG document as a string
 */
export function barChart(groups, { title = 'ops/s per workload (higher is better)' } = {}) {
  const width = 860;
  const labelW = 170;
  const valueW = 90;
  const barMax = width - labelW - valueW - 20;
  const barH = 13;
  const gap = 3;
  const groupGap = 14;
  const parts = [];
  let y = 44;
  for (const g of groups) {
    const top = Math.max(...g.bars.map((b) => b.value));
    parts.push(`<text x="10" y="${y + 11}" class="group">${esc(g.title)}</text>`);
    y += 18;
    for (const b of g.bars) {
      const w = top > 0 ? Math.max(1, (b.value / top) * barMax) : 0;
      const color = COLORS[b.id] ?? '#555';
      const weight = b.id.startsWith('lrukit') ? ' font-weight="bold"' : '';
      parts.push(
        `<text x="${labelW - 6}" y="${y + barH - 3}" text-anchor="end" class="lib"${weight}>${esc(b.label)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${color}"><title>${esc(
          `${b.label}: ${(b.value / 1e6).toFixed(2)} M ops/s`,
        )}</title></rect>`,
        `<text x="${(labelW + w + 4).toFixed(1)}" y="${y + barH - 3}" class="val">${(b.value / 1e6).toFixed(2)} M</text>`,
      );
      y += barH + gap;
    }
    y += groupGap;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" role="img" aria-label="ops/s per workload per library">`,
    '<title>ops/s per workload per library (higher is better)</title>',
    '<style>.group{font-size:13px;font-weight:bold;fill:#222}.lib{font-size:11px;fill:#333}.val{font-size:11px;fill:#333}.note{font-size:11px;fill:#666}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold" fill="#111">${esc(title)}</text>`,
    '<text x="10" y="36" class="note">median of the repetitions, in millions of operations per second; each workload is scaled to its own fastest bar</text>',
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** The two policies of the hit-ratio chart, in drawing order. */
const POLICIES = [
  { key: 'lru', label: 'LRU (LruCache, exact)', color: '#1f77b4' },
  { key: 'tiny', label: 'TinyLfuCache (W-TinyLFU, seed 1)', color: '#d62728' },
];

/** A size for an axis label: `1,024`, `100,000`. */
const sizeLabel = (n) => n.toLocaleString('en-US');

/**
 * The hit-ratio chart: one panel per trace, a pair of vertical bars (LRU, TinyLfuCache) per cache
 * size, on a 0–100 % axis; above each pair, TinyLfuCache's difference from LRU in points (red when
 * it is more than one point below).
 *
 * @param panels `[{ title, cases: [{ size, lru, tiny }] }]`, hit ratios in percent
 * @returns the SVG document as a string
 */
export function hitRatioChart(
  panels,
  { title = 'Hit ratio by trace and cache size: LRU vs TinyLfuCache (higher is better)' } = {},
) {
  const width = 860;
  const columns = 4;
  const panelW = (width - 20) / columns;
  const panelH = 196;
  const plotTop = 40; // within a panel: title, then the differences row
  const plotH = 110;
  const left = 30;
  const right = 8;
  const top = 70;
  const parts = [];
  panels.forEach((p, i) => {
    const x0 = 10 + (i % columns) * panelW;
    const y0 = top + Math.floor(i / columns) * panelH;
    const plotW = panelW - left - right;
    const base = y0 + plotTop + plotH;
    const y = (v) => base - (v / 100) * plotH;
    parts.push(`<text x="${x0 + left}" y="${y0 + 14}" class="group">${esc(p.title)}</text>`);
    for (const v of [0, 25, 50, 75, 100]) {
      parts.push(
        `<line x1="${x0 + left}" x2="${x0 + left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="${v === 0 ? 'axis' : 'grid'}"/>`,
        `<text x="${x0 + left - 3}" y="${(y(v) + 3).toFixed(1)}" text-anchor="end" class="tick">${v}</text>`,
      );
    }
    const slot = plotW / p.cases.length;
    const barW = Math.min(18, slot * 0.36);
    p.cases.forEach((c, j) => {
      const mid = x0 + left + slot * (j + 0.5);
      POLICIES.forEach((pol, k) => {
        const v = c[pol.key];
        if (v === undefined) return;
        const bx = mid - barW + k * barW;
        const h = Math.max(0.5, (v / 100) * plotH);
        parts.push(
          `<rect x="${bx.toFixed(1)}" y="${(base - h).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${pol.color}"><title>${esc(
            `${p.title} at ${sizeLabel(c.size)} entries, ${pol.label}: ${v.toFixed(2)} %`,
          )}</title></rect>`,
        );
      });
      if (c.tiny !== undefined && c.lru !== undefined) {
        const d = c.tiny - c.lru;
        const text = `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)}`;
        parts.push(
          `<text x="${mid.toFixed(1)}" y="${y0 + plotTop - 6}" text-anchor="middle" class="${d < -1 ? 'worse' : 'diff'}">${text}</text>`,
        );
      }
      parts.push(
        `<text x="${mid.toFixed(1)}" y="${base + 12}" text-anchor="middle" class="tick">${sizeLabel(c.size)}</text>`,
      );
    });
    parts.push(
      `<text x="${x0 + left + plotW / 2}" y="${base + 25}" text-anchor="middle" class="axislabel">cache size (entries)</text>`,
      `<text transform="translate(${x0 + 9} ${(y0 + plotTop + plotH / 2).toFixed(1)}) rotate(-90)" text-anchor="middle" class="axislabel">hit %</text>`,
    );
  });
  const height = top + Math.ceil(panels.length / columns) * panelH + 4;
  const legend = POLICIES.flatMap((pol, k) => [
    `<rect x="${10 + k * 260}" y="44" width="12" height="12" fill="${pol.color}"/>`,
    `<text x="${26 + k * 260}" y="54" class="lib">${esc(pol.label)}</text>`,
  ]);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" role="img" aria-label="hit ratio per trace and cache size, LRU and TinyLfuCache">`,
    `<title>${esc(title)}</title>`,
    '<style>.group{font-size:12px;font-weight:bold;fill:#222}.lib{font-size:11px;fill:#333}.tick{font-size:9px;fill:#555}.axislabel{font-size:9px;fill:#777}.diff{font-size:9px;fill:#2a7a2a}.worse{font-size:9px;font-weight:bold;fill:#c00}.note{font-size:11px;fill:#666}.grid{stroke:#e4e4e4;stroke-width:1}.axis{stroke:#999;stroke-width:1}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold" fill="#111">${esc(title)}</text>`,
    '<text x="10" y="36" class="note">hits ÷ requests, cold misses included (get, set on miss); the number above each pair: TinyLfuCache − LRU in points</text>',
    ...legend,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * The SVG chart of ops/s per workload per library, drawn as a string (no chart dependency):
 * one group of horizontal bars per workload, each group scaled to its own fastest bar.
 */

const COLORS = {
  lrukit: '#d62728',
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
      const weight = b.id === 'lrukit' ? ' font-weight="bold"' : '';
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

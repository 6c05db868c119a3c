/**
 * A horizontal bar chart as a standalone SVG (no dependencies): one bar per tool, median seconds, ferry's bars in
 * a different colour, the value and the ratio to ferry at the end of each bar.
 */
const WIDTH = 640;
const LABEL = 190;
const BAR = 22;
const GAP = 10;
const TOP = 40;

export function barChart({ title, rows }) {
  const max = Math.max(...rows.map((r) => r.seconds), 1e-9);
  // Room after the longest bar for its value and ratio.
  const plot = WIDTH - LABEL - 190;
  const ferry = rows.find((r) => r.ferry);
  const height = TOP + rows.length * (BAR + GAP) + 24;
  const bars = rows.map((row, i) => {
    const y = TOP + i * (BAR + GAP);
    const w = Math.max(1, (row.seconds / max) * plot);
    const ratio = ferry && !row.ferry ? `  (ferry ${(ferry.seconds / row.seconds).toFixed(2)}×)` : '';
    return [
      `<text x="${LABEL - 8}" y="${y + BAR * 0.7}" text-anchor="end">${escape(row.name)}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${row.ferry ? '#d9534f' : '#5b8def'}"/>`,
      `<text x="${(LABEL + w + 6).toFixed(1)}" y="${y + BAR * 0.7}">${row.seconds.toFixed(2)} s${ratio}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`,
    ...bars,
    `<text x="${LABEL}" y="${height - 6}" fill="#666" font-size="11">median seconds, shorter is faster</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function escape(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

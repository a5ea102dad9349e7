// Server-rendered SVG charts for the overview, pure: numbers in, an <svg> string out. Every
// text is escaped here; the numbers are also shown in a table beside each chart. Drawn with
// solid fills, real text and a white background so they read in a screenshot and in print.
import { escapeHtml } from "../search/query.ts";

const FONT = `font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"`;

export const COLORS = { todo: "#98a2b3", doing: "#1d5fbf", review: "#e6a100", done: "#2e8b57", overdue: "#c0392b", line: "#b71c1c" } as const;

export type Segment = { label: string; value: number; color: string };

/** One horizontal bar split into segments (e.g. tasks by state), with a legend under it. */
export function stackedBar(segments: Segment[], opts: { width?: number; title: string }): string {
  const width = opts.width ?? 560;
  const barH = 28;
  const total = segments.reduce((s, x) => s + x.value, 0);
  let x = 0;
  const rects: string[] = [];
  for (const s of segments) {
    if (!s.value || !total) continue;
    const w = (s.value / total) * width;
    rects.push(`<rect x="${r1(x)}" y="0" width="${r1(w)}" height="${barH}" fill="${s.color}"><title>${escapeHtml(s.label)}：${s.value}</title></rect>`);
    if (w > 34) rects.push(`<text x="${r1(x + w / 2)}" y="${barH / 2 + 5}" text-anchor="middle" fill="#fff" font-size="13">${s.value}</text>`);
    x += w;
  }
  if (!total) rects.push(`<rect x="0" y="0" width="${width}" height="${barH}" fill="#eef0f3"/><text x="${width / 2}" y="${barH / 2 + 5}" text-anchor="middle" fill="#667085" font-size="13">暂无任务</text>`);
  const legend: string[] = [];
  let lx = 0;
  for (const s of segments) {
    const label = `${s.label} ${s.value}`;
    legend.push(`<rect x="${lx}" y="${barH + 12}" width="12" height="12" fill="${s.color}"/><text x="${lx + 16}" y="${barH + 22}" font-size="13" fill="#1f2328">${escapeHtml(label)}</text>`);
    lx += 16 + textWidth(label) + 18;
  }
  const h = barH + 32;
  return svg(width, h, opts.title, rects.join("") + legend.join(""));
}

export type CategoryRow = { label: string; total: number; done: number };

/** Horizontal bars, one per category: the whole bar is the tasks, the green part the signed-off ones. */
export function categoryBars(rows: CategoryRow[], opts: { width?: number; title: string }): string {
  const width = opts.width ?? 560;
  const labelW = Math.min(180, Math.max(60, ...rows.map((r) => textWidth(r.label) + 8)));
  const rowH = 26;
  const max = Math.max(1, ...rows.map((r) => r.total));
  const barW = width - labelW - 70;
  const parts: string[] = [];
  rows.forEach((r, i) => {
    const y = i * rowH;
    const w = (r.total / max) * barW;
    const d = r.total ? (r.done / r.total) * w : 0;
    parts.push(`<text x="${labelW - 6}" y="${y + 17}" text-anchor="end" font-size="13" fill="#1f2328">${escapeHtml(clip(r.label, 12))}</text>`);
    parts.push(`<rect x="${labelW}" y="${y + 4}" width="${r1(w)}" height="${rowH - 8}" fill="#d0d5dd"><title>${escapeHtml(r.label)}：共 ${r.total}，已销号 ${r.done}</title></rect>`);
    if (d > 0) parts.push(`<rect x="${labelW}" y="${y + 4}" width="${r1(d)}" height="${rowH - 8}" fill="${COLORS.done}"/>`);
    parts.push(`<text x="${r1(labelW + w + 6)}" y="${y + 17}" font-size="12" fill="#475467">${r.done}/${r.total}</text>`);
  });
  if (!rows.length) parts.push(`<text x="${width / 2}" y="18" text-anchor="middle" fill="#667085" font-size="13">暂无任务</text>`);
  return svg(width, Math.max(1, rows.length) * rowH + 4, opts.title, parts.join(""));
}

export type WeekPoint = { label: string; signedOff: number; open: number };

/**
 * Completion over time: a bar per week for tasks signed off that week (left axis) and a line
 * for tasks still open at the week's end (right axis).
 */
export function weeklyChart(points: WeekPoint[], opts: { width?: number; title: string }): string {
  const width = opts.width ?? 640;
  const height = 240;
  const m = { l: 40, r: 48, t: 26, b: 40 };
  const pw = width - m.l - m.r;
  const ph = height - m.t - m.b;
  // four grid steps of a round whole number each
  const maxBar = 4 * niceMax(Math.max(1, ...points.map((p) => p.signedOff)) / 4);
  const maxLine = 4 * niceMax(Math.max(1, ...points.map((p) => p.open)) / 4);
  const n = Math.max(1, points.length);
  const step = pw / n;
  const parts: string[] = [];
  // grid and axes
  for (let i = 0; i <= 4; i++) {
    const y = m.t + ph - (ph * i) / 4;
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${r1(y)}" y2="${r1(y)}" stroke="#e4e7ec"/>`);
    parts.push(`<text x="${m.l - 6}" y="${r1(y + 4)}" text-anchor="end" font-size="11" fill="${COLORS.done}">${Math.round((maxBar * i) / 4)}</text>`);
    parts.push(`<text x="${m.l + pw + 6}" y="${r1(y + 4)}" font-size="11" fill="${COLORS.line}">${Math.round((maxLine * i) / 4)}</text>`);
  }
  const pts: string[] = [];
  points.forEach((p, i) => {
    const cx = m.l + step * i + step / 2;
    const bh = (p.signedOff / maxBar) * ph;
    parts.push(`<rect x="${r1(cx - step * 0.3)}" y="${r1(m.t + ph - bh)}" width="${r1(step * 0.6)}" height="${r1(bh)}" fill="${COLORS.done}"><title>${escapeHtml(p.label)}：销号 ${p.signedOff}，未销号 ${p.open}</title></rect>`);
    parts.push(`<text x="${r1(cx)}" y="${m.t + ph + 16}" text-anchor="middle" font-size="11" fill="#475467">${escapeHtml(p.label)}</text>`);
    pts.push(`${r1(cx)},${r1(m.t + ph - (p.open / maxLine) * ph)}`);
  });
  if (pts.length) {
    parts.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${COLORS.line}" stroke-width="2.5"/>`);
    for (const p of pts) {
      const [x, y] = p.split(",");
      parts.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="#fff" stroke="${COLORS.line}" stroke-width="2"/>`);
    }
  }
  // legend
  parts.push(`<rect x="${m.l}" y="4" width="12" height="12" fill="${COLORS.done}"/><text x="${m.l + 16}" y="14" font-size="12" fill="#1f2328">每周销号数（左轴）</text>`);
  parts.push(`<line x1="${m.l + 150}" x2="${m.l + 170}" y1="10" y2="10" stroke="${COLORS.line}" stroke-width="2.5"/><text x="${m.l + 176}" y="14" font-size="12" fill="#1f2328">周末未销号数（右轴）</text>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${height - 6}" text-anchor="middle" font-size="11" fill="#667085">周（起始日）</text>`);
  return svg(width, height, opts.title, parts.join(""));
}

function svg(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px" role="img" aria-label="${escapeHtml(title)}" ${FONT}><title>${escapeHtml(title)}</title><rect width="${width}" height="${height}" fill="#fff"/>${body}</svg>`;
}

/** the smallest of 1, 2, 5 × 10^k (k ≥ 0) at or above v: a whole, round number */
export function niceMax(v: number): number {
  if (v <= 1) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const f of [1, 2, 5, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

/** rough width in px at 13px: CJK characters are wide, others narrow */
function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += ch.charCodeAt(0) > 0x2e80 ? 13 : 7.5;
  return w;
}

function clip(s: string, n: number): string {
  const a = [...s];
  return a.length > n ? a.slice(0, n - 1).join("") + "…" : s;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

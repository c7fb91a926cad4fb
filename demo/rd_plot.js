/**
 * Rate–distortion plot for the demo: one SVG per metric (PSNR in dB, SSIM), quality against bits per
 * pixel, one marker per point and a line per series. Plain SVG, no library. Every marker carries its
 * numbers in data attributes (`data-series`, `data-bpp`, `data-value`) so that tests and curious users
 * can read the plot back.
 * @module
 */

const SVG = "http://www.w3.org/2000/svg";
const W = 320;
const H = 210;
const PAD = { left: 46, right: 10, top: 10, bottom: 34 };

/** Colours and labels of the series (same order as drawn). */
export const SERIES_STYLE = {
  layers: { colour: "#1565c0", label: "quality layers of this codestream" },
  single: { colour: "#e65100", label: "each target as its own 1-layer codestream" },
};

function el(name, attrs = {}, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Round numbers for axis ticks covering [lo, hi] (about `count` of them). */
function ticks(lo, hi, count) {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * Draw `series` into the `<svg>` element `svg` (its content is replaced).
 *
 * @param svg - The target `<svg>`.
 * @param metric - `"psnr"` (dB; `Infinity` = exact, drawn at the top and labelled ∞) or `"ssim"`.
 * @param series - `{ layers: [{ bpp, value }], single?: [{ bpp, value }] }`.
 */
export function drawRdPlot(svg, metric, series) {
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const all = Object.values(series).flat().filter(Boolean);
  if (all.length === 0) return;
  const finite = all.map((p) => p.value).filter(Number.isFinite);
  let vLo = finite.length ? Math.min(...finite) : 0;
  let vHi = finite.length ? Math.max(...finite) : 1;
  const hasInfinite = all.some((p) => p.value === Infinity);
  if (metric === "ssim") {
    vHi = Math.min(1, vHi + 0.02);
    vLo = Math.max(-1, vLo - 0.02);
  } else {
    vLo = Math.floor(vLo - 1);
    vHi = Math.ceil(vHi + (hasInfinite ? 4 : 1));
  }
  const bppMax = Math.max(...all.map((p) => p.bpp)) * 1.08;
  const x = (bpp) => PAD.left + (bpp / bppMax) * (W - PAD.left - PAD.right);
  const y = (v) => PAD.top + (1 - ((v === Infinity ? vHi : v) - vLo) / (vHi - vLo || 1)) * (H - PAD.top - PAD.bottom);

  const axes = el("g", { class: "axes", stroke: "#999", fill: "none" });
  axes.append(el("line", { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom }));
  axes.append(el("line", { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom }));
  svg.append(axes);
  const labels = el("g", { "font-size": 10, fill: "#444" });
  for (const t of ticks(0, bppMax, 5)) {
    labels.append(el("text", { x: x(t), y: H - PAD.bottom + 12, "text-anchor": "middle" }, String(t)));
  }
  for (const t of ticks(vLo, vHi, 5)) {
    labels.append(el("text", { x: PAD.left - 4, y: y(t) + 3, "text-anchor": "end" }, metric === "ssim" ? t.toFixed(2) : String(t)));
  }
  labels.append(el("text", { x: (PAD.left + W - PAD.right) / 2, y: H - 4, "text-anchor": "middle" }, "bits per pixel"));
  labels.append(el("text", { x: 10, y: PAD.top + (H - PAD.top - PAD.bottom) / 2, "text-anchor": "middle", transform: `rotate(-90 10 ${PAD.top + (H - PAD.top - PAD.bottom) / 2})` }, metric === "ssim" ? "SSIM" : "PSNR dB"));
  svg.append(labels);

  // The 1-layer encodes first, as rings on a dashed line, so that the layers' dots stay visible on top.
  const order = Object.keys(series).sort((a, b) => (a === "single" ? -1 : b === "single" ? 1 : 0));
  for (const name of order) {
    const points = series[name];
    if (!points?.length) continue;
    const { colour } = SERIES_STYLE[name] ?? { colour: "#000" };
    const hollow = name === "single";
    const g = el("g", { class: `series series-${name}` });
    g.append(el("polyline", { points: points.map((p) => `${x(p.bpp)},${y(p.value)}`).join(" "), fill: "none", stroke: colour, "stroke-width": 1.5, ...(hollow ? { "stroke-dasharray": "4 3" } : {}) }));
    points.forEach((p, i) => {
      const marker = hollow ? { r: 6, fill: "none", stroke: colour, "stroke-width": 1.5 } : { r: 3.5, fill: colour };
      const c = el("circle", { cx: x(p.bpp), cy: y(p.value), ...marker, "data-series": name, "data-index": i, "data-bpp": p.bpp, "data-value": p.value });
      c.append(el("title", {}, `${SERIES_STYLE[name]?.label ?? name} #${i + 1}: ${p.bpp.toFixed(3)} bpp, ${metric === "ssim" ? p.value.toFixed(4) : p.value === Infinity ? "∞ dB (exact)" : `${p.value.toFixed(2)} dB`}`));
      g.append(c);
      if (p.value === Infinity) g.append(el("text", { x: x(p.bpp) + 5, y: y(p.value) + 4, "font-size": 10, fill: colour }, "∞"));
    });
    svg.append(g);
  }
}

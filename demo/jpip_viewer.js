/**
 * The JPIP demo viewer (served by `j2kit jpip serve` at /): pan (drag) and zoom (wheel, +/−) a
 * large JPEG 2000 image. Every move asks the server for the view-window the canvas shows — the
 * resolution that fills it (fsiz) and the visible region (roff/rsiz) — over one JPIP channel, and
 * draws each progressively better image j2kit decodes from the data-bins received so far. A new
 * view makes the server end the old response (EOR "window change"). The table lists the bytes
 * each view needed: data already in the cache is never sent again.
 * @module
 */
import { openJpip, EOR_REASON_NAMES } from "/dist/jpip/index.js";

const W = 768, H = 512;
const $ = (id) => document.getElementById(id);
const canvas = $("view");
const ctx = canvas.getContext("2d");

/** State for tests and curious people (window.j2kitJpip). */
const state = { target: null, views: [], current: null, finals: 0, lastError: null, info: null, busy: false };
window.j2kitJpip = state;

let client = null;
// view: resolution d (decomposition levels discarded) and the centre in full-resolution pixels
let d = 0, cx = 0, cy = 0;
let viewSeq = 0;

function status(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error-text", isError);
  if (isError) state.lastError = text;
}

function frame(level) {
  return state.info.frames[Math.min(level, state.info.levels)];
}

/** The window for the current view: fsiz = the frame at d, roff/rsiz = what the canvas shows of it. */
function windowNow() {
  const [fw, fh] = frame(d);
  const s = 2 ** d;
  const w = Math.min(W, fw), h = Math.min(H, fh);
  let x = Math.round(cx / s - w / 2), y = Math.round(cy / s - h / 2);
  x = Math.max(0, Math.min(fw - w, x));
  y = Math.max(0, Math.min(fh - h, y));
  cx = (x + w / 2) * s;
  cy = (y + h / 2) * s;
  return { fsiz: [fw, fh], roff: [x, y], rsiz: [w, h] };
}

function draw(image) {
  const { width, height, components, data, bitDepth } = image;
  const img = ctx.createImageData(width, height);
  const shift = Math.max(0, bitDepth - 8);
  for (let i = 0, p = 0; i < width * height; i++, p += 4) {
    if (components >= 3) {
      img.data[p] = data[i * components] >> shift;
      img.data[p + 1] = data[i * components + 1] >> shift;
      img.data[p + 2] = data[i * components + 2] >> shift;
    } else {
      const v = data[i * components] >> shift;
      img.data[p] = img.data[p + 1] = img.data[p + 2] = v;
    }
    img.data[p + 3] = 255;
  }
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, W, H);
  ctx.putImageData(img, Math.floor((W - width) / 2), Math.floor((H - height) / 2));
}

function row(v) {
  let tr = document.querySelector(`#views tr[data-view="${v.id}"]`);
  if (!tr) {
    tr = document.createElement("tr");
    tr.dataset.view = String(v.id);
    $("views").prepend(tr);
    while ($("views").children.length > 12) $("views").lastChild.remove();
  }
  tr.innerHTML = `<td>${v.id}</td><td>${v.fsiz.join("×")}</td><td>${v.rsiz.join("×")} at ${v.roff.join(",")}</td><td>${v.updates}</td><td>${v.bytes.toLocaleString()}</td><td>${v.eor ?? ""}</td>`;
}

function showStats() {
  const s = client.stats();
  $("stats").textContent =
    `image ${state.info.width}×${state.info.height}, ${state.info.components} component(s), ${state.info.levels} levels, ${state.info.layers} layers, ${state.info.tiles} tile(s)\n` +
    `channel ${client.channel ?? "-"}: ${s.requests} requests, ${s.bytes.toLocaleString()} bytes received, ${s.cached.toLocaleString()} bytes of data-bins cached`;
}

async function show() {
  if (!client) return;
  const id = ++viewSeq;
  const w = windowNow();
  const v = { id, fsiz: w.fsiz, roff: w.roff, rsiz: w.rsiz, updates: 0, bytes: 0, eor: null, final: false, complete: false };
  state.views.push(v);
  state.current = v;
  state.busy = true;
  row(v);
  status(`view ${id}: resolution ${w.fsiz.join("×")} …`);
  try {
    for await (const view of client.view(w)) {
      if (id !== viewSeq && !view.final) continue;
      v.updates++;
      v.bytes = view.bytes;
      if (id === viewSeq) draw(view.image);
      if (view.final) {
        v.final = true;
        v.complete = view.complete;
        v.eor = view.eor !== undefined ? EOR_REASON_NAMES[view.eor] : "none";
        if (id === viewSeq) {
          state.finals++;
          status(`view ${id}: ${view.complete ? "sharp" : view.error ?? "incomplete"} — ${view.bytes.toLocaleString()} bytes for this view`, !view.complete && !/superseded|window change/.test(view.error ?? ""));
        }
      } else if (id === viewSeq) {
        status(`view ${id}: sharpening… ${view.bytes.toLocaleString()} bytes so far`);
      }
      row(v);
      showStats();
    }
  } catch (e) {
    status(`view ${id}: ${e.message}`, true);
  } finally {
    if (id === viewSeq) state.busy = false;
  }
}

async function open(target) {
  if (client) await client.close();
  state.target = target;
  $("target").value = target;
  state.views = [];
  $("views").innerHTML = "";
  status(`opening ${target}…`);
  try {
    client = await openJpip(new URL(window.J2KIT_JPIP_PATH, location.href), { target, decodeEveryBytes: 48 * 1024, decodeEveryMs: 150 });
  } catch (e) {
    status(`cannot open ${target}: ${e.message}`, true);
    return;
  }
  state.info = client.info;
  // fit: the largest resolution whose frame fits the canvas
  d = state.info.levels;
  for (let k = 0; k <= state.info.levels; k++) {
    const [fw, fh] = frame(k);
    if (fw <= W && fh <= H) {
      d = k;
      break;
    }
  }
  cx = state.info.width / 2;
  cy = state.info.height / 2;
  showStats();
  await show();
}

function zoom(delta, atX = W / 2, atY = H / 2) {
  if (!state.info) return;
  const nd = Math.max(0, Math.min(state.info.levels, d - delta));
  if (nd === d) return;
  // keep the image point under (atX, atY) where it is
  const s = 2 ** d, ns = 2 ** nd;
  const px = cx + (atX - W / 2) * s, py = cy + (atY - H / 2) * s;
  cx = px - (atX - W / 2) * ns;
  cy = py - (atY - H / 2) * ns;
  d = nd;
  void show();
}

$("zoom-in").onclick = () => zoom(1);
$("zoom-out").onclick = () => zoom(-1);
$("home").onclick = () => state.target && open(state.target);
$("stage").addEventListener("wheel", (e) => {
  e.preventDefault();
  zoom(e.deltaY < 0 ? 1 : -1, e.offsetX, e.offsetY);
});
let drag = null;
$("stage").addEventListener("pointerdown", (e) => {
  drag = { x: e.clientX, y: e.clientY, cx, cy };
  $("stage").classList.add("dragging");
});
window.addEventListener("pointerup", (e) => {
  if (!drag) return;
  const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
  $("stage").classList.remove("dragging");
  const s = 2 ** d;
  cx = drag.cx - dx * s;
  cy = drag.cy - dy * s;
  drag = null;
  if (Math.abs(dx) + Math.abs(dy) > 2) void show();
});
/** Pan by (dx, dy) canvas pixels (tests and keyboard). */
state.pan = (dx, dy) => {
  const s = 2 ** d;
  cx += dx * s;
  cy += dy * s;
  return show();
};
window.addEventListener("keydown", (e) => {
  const step = 128;
  if (e.key === "ArrowLeft") void state.pan(-step, 0);
  else if (e.key === "ArrowRight") void state.pan(step, 0);
  else if (e.key === "ArrowUp") void state.pan(0, -step);
  else if (e.key === "ArrowDown") void state.pan(0, step);
  else if (e.key === "+") zoom(1);
  else if (e.key === "-") zoom(-1);
});

const targets = window.J2KIT_TARGETS || [];
for (const t of targets) {
  const o = document.createElement("option");
  o.value = o.textContent = t;
  $("target").append(o);
}
$("target").onchange = () => open($("target").value);
const wanted = new URL(location.href).searchParams.get("target");
if (wanted || targets.length) open(wanted ?? targets[0]);
else status("no JPEG 2000 files in the served folder", true);

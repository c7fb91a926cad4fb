/**
 * JPIP request fields (ISO/IEC 15444-9 Annex C) from a query string, checked: a malformed field is a
 * {@link JpipRequestError} with HTTP status 400 and a message naming the field; fields this server
 * does not know are ignored (C.1.2: a server ignores request fields it does not recognise). No
 * Node built-ins (the client formats requests with the same module).
 *
 * Supported: target, tid, cid, cnew, cclose, qid (C.2, C.3); fsiz (with round-up / round-down /
 * closest), roff, rsiz, comps, layers (C.4); len (C.6.1); type, wait (C.7); model, tpmodel, need
 * (C.8); preflen is accepted and ignored (no preference to act on). Cache-model items (C.8.1):
 * `[-]Hm`, `[-]H<t>`, `[-]P<i>`, `[-]T<t>`, `[-]M<i>`, with `*` for all of a class, `a-b` ranges
 * of identifiers, and `:<bytes>` or (precincts) `:L<layers>` for a prefix of the data-bin; a
 * codestream qualifier `[n]` applies to the items after it (only codestream 0 exists here).
 * @module
 */
import type { FsizRound, ViewWindow } from "./window.js";

/** A request error with the HTTP status it maps to. */
export class JpipRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "JpipRequestError";
  }
}

/** Data-bin classes as model items name them. */
export type ModelClass = "main" | "tileHeader" | "precinct" | "tile" | "meta";

/** One cache-model item (C.8.1). */
export interface ModelItem {
  subtract: boolean;
  cls: ModelClass;
  /** First and last identifier (inclusive); `all` for `*`. */
  from: number;
  to: number;
  all: boolean;
  /** Bytes of the data-bin held (prefix); undefined = all of it. */
  bytes?: number;
  /** Layers held (precincts, `:L<n>`). */
  layers?: number;
  /** Codestream the item applies to. */
  csn: number;
}

/** A tile-part the client holds (tpmodel). */
export interface TilePartItem {
  tile: number;
  part: number;
}

/** A parsed request. */
export interface JpipRequest {
  target?: string;
  tid?: string;
  cid?: string;
  cnew?: string[];
  cclose?: string[];
  qid?: number;
  window: ViewWindow;
  /** Requested return types in order of preference. */
  type?: Array<"jpp-stream" | "jpt-stream">;
  /** Maximum response bytes. */
  len?: number;
  wait?: boolean;
  model?: ModelItem[];
  need?: ModelItem[];
  tpmodel?: TilePartItem[];
}

const MAX_DIM = 2 ** 32;
const MAX_ID = 2 ** 53 - 1;

function bad(field: string, value: string, why: string): never {
  throw new JpipRequestError(400, `malformed '${field}' field '${value.length > 80 ? value.slice(0, 80) + "..." : value}': ${why}`);
}

function uint(field: string, raw: string, s: string, max = MAX_ID): number {
  if (!/^\d{1,16}$/.test(s)) bad(field, raw, `'${s}' is not an unsigned integer`);
  const v = Number(s);
  if (v > max) bad(field, raw, `${s} is above ${max}`);
  return v;
}

function pair(field: string, raw: string, min: number): [number, number] {
  const parts = raw.split(",");
  if (parts.length !== 2) bad(field, raw, "expected two comma-separated integers");
  const v = parts.map((p) => uint(field, raw, p, MAX_DIM)) as [number, number];
  if (v[0] < min || v[1] < min) bad(field, raw, `values must be at least ${min}`);
  return v;
}

/** `0-2,5` → [0, 1, 2, 5] (C.4.5), at most `limit` entries. */
function ranges(field: string, raw: string, limit: number): number[] {
  const out = new Set<number>();
  for (const item of raw.split(",")) {
    const m = /^(\d+)(?:-(\d*))?$/.exec(item);
    if (!m) bad(field, raw, `'${item}' is not a number or range`);
    const a = uint(field, raw, m[1]!, 65535);
    const b = m[2] === undefined ? a : m[2] === "" ? 65535 : uint(field, raw, m[2], 65535);
    if (b < a) bad(field, raw, `range ${item} is empty`);
    for (let i = a; i <= Math.min(b, a + limit); i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

const CLASS_LETTERS: Array<[string, ModelClass]> = [
  ["Hm", "main"],
  ["H", "tileHeader"],
  ["P", "precinct"],
  ["T", "tile"],
  ["M", "meta"],
];

/**
 * Most data-bins the explicit items (identifiers and ranges `a-b`, not `*`) of one `model` or `need`
 * field may name together: the server expands them one by one, so a field of many long ranges
 * would otherwise cost time and memory without bound. A client that holds more uses `*` items.
 */
export const MODEL_MAX_IDS = 1 << 20;
/** Most items of one `need` field: every data-bin a response considers is checked against each. */
export const NEED_MAX_ITEMS = 1024;
/** Most tile-parts one `tpmodel` field may name (its ranges are expanded). */
export const TPMODEL_MAX_PARTS = 1 << 16;

/** Parse a `model` / `need` value (C.8.1). */
export function parseModel(field: string, raw: string): ModelItem[] {
  const out: ModelItem[] = [];
  let csn = 0;
  let ids = 0;
  if (raw.length > 1 << 20) bad(field, raw.slice(0, 80), "longer than 1 MiB");
  for (let item of raw.split(",")) {
    if (item === "") continue;
    const q = /^\[(\d+)(?:-\d+)?\]/.exec(item);
    if (q) {
      csn = uint(field, raw, q[1]!);
      item = item.slice(q[0].length);
      if (item === "") continue;
    }
    let subtract = false;
    if (item.startsWith("-")) {
      subtract = true;
      item = item.slice(1);
    }
    const letter = CLASS_LETTERS.find(([l]) => item.startsWith(l));
    if (!letter) bad(field, raw, `'${item}' does not start with a data-bin class (Hm, H, P, T, M)`);
    const [l, cls] = letter;
    let rest = item.slice(l.length);
    let bytes: number | undefined;
    let layers: number | undefined;
    const colon = rest.indexOf(":");
    if (colon >= 0) {
      const q2 = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
      if (q2.startsWith("L")) {
        if (cls !== "precinct") bad(field, raw, `':L' applies to precinct data-bins only ('${item}')`);
        layers = uint(field, raw, q2.slice(1), 65535);
      } else bytes = uint(field, raw, q2);
    }
    if (cls === "main") {
      if (rest !== "") bad(field, raw, `'Hm' takes no identifier ('${item}')`);
      out.push({ subtract, cls, from: 0, to: 0, all: false, csn, ...(bytes !== undefined ? { bytes } : {}) });
      continue;
    }
    if (rest === "*") {
      out.push({ subtract, cls, from: 0, to: MAX_ID, all: true, csn, ...(bytes !== undefined ? { bytes } : {}), ...(layers !== undefined ? { layers } : {}) });
      continue;
    }
    const m = /^(\d+)(?:-(\d+))?$/.exec(rest);
    if (!m) bad(field, raw, `'${item}' needs an identifier, a range a-b or *`);
    const from = uint(field, raw, m[1]!);
    const to = m[2] !== undefined ? uint(field, raw, m[2]) : from;
    if (to < from) bad(field, raw, `range in '${item}' is empty`);
    ids += to - from + 1;
    if (ids > MODEL_MAX_IDS) bad(field, raw, `its items name more than ${MODEL_MAX_IDS} data-bins; use '*' items (e.g. P*) for a cache that large`);
    out.push({ subtract, cls, from, to, all: false, csn, ...(bytes !== undefined ? { bytes } : {}), ...(layers !== undefined ? { layers } : {}) });
  }
  return out;
}

/** Parse `tpmodel` (C.8.3): `t.p` items and `t.p-t.q` ranges of tile-parts. */
export function parseTpModel(raw: string): TilePartItem[] {
  const out: TilePartItem[] = [];
  for (const item of raw.split(",")) {
    if (item === "") continue;
    const m = /^(\d+)\.(\d+)(?:-(\d+)\.(\d+))?$/.exec(item);
    if (!m) bad("tpmodel", raw, `'${item}' is not t.p or t.p-t.q`);
    const t0 = uint("tpmodel", raw, m[1]!, 65535), p0 = uint("tpmodel", raw, m[2]!, 255);
    if (m[3] === undefined) {
      out.push({ tile: t0, part: p0 });
      continue;
    }
    const t1 = uint("tpmodel", raw, m[3], 65535), p1 = uint("tpmodel", raw, m[4]!, 255);
    if (t1 !== t0) bad("tpmodel", raw, `'${item}': a range stays within one tile`);
    if (p1 < p0) bad("tpmodel", raw, `range '${item}' is empty`);
    if (out.length + (p1 - p0 + 1) > TPMODEL_MAX_PARTS) bad("tpmodel", raw, `it names more than ${TPMODEL_MAX_PARTS} tile-parts`);
    for (let p = p0; p <= p1; p++) out.push({ tile: t0, part: p });
  }
  return out;
}

/** Parse the query string (without '?') of a JPIP request. */
export function parseRequest(query: string): JpipRequest {
  const fields = new Map<string, string>();
  for (const kv of query.split("&")) {
    if (kv === "") continue;
    const eq = kv.indexOf("=");
    const rawName = eq >= 0 ? kv.slice(0, eq) : kv;
    const rawValue = eq >= 0 ? kv.slice(eq + 1) : "";
    let name: string, value: string;
    try {
      name = decodeURIComponent(rawName);
      value = decodeURIComponent(rawValue.replace(/\+/g, " "));
    } catch {
      throw new JpipRequestError(400, `invalid percent-encoding in '${kv.slice(0, 80)}'`);
    }
    if (fields.has(name)) throw new JpipRequestError(400, `field '${name}' appears twice (C.1.2: each field at most once)`);
    fields.set(name, value);
  }
  const req: JpipRequest = { window: {} };
  const get = (k: string) => fields.get(k);
  const target = get("target");
  if (target !== undefined) {
    if (target === "") bad("target", target, "empty");
    req.target = target;
  }
  const tid = get("tid");
  if (tid !== undefined) {
    if (!/^[\x21-\x7e]{1,255}$/.test(tid)) bad("tid", tid, "a target id is 1-255 visible ASCII characters");
    req.tid = tid;
  }
  const cid = get("cid");
  if (cid !== undefined) {
    if (!/^[\x21-\x7e]{1,255}$/.test(cid)) bad("cid", cid, "a channel id is 1-255 visible ASCII characters");
    req.cid = cid;
  }
  const cnew = get("cnew");
  if (cnew !== undefined) {
    const list = cnew.split(",");
    if (list.some((t) => !/^[a-z-]+$/.test(t))) bad("cnew", cnew, "expected transport names, e.g. http");
    req.cnew = list;
  }
  const cclose = get("cclose");
  if (cclose !== undefined) {
    const list = cclose.split(",");
    if (list.some((t) => !/^[\x21-\x2b\x2d-\x7e]{1,255}$/.test(t))) bad("cclose", cclose, "expected channel ids or *");
    req.cclose = list;
  }
  const qid = get("qid");
  if (qid !== undefined) req.qid = uint("qid", qid, qid);
  const fsiz = get("fsiz");
  if (fsiz !== undefined) {
    const parts = fsiz.split(",");
    let round: FsizRound = "round-down";
    if (parts.length === 3) {
      const r = parts.pop()!;
      if (r !== "round-down" && r !== "round-up" && r !== "closest") bad("fsiz", fsiz, `rounding '${r}' is not round-down, round-up or closest`);
      round = r;
    }
    req.window.fsiz = pair("fsiz", parts.join(","), 1);
    req.window.round = round;
  }
  const roff = get("roff");
  if (roff !== undefined) req.window.roff = pair("roff", roff, 0);
  const rsiz = get("rsiz");
  if (rsiz !== undefined) req.window.rsiz = pair("rsiz", rsiz, 1);
  if ((roff !== undefined || rsiz !== undefined) && fsiz === undefined) throw new JpipRequestError(400, "roff and rsiz need fsiz (C.4.3, C.4.4: they are relative to the frame size)");
  const comps = get("comps");
  if (comps !== undefined) req.window.comps = ranges("comps", comps, 16384);
  const layers = get("layers");
  if (layers !== undefined) req.window.layers = uint("layers", layers, layers, 65535);
  const type = get("type");
  if (type !== undefined) {
    const wanted: Array<"jpp-stream" | "jpt-stream"> = [];
    for (const t of type.split(",")) {
      const base = t.split(";")[0]!.trim();
      if (base === "jpp-stream" || base === "jpt-stream") wanted.push(base);
    }
    if (wanted.length === 0) throw new JpipRequestError(415, `none of the return types '${type}' is supported: this server sends jpp-stream and jpt-stream`);
    req.type = wanted;
  }
  const len = get("len");
  if (len !== undefined) req.len = uint("len", len, len);
  const wait = get("wait");
  if (wait !== undefined) {
    if (wait !== "yes" && wait !== "no") bad("wait", wait, "expected yes or no");
    req.wait = wait === "yes";
  }
  const model = get("model");
  if (model !== undefined) req.model = parseModel("model", model);
  const need = get("need");
  if (need !== undefined) {
    req.need = parseModel("need", need);
    if (req.need.length > NEED_MAX_ITEMS) bad("need", need, `more than ${NEED_MAX_ITEMS} items; use ranges a-b or '*'`);
  }
  const tpmodel = get("tpmodel");
  if (tpmodel !== undefined) req.tpmodel = parseTpModel(tpmodel);
  return req;
}

/** Format a view-window (and other fields) as a query string, for clients. */
export function formatRequest(fields: Record<string, string | number | undefined>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v)).replace(/%2C/g, ",")}`)
    .join("&");
}

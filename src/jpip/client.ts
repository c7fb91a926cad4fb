/**
 * `openJpip(url, { target })`: a JPIP client for Node and browsers (fetch + streams, no Node
 * built-ins). It opens a channel (`cnew=http`), keeps a data-bin cache, and for every view-window
 * streams the server's JPP-stream into the cache while decoding progressively better images of
 * the window with j2kit (a legal codestream rebuilt from the cache: rebuild.ts).
 *
 * ```ts
 * const jpip = await openJpip("http://host:8090/jpip", { target: "big.jp2" });
 * for await (const view of jpip.view({ fsiz: [1024, 1024], roff: [256, 256], rsiz: [512, 512] })) {
 *   draw(view.image);               // coarse first, sharper as data arrives; view.final at the end
 * }
 * ```
 *
 * One channel carries every request; asking for a new window while one streams makes the server
 * end the old response with EOR "window change" (15444-9 D.3) — the client reads it to its end (so
 * the server's cache model stays true), stops decoding it, and its iterator ends. A connection that
 * breaks mid-stream leaves the iterator with the best image the data received decodes to
 * (`complete: false`, `error`). A channel the server no longer knows is reopened with the cache
 * described in a `model` field.
 * @module
 */
import { J2kError } from "../errors.js";
import { decode } from "../decode.js";
import type { DecodeOptions, DecodedImage } from "../types.js";
import { DataBinCache } from "./cache.js";
import { EOR_REASON_NAMES, EorReason, MessageParser } from "./messages.js";
import { CodestreamBuilder } from "./rebuild.js";
import { formatRequest } from "./request.js";
import { frameSize, maxReduce, resolveWindow, windowTiles, type ResolvedWindow, type ViewWindow } from "./window.js";

/** Options of {@link openJpip}. */
export interface JpipClientOptions {
  /** The target (a file name on the server). */
  target: string;
  /** `fetch` to use (default the global one). */
  fetch?: typeof fetch;
  /** Request a JPT-stream instead of a JPP-stream. */
  type?: "jpp-stream" | "jpt-stream";
  /** Decode again once this many new bytes arrived (default 64 KiB), and at the end. */
  decodeEveryBytes?: number;
  /** Also decode again after this many ms with new data (default 250). */
  decodeEveryMs?: number;
  /**
   * Keep decoding from taking more than about this share of the time while data streams in
   * (default 0.5: after a decode that took t ms, the next waits at least t ms). 1 turns the wait off,
   * so intermediate images follow `decodeEveryBytes` / `decodeEveryMs` alone.
   */
  maxDecodeShare?: number;
  /** Decoder (default j2kit's `decode`): e.g. a worker-backed one in a browser. */
  decoder?: (file: Uint8Array, options: DecodeOptions) => DecodedImage | Promise<DecodedImage>;
  /** Use a channel (session) — default true; false sends stateless requests with a `model` field. */
  channel?: boolean;
  /** Further decode options (e.g. `layout`, `limits`); region, reduce, layers and components come from the window. */
  decodeOptions?: Omit<DecodeOptions, "region" | "reduce" | "layers" | "components">;
  /** Called with every chunk of every response body as received (e.g. to save the JPP-stream). */
  onStream?: (chunk: Uint8Array) => void;
  /**
   * Bound on the bytes the data-bin cache may take (default 512 MiB): past it the view ends with a
   * J2kError LIMIT_MEMORY instead of the server's data growing the cache without end.
   */
  maxCacheBytes?: number;
}

/** One image of a view (see {@link JpipClient.view}). */
export interface JpipView {
  image: DecodedImage;
  /** The window as the server resolved it (resolution, region in that resolution's frame). */
  window: ResolvedWindow;
  /** Response bytes received for this view so far. */
  bytes: number;
  /** The last image of this view. */
  final: boolean;
  /** The response ended normally (EOR window done / image done) and every data-bin needed was complete. */
  complete: boolean;
  /** EOR reason code (15444-9 D.3) of the response, when it ended with one. */
  eor?: number;
  /** Why the view ended early (network failure, superseded by a newer view). */
  error?: string;
  /** Packets taken from the cache and left empty in the decoded codestream. */
  packets: number;
  emptyPackets: number;
}

/** Traffic of a client. */
export interface JpipClientStats {
  requests: number;
  /** Bytes of all response bodies. */
  bytes: number;
  /** Data-bin bytes held in the cache. */
  cached: number;
}

/** Parse a JPIP-cnew value: `cid=...,path=...,transport=http`. */
export function parseCnew(value: string): { cid?: string; path?: string; transport?: string } {
  const out: Record<string, string> = {};
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** A JPIP client bound to one target (see the module description). */
export class JpipClient {
  readonly cache: DataBinCache;
  readonly builder: CodestreamBuilder;
  private cid?: string;
  private base: URL;
  private tid?: string;
  private generation = 0;
  /** Aborts the response of the view being streamed (stateless requests: see {@link view}). */
  private current?: AbortController;
  private readonly stats_: JpipClientStats = { requests: 0, bytes: 0, cached: 0 };

  /** @internal use {@link openJpip} */
  constructor(
    url: string | URL,
    readonly options: JpipClientOptions,
  ) {
    this.base = new URL(String(url));
    this.cache = new DataBinCache(options.maxCacheBytes);
    this.builder = new CodestreamBuilder(this.cache);
  }

  /** Traffic so far. */
  stats(): JpipClientStats {
    return { ...this.stats_, cached: this.cache.received };
  }

  /** Channel id, once the server gave one. */
  get channel(): string | undefined {
    return this.cid;
  }

  /** Image size, levels, layers, components, tiles (from the main header). */
  get info(): { width: number; height: number; components: number; levels: number; layers: number; tiles: number; frames: Array<[number, number]> } {
    const main = this.builder.main();
    if (!main) throw new J2kError("INVALID_ARGUMENT", "the main header has not arrived yet");
    const levels = maxReduce(main);
    return {
      width: main.siz.Xsiz - main.siz.XOsiz,
      height: main.siz.Ysiz - main.siz.YOsiz,
      components: main.siz.components.length,
      levels,
      layers: main.global.layers,
      tiles: main.siz.numTiles,
      frames: Array.from({ length: levels + 1 }, (_, d) => frameSize(main, d)),
    };
  }

  private fetcher(): typeof fetch {
    const f = this.options.fetch ?? globalThis.fetch;
    if (!f) throw new J2kError("INVALID_ARGUMENT", "no fetch() available: pass options.fetch");
    return f;
  }

  /** Query fields of a window request. */
  private fields(w: ViewWindow | undefined, extra: Record<string, string | number | undefined> = {}): Record<string, string | number | undefined> {
    const f: Record<string, string | number | undefined> = {};
    const useChannel = this.options.channel !== false;
    if (this.cid && useChannel) f.cid = this.cid;
    else {
      f.target = this.options.target;
      if (useChannel) f.cnew = "http";
    }
    if (this.tid) f.tid = this.tid;
    f.type = this.options.type ?? "jpp-stream";
    if (w?.fsiz) f.fsiz = `${w.fsiz[0]},${w.fsiz[1]}${w.round && w.round !== "round-down" ? "," + w.round : ""}`;
    if (w?.roff) f.roff = `${w.roff[0]},${w.roff[1]}`;
    if (w?.rsiz) f.rsiz = `${w.rsiz[0]},${w.rsiz[1]}`;
    if (w?.layers) f.layers = w.layers;
    if (w?.comps) f.comps = w.comps.join(",");
    if (!useChannel || !this.cid) {
      const model = this.cache.modelField();
      if (model) f.model = model;
    }
    return { ...f, ...extra };
  }

  /** Send one request; the response (headers checked; channel and tid taken). */
  private async send(fields: Record<string, string | number | undefined>, signal?: AbortSignal): Promise<Response> {
    const url = new URL(this.base);
    url.search = formatRequest(fields);
    this.stats_.requests++;
    let res: Response | undefined;
    // one retry when no response came at all (a kept-alive connection the server closed as it was reused)
    for (let attempt = 0; !res; attempt++) {
      try {
        res = await this.fetcher()(url, signal ? { signal } : {});
      } catch (e) {
        if (attempt >= 1 || signal?.aborted) throw new J2kError("JPIP_REQUEST_FAILED", `cannot reach the JPIP server at ${this.base.origin}: ${(e as Error)?.message ?? e}`, { cause: e });
      }
    }
    if (res.status !== 200) {
      const text = (await res.text().catch(() => "")).trim().slice(0, 300);
      if (res.status === 400 && fields.cid !== undefined && /channel/.test(text)) {
        // the server forgot the channel (restart, expiry): open a new one, telling it what we hold
        this.cid = undefined;
        return this.send(this.fields(undefined, { ...fields, cid: undefined, target: this.options.target, cnew: this.options.channel === false ? undefined : "http", model: this.cache.modelField() || undefined }), signal);
      }
      throw new J2kError("JPIP_REQUEST_FAILED", `JPIP server answered ${res.status}: ${text || res.statusText}`);
    }
    const tid = res.headers.get("JPIP-tid");
    if (tid) {
      if (this.tid && tid !== this.tid) {
        // the target changed on the server: what we hold is stale
        this.cache.clear();
        this.builder.reset();
      }
      this.tid = tid;
    }
    const cnew = res.headers.get("JPIP-cnew");
    if (cnew) {
      const c = parseCnew(cnew);
      if (c.cid && (c.transport ?? "http") === "http") {
        this.cid = c.cid;
        if (c.path) this.base = new URL("/" + c.path.replace(/^\/+/, ""), this.base);
      }
    }
    return res;
  }

  /** Read a response body into the cache; `onData` after each chunk. Returns the EOR reason. */
  private async consume(res: Response, onData: (bytes: number) => Promise<void> | void): Promise<{ eor?: number; error?: string; bytes: number }> {
    const parser = new MessageParser();
    let eor: number | undefined;
    let bytes = 0;
    const body = res.body;
    if (!body) {
      const all = new Uint8Array(await res.arrayBuffer());
      this.options.onStream?.(all);
      bytes = all.length;
      this.stats_.bytes += all.length;
      for (const m of parser.push(all)) {
        if (m.kind === "eor") eor = m.reason;
        else this.cache.add(m);
      }
      await onData(bytes);
      return { ...(eor !== undefined ? { eor } : {}), bytes };
    }
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.options.onStream?.(value);
        bytes += value.length;
        this.stats_.bytes += value.length;
        for (const m of parser.push(value)) {
          if (m.kind === "eor") eor = m.reason;
          else this.cache.add(m);
        }
        await onData(bytes);
      }
    } catch (e) {
      return { ...(eor !== undefined ? { eor } : {}), error: `the response broke off after ${bytes} bytes: ${(e as Error)?.message ?? e}`, bytes };
    }
    if (eor === undefined) return { error: `the response ended after ${bytes} bytes without an EOR message${parser.pending ? ` (${parser.pending} bytes of a message cut off)` : ""}`, bytes };
    return { eor, bytes };
  }

  /** Open: the main header and metadata (no image data). */
  async open(): Promise<void> {
    const res = await this.send(this.fields(undefined));
    const r = await this.consume(res, () => undefined);
    if (r.error) throw new J2kError("JPIP_REQUEST_FAILED", r.error);
    if (!this.builder.main()) throw new J2kError("JPIP_STREAM_INVALID", "the server's first response did not hold the main header data-bin");
  }

  /**
   * Stream a view-window: yields an image after the first useful data and then each time enough
   * new data arrived; the last one has `final: true`. A newer `view()` call ends this one early
   * (its last image says `error: "superseded by a newer view"`): on a channel the server ends the
   * response, without one the client drops its connection.
   */
  async *view(window: ViewWindow): AsyncGenerator<JpipView> {
    const main = this.builder.main() ?? (await this.open(), this.builder.main()!);
    const gen = ++this.generation;
    // the window moved: a response still streaming is outdated. On a channel the server ends it
    // (EOR "window change") as this request arrives and keeps its cache model exact; without a
    // channel nothing would end it, so the client drops the connection.
    if (!this.cid) this.current?.abort();
    const abort = new AbortController();
    this.current = abort;
    const rw = resolveWindow(main, window);
    const decodeEvery = this.options.decodeEveryBytes ?? 65536;
    const every = this.options.decodeEveryMs ?? 250;
    const share = Math.min(1, Math.max(0.01, this.options.maxDecodeShare ?? 0.5));
    let res: Response;
    try {
      res = await this.send(this.fields(window, this.cid ? { wait: "no" } : {}), abort.signal);
    } catch (e) {
      if (abort.signal.aborted) return; // superseded before its response began: no image
      throw e;
    }
    let lastVersion = -1, lastBytes = 0, lastTime = Date.now(), lastDecodeMs = 0;
    const pending: JpipView[] = [];
    const decodeNow = async (bytes: number, final: boolean, extra: Partial<JpipView>): Promise<JpipView | undefined> => {
      if (rw.empty) return undefined;
      const tiles = windowTiles(main, rw);
      const rebuilt = this.builder.build(tiles);
      if (!rebuilt || rebuilt.tiles.length < tiles.length) return undefined;
      lastVersion = this.cache.version;
      lastBytes = bytes;
      lastTime = Date.now();
      const opts: DecodeOptions = { ...this.options.decodeOptions, reduce: rw.reduce, region: rw.region, ...(rw.layers ? { layers: rw.layers } : {}), ...(rw.comps ? { components: rw.comps } : {}), ...(rebuilt.partial ? { allowPartial: true } : {}) };
      const t0 = Date.now();
      const image = await (this.options.decoder ?? decode)(rebuilt.file, opts);
      lastDecodeMs = Date.now() - t0;
      lastTime = Date.now();
      return { image, window: rw, bytes, final, complete: false, packets: rebuilt.packets, emptyPackets: rebuilt.emptyPackets, ...extra };
    };
    let wake: (() => void) | undefined;
    let result: { eor?: number; error?: string; bytes: number } | undefined;
    let failure: unknown;
    const reading = this.consume(res, async (bytes) => {
      if (gen !== this.generation) return; // superseded: keep reading (the server ends it), stop decoding
      if (this.cache.version === lastVersion) return;
      const since = Date.now() - lastTime;
      if (bytes - lastBytes < decodeEvery && since < every) return;
      // never spend more than about maxDecodeShare of the time decoding (by default wait as long as the last decode took)
      if (share < 1 && since < (lastDecodeMs * (1 - share)) / share) return;
      const v = await decodeNow(bytes, false, {});
      if (v) {
        pending.push(v);
        wake?.();
      }
    }).then(
      (r) => {
        result = r;
        wake?.();
      },
      (e: unknown) => {
        failure = e;
        result = { error: String((e as Error)?.message ?? e), bytes: 0 };
        wake?.();
      },
    );
    // hand out images while the response streams
    for (;;) {
      if (pending.length) {
        yield pending.shift()!;
        continue;
      }
      if (result) break;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
    await reading;
    if (this.current === abort) this.current = undefined;
    if (failure instanceof J2kError && failure.code === "JPIP_STREAM_INVALID") throw failure;
    if (!result) throw new J2kError("INTERNAL", "response reading ended without a result");
    const superseded = gen !== this.generation || result.eor === EorReason.WINDOW_CHANGE;
    const ok = result.eor === EorReason.WINDOW_DONE || result.eor === EorReason.IMAGE_DONE;
    const extra: Partial<JpipView> = {
      ...(result.eor !== undefined ? { eor: result.eor } : {}),
      ...(result.error ? { error: result.error } : !ok && result.eor !== undefined ? { error: `the server ended the response: ${EOR_REASON_NAMES[result.eor] ?? result.eor}` } : {}),
    };
    if (superseded && (!extra.error || abort.signal.aborted)) extra.error = "superseded by a newer view";
    const last = await decodeNow(result.bytes, true, extra);
    if (last) {
      last.complete = ok && !superseded && !result.error;
      yield last;
    }
  }

  /** The final image of a window (all its data). */
  async fetchWindow(window: ViewWindow): Promise<JpipView> {
    let last: JpipView | undefined;
    for await (const v of this.view(window)) last = v;
    if (!last) throw new J2kError("JPIP_STREAM_INVALID", "the window produced no image (empty region, or the server sent no main header)");
    return last;
  }

  /** Close the channel on the server (cclose). */
  async close(): Promise<void> {
    if (!this.cid) return;
    const cid = this.cid;
    this.cid = undefined;
    try {
      const res = await this.send({ cid, cclose: cid, type: this.options.type ?? "jpp-stream" });
      await res.arrayBuffer();
    } catch {
      // the channel is gone either way
    }
  }
}

/** Open a JPIP target: creates the channel and fetches the main header (and JP2 metadata). */
export async function openJpip(url: string | URL, options: JpipClientOptions): Promise<JpipClient> {
  if (!options || typeof options.target !== "string" || options.target === "") throw new J2kError("INVALID_ARGUMENT", "openJpip needs { target: 'name of the file on the server' }");
  const c = new JpipClient(url, options);
  await c.open();
  return c;
}

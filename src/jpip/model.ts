/**
 * The server's cache model of a client (ISO/IEC 15444-9 B.3): for every data-bin, how many of its
 * first bytes the client holds. A session keeps one across requests so that nothing is sent twice;
 * a stateless request builds one from its `model` field. Additions are journalled per response so
 * that a response the client did not receive whole (connection closed) can be taken back.
 * @module
 */
import { JpipRequestError, type ModelClass, type ModelItem } from "./request.js";

const COMPLETE = Number.POSITIVE_INFINITY;

/**
 * Most data-bins with an explicit entry that `model` fields may give one cache model (a session's
 * grows request by request): each costs memory for the life of the session. Entries the server adds
 * for what it sent are not counted against it (they are bounded by the target).
 */
export const MODEL_MAX_ENTRIES = 1 << 20;

/** The cache model (see the module description). */
export class CacheModel {
  /** Bytes held per data-bin key; Infinity = the whole data-bin. */
  private held = new Map<string, number>();
  /** Precinct layers held (`:L<n>` items), resolved against the packet lengths when known. */
  private heldLayers = new Map<string, number>();
  /** Classes declared held entirely (`*`), with exceptions subtracted afterwards. */
  private allOf = new Map<ModelClass, { bytes?: number; layers?: number; except: Set<number> }>();
  private journal: Array<[string, number | undefined]> | undefined;

  private static key(cls: ModelClass, id: number): string {
    return `${cls}:${id}`;
  }

  /** Apply model items (C.8.1: additive and subtractive). Items for other codestreams are ignored. */
  apply(items: readonly ModelItem[]): void {
    let adds = 0;
    for (const it of items) if (it.csn === 0 && !it.all && !it.subtract && it.to - it.from <= 1 << 20) adds += it.to - it.from + 1;
    if (adds > 0 && this.held.size + this.heldLayers.size + adds > MODEL_MAX_ENTRIES) {
      throw new JpipRequestError(400, `malformed 'model' field: the cache model would hold more than ${MODEL_MAX_ENTRIES} data-bins with entries of their own; use '*' items (e.g. P*) or a new channel`);
    }
    for (const it of items) {
      if (it.csn !== 0) continue;
      if (it.all) {
        if (it.subtract) this.allOf.delete(it.cls);
        else this.allOf.set(it.cls, { ...(it.bytes !== undefined ? { bytes: it.bytes } : {}), ...(it.layers !== undefined ? { layers: it.layers } : {}), except: new Set() });
        if (it.subtract) for (const k of [...this.held.keys()]) if (k.startsWith(it.cls + ":")) this.held.delete(k);
        continue;
      }
      const span = it.to - it.from;
      if (span > 1 << 20) continue; // a range this long only makes sense as '*'
      for (let id = it.from; id <= it.to; id++) {
        const k = CacheModel.key(it.cls, id);
        if (it.subtract) {
          this.held.delete(k);
          this.heldLayers.delete(k);
          this.allOf.get(it.cls)?.except.add(id);
        } else if (it.layers !== undefined) {
          this.heldLayers.set(k, Math.max(it.layers, this.heldLayers.get(k) ?? 0));
        } else {
          this.held.set(k, Math.max(it.bytes ?? COMPLETE, this.held.get(k) ?? 0));
        }
      }
    }
  }

  /**
   * Bytes of data-bin (cls, id) the client holds. `layerStart` (precincts) converts layers held
   * into bytes: layer l starts at layerStart[l].
   */
  bytes(cls: ModelClass, id: number, layerStart?: readonly number[]): number {
    const k = CacheModel.key(cls, id);
    let v = this.held.get(k) ?? 0;
    const toBytes = (layers: number) => (layerStart ? layerStart[Math.min(layers, layerStart.length - 1)]! : 0);
    const l = this.heldLayers.get(k);
    if (l !== undefined) v = Math.max(v, toBytes(l));
    const all = this.allOf.get(cls);
    if (all && !all.except.has(id)) v = Math.max(v, all.layers !== undefined ? toBytes(all.layers) : all.bytes ?? COMPLETE);
    return v;
  }

  /** Record that the client now holds the first `end` bytes of (cls, id) (Infinity: all). */
  add(cls: ModelClass, id: number, end: number): void {
    const k = CacheModel.key(cls, id);
    const before = this.held.get(k);
    if (before !== undefined && before >= end) return;
    this.journal?.push([k, before]);
    this.held.set(k, end);
  }

  /** Start journalling additions (one response). */
  begin(): void {
    this.journal = [];
  }

  /** Keep the journalled additions. */
  commit(): void {
    this.journal = undefined;
  }

  /** Undo the journalled additions (the client may not have received them). */
  rollback(): void {
    const j = this.journal;
    this.journal = undefined;
    if (!j) return;
    for (let i = j.length - 1; i >= 0; i--) {
      const [k, v] = j[i]!;
      if (v === undefined) this.held.delete(k);
      else this.held.set(k, v);
    }
  }

  /** Forget everything (the target changed). */
  clear(): void {
    this.held.clear();
    this.heldLayers.clear();
    this.allOf.clear();
  }

  /** Number of data-bins with an explicit entry. */
  get size(): number {
    return this.held.size;
  }
}

/** Does a `need` list name data-bin (cls, id)? */
export function needs(items: readonly ModelItem[], cls: ModelClass, id: number): boolean {
  let yes = false;
  for (const it of items) {
    if (it.csn !== 0 || it.cls !== cls) continue;
    if (it.all || (id >= it.from && id <= it.to)) yes = !it.subtract;
  }
  return yes;
}

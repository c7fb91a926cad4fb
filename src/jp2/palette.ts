/**
 * From decoded codestream components to image channels (ISO/IEC 15444-1 I.5.3.4 - I.5.3.6):
 * palette expansion through the component mapping, then channel order and roles from the
 * channel definitions.
 *
 * These functions work on the component planes the decoder produces before packing (one
 * Int32Array per component, row-major). They never modify their inputs. Planes that pass through
 * unchanged are returned as the same Int32Array objects (no copy); palette-expanded planes are new.
 * @module
 */

import { J2kError } from "../errors.js";
import { readIccHeader, iccColorChannels } from "./icc.js";
import { enumeratedColorChannels } from "./read.js";
import type { ChannelDefinition, ColorSpecification, ComponentDepth, ComponentMapping, Palette } from "./types.js";

/** Options of {@link applyPalette}. */
export interface ApplyPaletteOptions {
  /** Return the codestream components as they are (palette indices) instead of expanding them. */
  indices?: boolean;
  /** Depth and sign of each codestream component (from SIZ); carried to directly mapped channels. */
  componentDepths?: ComponentDepth[];
}

/** Channels after palette expansion / component mapping. */
export interface MappedChannels {
  /** One plane per channel. */
  planes: Int32Array[];
  /** Depth and sign per channel (palette columns for expanded channels), when known. */
  depths: Array<ComponentDepth | undefined>;
  /** True when the palette was applied. */
  expanded: boolean;
}

/**
 * Apply the component mapping (cmap) and palette (pclr) to decoded component planes (I.5.3.4,
 * I.5.3.5). Channel i of the result is component `mapping[i].component`, either directly
 * (MTYP 0) or looked up in palette column `mapping[i].paletteColumn` (MTYP 1). Indices outside
 * the palette are clamped to its first / last entry. Without a mapping, or with
 * `options.indices`, the components are returned as they are.
 * @throws {J2kError} CONTAINER_INVALID when the mapping names a component or palette column that
 *   does not exist.
 */
export function applyPalette(
  planes: readonly Int32Array[],
  palette: Palette | undefined,
  mapping: readonly ComponentMapping[] | undefined,
  options: ApplyPaletteOptions = {},
): MappedChannels {
  const given = (i: number): ComponentDepth | undefined => options.componentDepths?.[i];
  if (!mapping || options.indices) {
    return { planes: [...planes], depths: planes.map((_, i) => given(i)), expanded: false };
  }
  const out: Int32Array[] = [];
  const depths: Array<ComponentDepth | undefined> = [];
  mapping.forEach((m, i) => {
    const src = planes[m.component];
    if (!src) {
      throw new J2kError("CONTAINER_INVALID", `component mapping entry ${i} names component ${m.component}, but the codestream has ${planes.length}`);
    }
    if (m.type === 0) {
      out.push(src);
      depths.push(given(m.component));
      return;
    }
    if (!palette || m.paletteColumn >= palette.columns) {
      throw new J2kError(
        "CONTAINER_INVALID",
        `component mapping entry ${i} uses palette column ${m.paletteColumn}, but the palette has ${palette?.columns ?? 0} columns`,
      );
    }
    out.push(expand(src, palette.values[m.paletteColumn]!));
    depths.push({ bitDepth: palette.bitDepths[m.paletteColumn]!, signed: palette.signed[m.paletteColumn]! });
  });
  return { planes: out, depths, expanded: true };
}

function expand(indices: Int32Array, lut: Int32Array): Int32Array {
  const out = new Int32Array(indices.length);
  const last = lut.length - 1;
  for (let p = 0; p < indices.length; p++) {
    const k = indices[p]!;
    out[p] = lut[k < 0 ? 0 : k > last ? last : k]!;
  }
  return out;
}

/** What an output channel is (Table I.16 channel types). */
export type ChannelRole = "color" | "opacity" | "premultiplied-opacity" | "unspecified";

/** One output channel of {@link orderChannels}. */
export interface ChannelInfo {
  /** Index of the input channel (after palette expansion) this output channel is. */
  source: number;
  role: ChannelRole;
  /** Asoc: colour index 1..n, 0 = the whole image, 65535 = none. */
  association: number;
}

/** Result of {@link orderChannels}. */
export interface OrderedChannels<T> {
  /** The planes in output order: colour channels by colour index, then the others in input order. */
  planes: T[];
  /** Role of each output channel. */
  channels: ChannelInfo[];
  /** How many output channels (the first ones) are colour channels. */
  colorChannels: number;
  /** Output index of the opacity channel for the whole image (Asoc 0), or -1. */
  alpha: number;
}

const ROLES: Record<number, ChannelRole> = { 0: "color", 1: "opacity", 2: "premultiplied-opacity" };

/**
 * Order channels by their definitions (cdef, I.5.3.6) and say what each is.
 *
 * With a cdef: each channel takes the role of its first definition (channels without one are
 * "unspecified", association 65535). Output: colour channels with a colour index (Asoc 1..65534),
 * sorted by it; then colour channels with Asoc 0 or 65535; then every other channel in input
 * order. Without a cdef: the first `colorCount` channels are colour channels 1..colorCount in
 * order, the rest are "unspecified".
 * @throws {J2kError} CONTAINER_INVALID when a definition names a channel that does not exist.
 */
export function orderChannels<T>(planes: readonly T[], definitions: readonly ChannelDefinition[] | undefined, colorCount: number): OrderedChannels<T> {
  const n = planes.length;
  const info: ChannelInfo[] = [];
  if (!definitions) {
    for (let i = 0; i < n; i++) {
      info.push(i < colorCount ? { source: i, role: "color", association: i + 1 } : { source: i, role: "unspecified", association: 65535 });
    }
  } else {
    const byChannel = new Map<number, ChannelDefinition>();
    for (const d of definitions) {
      if (d.channel >= n) {
        throw new J2kError("CONTAINER_INVALID", `the channel definition box describes channel ${d.channel}, but the image has ${n} channels`);
      }
      if (!byChannel.has(d.channel)) byChannel.set(d.channel, d);
    }
    for (let i = 0; i < n; i++) {
      const d = byChannel.get(i);
      info.push(d ? { source: i, role: ROLES[d.type] ?? "unspecified", association: d.association } : { source: i, role: "unspecified", association: 65535 });
    }
  }
  const rank = (c: ChannelInfo): number => {
    if (c.role !== "color") return 2;
    return c.association >= 1 && c.association < 65535 ? 0 : 1;
  };
  // Stable sort: colour by index, then unindexed colour, then the rest in input order.
  const order = info
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || (rank(a.c) === 0 ? a.c.association - b.c.association : 0) || a.i - b.i)
    .map((x) => x.c);
  return {
    planes: order.map((c) => planes[c.source]!),
    channels: order,
    colorChannels: order.filter((c) => c.role === "color").length,
    alpha: order.findIndex((c) => c.role !== "color" && c.role !== "unspecified" && c.association === 0),
  };
}

/**
 * Colour channels of a colour specification: from the enumerated colour space (Table I.10 /
 * 15444-2 Table M.25) or the ICC header's data colour space. Undefined when not known.
 */
export function colorChannelsOf(spec: ColorSpecification | undefined): number | undefined {
  if (!spec) return undefined;
  if (spec.enumCS !== undefined) return enumeratedColorChannels(spec.enumCS);
  if (spec.icc) {
    const h = readIccHeader(spec.icc);
    return h ? iccColorChannels(h.colorSpace) : undefined;
  }
  return undefined;
}

/**
 * Reading headers without decoding pixels.
 * @module
 */
import type { HeaderInfo } from "./types.js";
import { callCore, copyIn } from "./wasm/load.js";
import { readCoreHeader, cblkFlags, blockCoderOf, htCapabilitiesOf, PROGRESSIONS, type DecoderExports } from "./core_header.js";
import { CodField, MarkerField, TilePartField } from "./core_interface.js";
import { asBytes, locateCodestream } from "./decode_plan.js";
import { toJp2Info } from "./jp2/read.js";

/** Marker segments and tile-parts of a codestream, for tools such as `j2kit info`. */
export interface CodestreamLayout {
  markers: Array<{ code: number; offset: number; length: number; tilePart: number }>;
  tileParts: Array<{ tile: number; TPsot: number; TNsot: number; offset: number; dataStart: number; dataEnd: number }>;
}

function comments(cs: Uint8Array, markers: CodestreamLayout["markers"]): string[] {
  const out: string[] = [];
  for (const m of markers) {
    if (m.code !== 0xff64 || m.length < 4) continue;
    const rcom = (cs[m.offset + 4]! << 8) | cs[m.offset + 5]!;
    if (rcom !== 1) continue; // A.9.2: 1 = Latin text
    const body = cs.subarray(m.offset + 6, m.offset + 2 + m.length);
    out.push(new TextDecoder("latin1").decode(body));
  }
  return out;
}

function layoutOf(c: DecoderExports): CodestreamLayout {
  const markers: CodestreamLayout["markers"] = [];
  for (let i = 0, n = c.headerMarkerCount(); i < n; i++) {
    const f = (field: MarkerField) => c.headerMarker(i, field);
    markers.push({ code: f(MarkerField.code), offset: f(MarkerField.offset), length: f(MarkerField.length), tilePart: f(MarkerField.tilePart) });
  }
  const tileParts: CodestreamLayout["tileParts"] = [];
  const parts = c.headerCod(-1, CodField.numTileParts);
  for (let i = 0; i < parts; i++) {
    const f = (field: TilePartField) => c.headerTilePart(i, field);
    tileParts.push({
      tile: f(TilePartField.tile),
      TPsot: f(TilePartField.TPsot),
      TNsot: f(TilePartField.TNsot),
      offset: f(TilePartField.sotOffset),
      dataStart: f(TilePartField.dataStart),
      dataEnd: f(TilePartField.dataEnd),
    });
  }
  return { markers, tileParts };
}

/**
 * Read the main header of a codestream (and the boxes of a JP2/JPX file) without decoding pixels:
 * size, components, precision, signedness, levels, layers, progression, code-block size, tiles, ...
 */
export function readHeader(bytes: ArrayBufferView | ArrayBuffer): HeaderInfo {
  return readHeaderAndLayout(bytes).info;
}

/** {@link readHeader} plus the marker segments and tile-parts (offsets in the codestream). */
export function readHeaderAndLayout(input: ArrayBufferView | ArrayBuffer): { info: HeaderInfo; layout: CodestreamLayout; codestreamOffset: number } {
  const loc = locateCodestream(input);
  const bytes = asBytes(input);
  return callCore((core) => {
    const c = core as DecoderExports;
    const ptr = copyIn(c, loc.codestream);
    c.decoderParse(ptr, loc.codestream.length);
    const h = readCoreHeader(c);
    const layout = layoutOf(c);
    const precincts: Array<[number, number]> = [];
    if (h.userPrecincts) {
      for (let r = 0; r <= h.levels; r++) {
        const v = c.headerPrecinct(r);
        precincts.push([2 ** (v & 0xff), 2 ** (v >> 8)]);
      }
    }
    const info: HeaderInfo = {
      format: loc.format,
      width: h.Xsiz - h.XOsiz,
      height: h.Ysiz - h.YOsiz,
      x0: h.XOsiz,
      y0: h.YOsiz,
      components: h.components.length,
      bitDepth: Math.max(...h.components.map((k) => k.bitDepth)),
      signed: h.components.some((k) => k.signed),
      componentInfo: h.components,
      levels: h.levels,
      layers: h.layers,
      progression: PROGRESSIONS[h.progression]!,
      codeBlockWidth: 2 ** h.xcb,
      codeBlockHeight: 2 ** h.ycb,
      reversible: h.reversible,
      mct: h.mct,
      tileWidth: h.XTsiz,
      tileHeight: h.YTsiz,
      tileX0: h.XTOsiz,
      tileY0: h.YTOsiz,
      tilesX: h.tilesX,
      tilesY: h.tilesY,
      profile: h.Rsiz,
      codeBlockStyle: cblkFlags(h.cblkStyle),
      guardBits: h.guardBits,
      sop: h.sop,
      eph: h.eph,
      htj2k: h.htj2k || (h.cblkStyle & 0x40) !== 0,
      blockCoder: blockCoderOf([h.cblkStyle, ...h.componentCblkStyles]),
      ...(h.ccap15 >= 0 ? { htCapabilities: htCapabilitiesOf(h.ccap15) } : {}),
      comments: comments(loc.codestream, layout.markers),
      ...(h.userPrecincts ? { precincts } : {}),
      ...(loc.jp2 ? { jp2: toJp2Info(loc.jp2) } : {}),
      warnings: [...(loc.jp2?.warnings ?? []), ...(h.truncated ? ["the codestream is truncated (it ends before EOC or inside a tile-part)"] : [])],
    };
    return { info, layout, codestreamOffset: loc.codestream.byteOffset - bytes.byteOffset };
  });
}

/**
 * `j2kit info <file> [--json]`: the main header, JP2 boxes, marker segments and tile-parts.
 * @module
 */
import { readHeaderAndLayout } from "../header.js";
import type { HeaderInfo } from "../types.js";
import { OptionReader, STDIO, formatHelp, parseCommandLine, usageError, type CliIo, type OptionSpec } from "./args.js";
import { readSourceBytes, refuseNonJpeg2000 } from "./image_files.js";
import { S3_ENDPOINT_OPTION, formatStats, openForCli, readByRanges } from "./remote_source.js";
import type { RangeImage } from "../range/open_image.js";
import { markerName } from "./marker_names.js";

const COMMAND = "info";

/** Options of `j2kit info`. */
export const INFO_OPTIONS: readonly OptionSpec[] = [
  { name: "json", help: "print JSON: the header fields plus file, fileSize, markers and tileParts" },
  { name: "verbose", help: "URLs: print the bytes and requests read" },
  S3_ENDPOINT_OPTION,
];

/** Help text of `j2kit info`. */
export const INFO_HELP = formatHelp(
  "j2kit info <file.j2k|.j2c|.jp2|.jpx|.jpf|http(s)://...|s3://bucket/key|-> [--json]",
  "Show the header of a JPEG 2000 codestream or JP2/JPX file: image and tile geometry, components,\ncoding parameters, JP2 boxes, marker segments and tile-parts. Offsets are byte offsets in the file.\nURLs are read by byte ranges (box headers and main header; tile-parts are listed when TLM gives them).\n'-' reads standard input.",
  INFO_OPTIONS,
);

/** One marker (segment) as `info` lists it. */
export interface InfoMarker {
  /** Short name from Table A.2 (or the hex code). */
  name: string;
  code: number;
  /** Offset of the marker in the file. */
  offset: number;
  /** Segment length Lxxx (0 for markers without a segment). */
  length: number;
  /** Index of the tile-part whose header holds it; -1 for the main header. */
  tilePart: number;
}

/** One tile-part as `info` lists it (offsets in the file). */
export interface InfoTilePart {
  tile: number;
  TPsot: number;
  TNsot: number;
  /** Offset of its SOT marker. */
  offset: number;
  /** Offsets of its packet data (after SOD) and just past it. */
  dataStart: number;
  dataEnd: number;
}

/** Everything `info` reports. */
export interface InfoReport extends HeaderInfo {
  file: string;
  fileSize: number;
  /** Offset of the codestream (SOC) in the file. */
  codestreamOffset: number;
  markers: InfoMarker[];
  tileParts: InfoTilePart[];
}

/** Run `j2kit info`. */
export async function runInfoCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandLine(COMMAND, argv, INFO_OPTIONS);
  if (args.help) {
    io.stdout(INFO_HELP);
    return 0;
  }
  if (args.positionals.length !== 1) {
    throw usageError(COMMAND, `expected one file, got ${args.positionals.length} argument(s)`);
  }
  const file = args.positionals[0]!;
  const o = new OptionReader(COMMAND, args);
  let report: InfoReport;
  let stats = "";
  if (file !== STDIO && (await readByRanges(file))) {
    const img = await openForCli(file, o.string("s3-endpoint"));
    try {
      report = await rangeInfoReport(file, img);
      stats = formatStats(img.stats());
    } finally {
      await img.close();
    }
  } else {
    const bytes = await readSourceBytes(file, io);
    refuseNonJpeg2000(file, bytes);
    report = infoReport(file, bytes);
  }
  if (o.flag("json")) io.stdout(JSON.stringify(report, jsonReplacer, 2) + "\n");
  else io.stdout(formatInfo(report));
  if (stats && o.flag("verbose")) (o.flag("json") ? io.stderr : io.stdout)(stats);
  return 0;
}

/** Tile-parts whose headers are read for the listing (beyond, only their count and places). */
const RANGE_HEADER_READS = 32;

/**
 * {@link InfoReport} of a file read by ranges: header and main-header markers from the index; the
 * tile-parts when TLM lists them (their headers read when there are few), else none are listed.
 */
export async function rangeInfoReport(file: string, img: RangeImage): Promise<InfoReport> {
  const index = img.index;
  const markers: InfoMarker[] = index.main.segments.map((m) => ({ name: markerName(m.marker), code: m.marker, offset: m.offset, length: m.length, tilePart: -1 }));
  const tileParts: InfoTilePart[] = [];
  if (index.tilePartSource === "TLM") {
    const parts = await index.allTileParts();
    if (parts.length <= RANGE_HEADER_READS) {
      for (let t = 0; t < index.siz.numTiles; t++) if (parts.some((p) => p.tile === t)) await index.geometry(t);
    }
    for (const p of parts) {
      const h = index.header(p);
      const hl = h?.length ?? 0;
      if (h) for (const m of h.segments) markers.push({ name: markerName(m.marker), code: m.marker, offset: m.offset, length: m.length, tilePart: p.index });
      tileParts.push({ tile: p.tile, TPsot: p.part, TNsot: h?.TNsot ?? 0, offset: p.offset, dataStart: p.offset + hl, dataEnd: p.offset + p.length });
    }
  }
  const warnings = [...img.header.warnings, ...img.warnings];
  if (index.tilePartSource !== "TLM") warnings.push("read by ranges without TLM: tile-parts are not listed (that would read every tile-part header)");
  return { file, fileSize: img.stats().fileSize, ...img.header, warnings, codestreamOffset: index.codestreamOffset, markers, tileParts };
}

/** Header, markers and tile-parts of `bytes`, with offsets converted to file offsets. */
export function infoReport(file: string, bytes: Uint8Array): InfoReport {
  const { info, layout, codestreamOffset: at } = readHeaderAndLayout(bytes);
  return {
    file,
    fileSize: bytes.length,
    ...info,
    codestreamOffset: at,
    markers: layout.markers.map((m) => ({ name: markerName(m.code), code: m.code, offset: at + m.offset, length: m.length, tilePart: m.tilePart })),
    tileParts: layout.tileParts.map((p) => ({
      tile: p.tile, TPsot: p.TPsot, TNsot: p.TNsot, offset: at + p.offset, dataStart: at + p.dataStart, dataEnd: at + p.dataEnd,
    })),
  };
}

/** Byte arrays (ICC profiles) appear in JSON as their length, not as thousands of numbers. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: value.length };
  return value;
}

const RSIZ: Record<number, string> = {
  0x0000: "no restrictions",
  0x0001: "Profile 0",
  0x0002: "Profile 1",
  0x0003: "2K digital cinema",
  0x0004: "4K digital cinema",
};

/** Name of an Rsiz capabilities word (A.5.1, Table A.10; bit 15 Part 2, bit 14 Part 15). */
export function profileName(rsiz: number): string {
  const parts: string[] = [];
  const base = rsiz & 0x3fff;
  parts.push(RSIZ[base] ?? `capabilities 0x${base.toString(16).padStart(4, "0")}`);
  if (rsiz & 0x4000) parts.push("HTJ2K (Part 15)");
  if (rsiz & 0x8000) parts.push("Part 2 extensions");
  return `0x${rsiz.toString(16).padStart(4, "0")} (${parts.join(", ")})`;
}

function yesNo(b: boolean): string {
  return b ? "yes" : "no";
}

/** At most this many tile-parts are listed one per line; beyond, a summary. */
const LISTED_TILE_PARTS = 32;

/** The readable text form of an {@link InfoReport}. */
export function formatInfo(r: InfoReport): string {
  const lines: string[] = [];
  const row = (label: string, value: string): void => {
    lines.push(`${label.padEnd(14)}${value}`);
  };
  row("file", `${r.file === STDIO ? "standard input" : r.file} (${r.fileSize} bytes)`);
  row("format", r.format === "j2k" ? "raw codestream (j2k)" : `${r.format.toUpperCase()} file, codestream at offset ${r.codestreamOffset}`);
  row("image", `${r.width} x ${r.height}, origin (${r.x0}, ${r.y0})`);
  row("components", `${r.components}, ${r.bitDepth}-bit ${r.signed ? "signed" : "unsigned"} (largest)`);
  const shown = r.componentInfo.slice(0, 16);
  shown.forEach((c, i) => {
    const sub = c.dx !== 1 || c.dy !== 1 ? `, sub-sampled ${c.dx}x${c.dy}` : "";
    lines.push(`  ${String(i).padStart(3)}: ${c.width} x ${c.height}, ${c.bitDepth}-bit ${c.signed ? "signed" : "unsigned"}${sub}`);
  });
  if (r.componentInfo.length > shown.length) lines.push(`  ... and ${r.componentInfo.length - shown.length} more`);
  row("tiles", `${r.tilesX * r.tilesY} (${r.tilesX} x ${r.tilesY}) of ${r.tileWidth} x ${r.tileHeight}, grid origin (${r.tileX0}, ${r.tileY0})`);
  row("transform", `${r.reversible ? "5/3 reversible" : "9/7 irreversible"}, ${r.levels} decomposition level(s), MCT ${yesNo(r.mct)}`);
  row("layers", `${r.layers}, progression ${r.progression}`);
  row("code-blocks", `${r.codeBlockWidth} x ${r.codeBlockHeight}, style ${r.codeBlockStyle.length > 0 ? r.codeBlockStyle.join("+") : "default"}${r.htj2k ? ", HT (Part 15)" : ""}`);
  row("precincts", r.precincts && r.precincts.length > 0 ? r.precincts.map(([w, h]) => `${w}x${h}`).join(" ") + " (lowest resolution first)" : "maximal (default)");
  row("guard bits", String(r.guardBits));
  row("SOP / EPH", `${yesNo(r.sop)} / ${yesNo(r.eph)}`);
  row("profile", profileName(r.profile));
  for (const c of r.comments) row("comment", JSON.stringify(c));
  for (const w of r.warnings ?? []) row("warning", w);

  if (r.jp2) {
    const j = r.jp2;
    lines.push("", "JP2 boxes");
    row("  brand", `'${j.brand}', compatible with ${j.compatibility.map((c) => `'${c}'`).join(", ")}`);
    if (j.colorSpace) {
      const cs = j.colorSpace;
      const detail = cs.enumerated !== undefined ? ` (EnumCS ${cs.enumerated})` : cs.icc ? ` (ICC profile, ${cs.icc.length} bytes)` : "";
      row("  colour", `${cs.name}${detail}`);
    }
    if (j.palette) {
      const p = j.palette;
      row("  palette", `${p.entries} entries x ${p.columns} columns, depths ${p.bitDepths.map((b, i) => `${b}${p.signed[i] ? "s" : "u"}`).join(",")}`);
    }
    if (j.componentMapping) {
      row("  cmap", j.componentMapping.map((m) => (m.type === 1 ? `c${m.component}->pal${m.paletteColumn}` : `c${m.component}`)).join(" "));
    }
    if (j.channels) {
      const kinds = ["colour", "opacity", "premultiplied opacity"];
      row("  cdef", j.channels.map((c) => `ch${c.channel}: ${kinds[c.type] ?? `type ${c.type}`}${c.association === 0 ? " (whole image)" : ` of colour ${c.association}`}`).join("; "));
    }
    if (j.resolution?.capture) row("  capture res", `${j.resolution.capture[0].toFixed(1)} x ${j.resolution.capture[1].toFixed(1)} px/m`);
    if (j.resolution?.display) row("  display res", `${j.resolution.display[0].toFixed(1)} x ${j.resolution.display[1].toFixed(1)} px/m`);
    for (const b of j.boxes) lines.push(`  box '${b.type}' at ${b.offset}, ${b.length} bytes`);
  }

  const main = r.markers.filter((m) => m.tilePart < 0);
  if (main.length > 0) {
    lines.push("", "main header markers (offset, name, length)");
    for (const m of main) lines.push(`  ${String(m.offset).padStart(10)}  ${m.name}${m.length > 0 ? `${" ".repeat(Math.max(1, 6 - m.name.length))}${m.length}` : ""}`);
  }
  lines.push("", `tile-parts    ${r.tileParts.length}`);
  const headerMarkers = (part: number): string[] =>
    r.markers.filter((m) => m.tilePart === part && m.name !== "SOT" && m.name !== "SOD").map((m) => m.name);
  if (r.tileParts.length <= LISTED_TILE_PARTS) {
    r.tileParts.forEach((p, i) => {
      const extra = headerMarkers(i);
      lines.push(
        `  tile ${String(p.tile).padStart(5)} part ${p.TPsot}${p.TNsot > 0 ? `/${p.TNsot}` : ""} at ${p.offset}: ` +
          `${p.dataEnd - p.dataStart} data bytes${extra.length > 0 ? `, header ${extra.join(" ")}` : ""}`,
      );
    });
  } else {
    const counts = new Map<string, number>();
    for (const m of r.markers) if (m.tilePart >= 0 && m.name !== "SOT" && m.name !== "SOD") counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
    const tiles = new Set(r.tileParts.map((p) => p.tile)).size;
    const summary = [...counts].map(([k, v]) => `${k} x${v}`).join(", ");
    lines.push(`  ${tiles} tile(s)${summary ? `; tile-part header markers: ${summary}` : ""}`);
  }
  return lines.join("\n") + "\n";
}

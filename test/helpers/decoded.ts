/**
 * Looking at what `decode()` returned: planes for comparison, expected component sizes computed
 * independently from SIZ (B.2), and a structural validity check used by every suite that accepts
 * "a valid image" as an outcome.
 * @module
 */
import type { DecodedImage } from "../../src/types.js";
import { deinterleave, planeOf, type Plane } from "./images.js";
import type { SizInfo } from "./jp2_boxes.js";

/** Size of each component after discarding `reduce` resolution levels (B.2, B.5 with r = reduce). */
export function componentSizes(siz: SizInfo, reduce = 0): Array<{ width: number; height: number }> {
  const f = 2 ** reduce;
  return siz.components.map((c) => ({
    width: Math.ceil(siz.Xsiz / (c.dx * f)) - Math.ceil(siz.XOsiz / (c.dx * f)),
    height: Math.ceil(siz.Ysiz / (c.dy * f)) - Math.ceil(siz.YOsiz / (c.dy * f)),
  }));
}

/**
 * The per-component planes of a `layout: "components"` decode. Throws with a readable message when
 * the arrays are missing or their length does not match the expected component size.
 */
export function componentPlanes(img: DecodedImage, sizes: Array<{ width: number; height: number }>, count: number): Plane[] {
  if (img.layout !== "components" || !img.componentData) throw new Error(`expected layout "components" with componentData, got layout ${img.layout}`);
  const planes: Plane[] = [];
  for (let c = 0; c < count; c++) {
    const arr = img.componentData[c];
    const s = sizes[c]!;
    if (!arr) throw new Error(`componentData[${c}] missing (${img.componentData.length} arrays)`);
    if (arr.length !== s.width * s.height) {
      throw new Error(`componentData[${c}] has ${arr.length} samples, component is ${s.width}x${s.height}`);
    }
    planes.push(planeOf(arr, s.width, s.height));
  }
  return planes;
}

/** The channels of an interleaved decode as planes. */
export function interleavedPlanes(img: DecodedImage): Plane[] {
  if (img.layout !== "interleaved") throw new Error(`expected layout "interleaved", got ${img.layout}`);
  return deinterleave(img.data, img.width, img.height, img.components);
}

/** Name of the typed array class `sampleArrayFor` documents for a depth and signedness (src/types.ts J2kImage). */
export function expectedArrayClass(bitDepth: number, signed: boolean): string {
  if (bitDepth > 16) return "Int32Array";
  if (signed) return "Int16Array";
  return bitDepth <= 8 ? "Uint8Array" : "Uint16Array";
}

/**
 * Structural problems of a decoded image (empty list = valid): positive integer size, sample count,
 * typed array class per the public contract, samples inside the declared precision.
 */
export function imageProblems(img: DecodedImage): string[] {
  const problems: string[] = [];
  if (typeof img !== "object" || img === null) return ["decode returned no object"];
  const { width, height, components, bitDepth, signed, data } = img;
  if (!Number.isInteger(width) || width < 1) problems.push(`width ${width}`);
  if (!Number.isInteger(height) || height < 1) problems.push(`height ${height}`);
  if (!Number.isInteger(components) || components < 1) problems.push(`components ${components}`);
  if (!Number.isInteger(bitDepth) || bitDepth < 1 || bitDepth > 38) problems.push(`bitDepth ${bitDepth}`);
  if (!ArrayBuffer.isView(data)) return [...problems, "data is not a typed array"];
  const cls = data.constructor.name;
  if (cls !== expectedArrayClass(bitDepth, signed)) problems.push(`data is ${cls}, contract says ${expectedArrayClass(bitDepth, signed)} for ${signed ? "signed" : "unsigned"} ${bitDepth}-bit`);
  if (img.layout === "interleaved" || img.layout === "planar") {
    if (data.length !== width * height * components) problems.push(`data has ${data.length} samples, ${width}x${height}x${components} expected`);
  }
  if (!Array.isArray(img.componentInfo)) problems.push("componentInfo missing");
  if (!Array.isArray(img.warnings)) problems.push("warnings missing");
  if (typeof img.partial !== "boolean") problems.push("partial missing");
  if (bitDepth <= 31 && problems.length === 0) {
    const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
    const hi = signed ? 2 ** (bitDepth - 1) - 1 : 2 ** bitDepth - 1;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < lo || v > hi) {
        problems.push(`sample ${i} = ${v} outside ${lo}..${hi}`);
        break;
      }
    }
  }
  return problems;
}

/** Short description of an error for logs and assertion messages. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}${"code" in e ? `(${String((e as { code: unknown }).code)})` : ""}: ${e.message}`;
  return `non-Error thrown: ${String(e)}`;
}

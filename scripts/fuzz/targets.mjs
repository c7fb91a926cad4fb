// What each fuzz target calls, and how its outcome is classified:
//   ok        a result that passes the structural checks below
//   error     a J2kError with a code other than INTERNAL (the contract for bad input)
//   internal  J2kError INTERNAL (a WebAssembly trap or a broken invariant: a bug)
//   untyped   anything else thrown (RangeError, TypeError, ...: a bug)
//   invalid   a result that breaks the public contract (wrong sizes, samples out of range, ...)
// Time and memory are judged by the parent (scripts/fuzz/pool.mjs).
import { createHash } from "node:crypto";

/**
 * Default limits of a fuzz case. A decode may use `maxMemory` of WebAssembly memory and hand back a
 * copy of its output (at most `maxMemory` again) on top of the process's own ~60-80 MiB, and writing
 * ~100 MB of output legitimately takes about a second of CPU; so that the per-case bounds (512 MiB RSS,
 * 2 s CPU) catch runaway work rather than large-but-allowed images, the library gets 128 MiB.
 */
export const FUZZ_LIMITS = { maxPixels: 2 ** 26, maxMemory: 128 * 2 ** 20 };

/** Targets and what they exercise. */
export const TARGETS = {
  decode: "decode() of codestreams and JP2 files (with allowPartial, reduce, region, layers, components variants; 30 % in strips, 25 % also decodeAsync with threads: 2, which must agree)",
  header: "readHeader() of codestreams and JP2 files",
  dicom: "transcode() of DICOM Part 10 files to native and JPEG 2000 syntaxes, and inspectDicom()",
  jp2: "checkJp2() / repairJp2Icc() and decode() of JP2 files",
  jpeg: "decodeJpeg() and the streaming JpegDecoder (fed in pieces) on baseline JPEGs",
};

function expectedArrayClass(bitDepth, signed) {
  if (bitDepth > 16) return "Int32Array";
  if (signed) return "Int16Array";
  return bitDepth <= 8 ? "Uint8Array" : "Uint16Array";
}

/** Structural problems of a decoded image ([] = valid), as test/helpers/decoded.ts checks them. */
export function imageProblems(img) {
  const problems = [];
  if (typeof img !== "object" || img === null) return ["decode returned no object"];
  const { width, height, components, bitDepth, signed, data } = img;
  // layout "components": the image's size is component 0's, which may have no samples at all
  const least = img.layout === "components" ? 0 : 1;
  if (!Number.isInteger(width) || width < least) problems.push(`width ${width}`);
  if (!Number.isInteger(height) || height < least) problems.push(`height ${height}`);
  if (!Number.isInteger(components) || components < 1) problems.push(`components ${components}`);
  if (!Number.isInteger(bitDepth) || bitDepth < 1 || bitDepth > 38) problems.push(`bitDepth ${bitDepth}`);
  if (!ArrayBuffer.isView(data)) return [...problems, "data is not a typed array"];
  if (img.layout === "components") {
    // one array per component, each typed after its own precision; `data` is component 0's
    const cd = img.componentData;
    if (!Array.isArray(cd) || cd.length !== components || cd[0] !== data) return [...problems, "componentData missing or not matching data"];
    cd.forEach((arr, k) => {
      const ci = img.componentInfo?.[k];
      if (!ci) return problems.push(`componentInfo[${k}] missing`);
      if (arr.constructor.name !== expectedArrayClass(ci.bitDepth, ci.signed)) problems.push(`componentData[${k}] is ${arr.constructor.name} for ${ci.signed ? "signed" : "unsigned"} ${ci.bitDepth}-bit`);
      if (arr.length !== ci.width * ci.height) problems.push(`componentData[${k}] has ${arr.length} samples, component is ${ci.width}x${ci.height}`);
    });
    return problems;
  }
  const cls = data.constructor.name;
  if (cls !== expectedArrayClass(bitDepth, signed)) problems.push(`data is ${cls}, expected ${expectedArrayClass(bitDepth, signed)}`);
  if ((img.layout === "interleaved" || img.layout === "planar") && data.length !== width * height * components) {
    problems.push(`data has ${data.length} samples, ${width}x${height}x${components} expected`);
  }
  if (!Array.isArray(img.warnings)) problems.push("warnings missing");
  if (bitDepth <= 31 && problems.length === 0) {
    const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
    const hi = signed ? 2 ** (bitDepth - 1) - 1 : 2 ** bitDepth - 1;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < lo || data[i] > hi) {
        problems.push(`sample ${i} = ${data[i]} outside ${lo}..${hi}`);
        break;
      }
    }
  }
  return problems;
}

function isPart10(b) {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

function classifyError(lib, e) {
  if (lib.isJ2kError(e)) {
    if (e.code === "INTERNAL") return { outcome: "internal", code: e.code, message: e.message, stack: topFrames(e) };
    return { outcome: "error", code: e.code, message: e.message };
  }
  const name = e?.name ?? typeof e;
  return { outcome: "untyped", code: name, message: String(e?.message ?? e), stack: topFrames(e) };
}

function topFrames(e) {
  return String(e?.stack ?? "")
    .split("\n")
    .slice(1, 6)
    .map((l) => l.trim())
    .join(" | ");
}

/** What decode() gave, kept small: its fields and a digest of every sample array (not the arrays). */
function digestOf(img) {
  const arrays = img.layout === "components" ? img.componentData : [img.data];
  const digests = arrays.map((a) => `${a.constructor.name}:${a.length}:${createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex")}`);
  const fields = {};
  for (const k of ["width", "height", "components", "bitDepth", "signed", "layout", "partial"]) fields[k] = img[k];
  return { fields, digests };
}

/**
 * What decodeAsync's threaded result is checked against when the case forced the strip decoder on
 * decode(): decode() as decodeAsync's callers get it (the default strip threshold) — the strips may
 * refuse within a memory limit that the one-piece decode fits (many components of a small image).
 * A {@link digestOf} of the image, or the J2kError decode() threw.
 */
function plainDecode(lib, bytes, decodeOptions) {
  try {
    return digestOf(lib.decode(bytes, decodeOptions));
  } catch (e) {
    if (lib.isJ2kError(e)) return e;
    throw e;
  }
}

/**
 * decodeAsync with `threads` (row bands decoded as regions on this thread and in workers, stitched:
 * src/worker/threads.ts) must give what decode() gave, `one` (a {@link digestOf} of its image, or the
 * J2kError it threw): the same image, sample for sample and with the same partial flag — or, when
 * decode() refused the input, a refusal too. A threaded result that differs is "invalid"; a threaded
 * error that is not a J2kError, or is INTERNAL, is classified as any other error is.
 */
async function againThreaded(lib, bytes, decodeOptions, threads, one) {
  let img;
  try {
    img = await lib.decodeAsync(bytes, { ...decodeOptions, threads });
  } catch (e) {
    const r = classifyError(lib, e);
    if (r.outcome !== "error") return { ...r, message: `decodeAsync threads ${threads}: ${r.message}` };
    if (!lib.isJ2kError(one)) return { outcome: "invalid", message: `decodeAsync threads ${threads} refused (${r.code}: ${r.message}) what decode() decoded` };
    return r;
  }
  if (lib.isJ2kError(one)) return { outcome: "invalid", message: `decodeAsync threads ${threads} decoded what decode() refused (${one.code}: ${one.message})` };
  const problems = imageProblems(img);
  if (problems.length) return { outcome: "invalid", message: `decodeAsync threads ${threads}: ${problems.join("; ")}` };
  const mine = digestOf(img);
  const differ = [];
  for (const [k, v] of Object.entries(one.fields)) if (mine.fields[k] !== v) differ.push(`${k} ${mine.fields[k]} vs ${v}`);
  if (differ.length === 0 && mine.digests.join() !== one.digests.join()) differ.push("samples differ");
  if (differ.length) return { outcome: "invalid", message: `decodeAsync threads ${threads} differs from decode(): ${differ.join(", ")}` };
  return { outcome: "ok", detail: `${img.width}x${img.height}x${img.components}${img.partial ? " partial" : ""}, threads ${threads} the same` };
}

/** Run one case. `options` were chosen by the parent (see casePlan in scripts/fuzz.mjs). */
export async function runTarget(lib, target, bytes, options) {
  const limits = options.limits ?? FUZZ_LIMITS;
  try {
    switch (target) {
      case "decode":
      case "jp2decode": {
        // `strips`: the strip decoder (src/strip/), which decode() uses for large images, on any image
        const old = options.strips ? lib.setStripDecodeThreshold(0) : undefined;
        let img;
        try {
          img = lib.decode(bytes, { ...(options.decode ?? {}), limits });
        } finally {
          if (old !== undefined) lib.setStripDecodeThreshold(old);
        }
        const problems = imageProblems(img);
        if (problems.length) return { outcome: "invalid", message: problems.join("; ") };
        if (options.threads) {
          const one = options.strips ? undefined : digestOf(img);
          img = undefined; // not held while the threaded decode runs
          return await againThreaded(lib, bytes, { ...(options.decode ?? {}), limits }, options.threads, one ?? plainDecode(lib, bytes, { ...(options.decode ?? {}), limits }));
        }
        return { outcome: "ok", detail: `${img.width}x${img.height}x${img.components}${img.partial ? " partial" : ""}` };
      }
      case "header": {
        const h = lib.readHeader(bytes);
        if (!(h.width >= 1 && h.height >= 1 && h.components >= 1)) return { outcome: "invalid", message: `header ${h.width}x${h.height}x${h.components}` };
        return { outcome: "ok", detail: `${h.width}x${h.height}x${h.components}` };
      }
      case "jp2": {
        const op = options.jp2 ?? "check";
        if (op === "decode") return runTarget(lib, "jp2decode", bytes, options);
        const { repairJp2Icc, checkJp2 } = await lib.jp2();
        if (op === "repair") {
          const r = repairJp2Icc(bytes);
          if (!(r.bytes instanceof Uint8Array) || r.bytes.length !== bytes.length) return { outcome: "invalid", message: "repairJp2Icc changed the file length" };
          return { outcome: "ok", detail: `${r.repairs.length} repair(s)` };
        }
        const c = checkJp2(bytes);
        if (typeof c.ok !== "boolean" || !Array.isArray(c.problems)) return { outcome: "invalid", message: "checkJp2 result malformed" };
        return { outcome: "ok", detail: c.ok ? "ok" : `${c.problems.length} problem(s)` };
      }
      case "dicom": {
        const op = options.dicom ?? { transferSyntax: "explicit-le" };
        const { inspectDicom, transcode } = await lib.dicom();
        if (op.inspect) {
          const s = inspectDicom(bytes, op.tolerant ? { tolerant: true, limits } : { limits });
          return { outcome: "ok", detail: `${s.transferSyntaxUid} ${s.frames ? s.frames.length + " frame(s)" : s.nativeByteLength + " bytes"}` };
        }
        const warnings = [];
        const out = transcode(bytes, { ...op, limits, onWarning: (w) => warnings.push(w) });
        if (!(out instanceof Uint8Array) || !isPart10(out)) return { outcome: "invalid", message: "transcode did not return Part 10 bytes" };
        if (out.length > Math.max(16 * bytes.length, 8 * 2 ** 20) && out.length > limits.maxMemory) {
          return { outcome: "invalid", message: `transcode wrote ${out.length} bytes for a ${bytes.length}-byte input, above maxMemory` };
        }
        return { outcome: "ok", detail: `${out.length} bytes, ${warnings.length} warning(s)` };
      }
      case "jpeg": {
        // as many samples as a decode may make (maxPixels, up to 3 components)
        const maxSamples = limits.maxPixels * 3;
        const chunk = options.jpeg?.chunk ?? 0;
        let s;
        let rows = 0;
        if (chunk === 0) {
          s = lib.decodeJpeg(bytes, { maxSamples });
          if (!(s.data instanceof Uint8Array) || s.data.length !== s.width * s.height * s.components) return { outcome: "invalid", message: `decodeJpeg gave ${s.data?.length} samples for ${s.width}x${s.height}x${s.components}` };
          rows = s.height;
        } else {
          const d = lib.createJpegDecoder({
            onRows: (data, y, count) => {
              const f = d.frame;
              if (y !== rows || data.length < count * f.width * f.components) throw new Error(`rows ${y}+${count} out of order or short (${data.length} bytes)`);
              if (f.width * f.height * f.components > maxSamples) throw new lib.J2kError("LIMIT_PIXELS", "over the fuzz sample limit");
              rows += count;
            },
          });
          for (let at = 0; at < bytes.length; at += chunk) d.push(bytes.subarray(at, at + chunk));
          s = d.end();
        }
        if (!(s.width >= 1 && s.height >= 1 && (s.components === 1 || s.components === 3))) return { outcome: "invalid", message: `JPEG ${s.width}x${s.height}x${s.components}` };
        if (rows !== s.height) return { outcome: "invalid", message: `${rows} rows given out of ${s.height}` };
        return { outcome: "ok", detail: `${s.width}x${s.height}x${s.components}` };
      }
      default:
        return { outcome: "untyped", message: `unknown target ${target}` };
    }
  } catch (e) {
    if (options.threads && (target === "decode" || target === "jp2decode") && lib.isJ2kError(e) && e.code !== "INTERNAL") {
      const opts = { ...(options.decode ?? {}), limits };
      return againThreaded(lib, bytes, opts, options.threads, options.strips ? plainDecode(lib, bytes, opts) : e);
    }
    return classifyError(lib, e);
  }
}

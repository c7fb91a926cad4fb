/**
 * Running `decode()` on input that may be hostile and classifying what came out: a J2kError (with
 * its code), a valid image, or a failure of the contract (a non-J2kError, a J2kError INTERNAL —
 * i.e. a WebAssembly trap, which the core promises never to hit on corrupt data (ARCHITECTURE.md
 * Seam 1) — or a structurally invalid image).
 * @module
 */
import { decode, isJ2kError } from "../../src/index.js";
import type { DecodeOptions } from "../../src/types.js";
import { describeError, imageProblems } from "./decoded.js";

/** Outcome of one hostile decode. */
export interface HostileOutcome {
  kind: "error" | "image" | "violation";
  /** J2kError code, or image size, or what broke the contract. */
  detail: string;
  /**
   * CPU time (user + system) of this process during the decode call, in milliseconds: a bound on it
   * catches hangs and runaway work (it is not a benchmark). CPU time, not wall time, so that a machine
   * busy with other work cannot fail the bound (a synchronous decode's wall time there can be 100x its CPU).
   */
  ms: number;
}

function cpuMsSince(t0: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

/** Decode and classify. Never throws. */
export function decodeHostile(bytes: Uint8Array, options?: DecodeOptions): HostileOutcome {
  const t0 = process.cpuUsage();
  try {
    const image = decode(bytes, options);
    const ms = cpuMsSince(t0);
    const problems = imageProblems(image);
    if (problems.length) return { kind: "violation", detail: `invalid image: ${problems.join("; ")}`, ms };
    return { kind: "image", detail: `${image.width}x${image.height}x${image.components}${image.partial ? " partial" : ""}`, ms };
  } catch (e) {
    const ms = cpuMsSince(t0);
    if (!isJ2kError(e)) return { kind: "violation", detail: `non-J2kError thrown: ${describeError(e)}`, ms };
    if (e.code === "INTERNAL") return { kind: "violation", detail: `J2kError INTERNAL (a trap or internal failure): ${e.message}`, ms };
    return { kind: "error", detail: e.code, ms };
  }
}

/** Resident set size in bytes. */
export function rss(): number {
  return process.memoryUsage().rss;
}

/** 1 GiB, the memory growth bound of the robustness suites. */
export const GIB = 2 ** 30;

// Command-line parsing and the mapping of options to EncodeOptions / DecodeOptions, in process.
import { describe, expect, it } from "vitest";
import { isJ2kError } from "../../src/errors.js";
import { parseCommandLine } from "../../src/cli/args.js";
import { DECODE_OPTIONS, decodeOptionsFromArgs } from "../../src/cli/decode_command.js";
import { ENCODE_OPTIONS, encodeOptionsFromArgs, inputOptionsFromArgs, outputFormatOf } from "../../src/cli/encode_command.js";
import { main } from "../../src/cli/main.js";

const encodeArgs = (...argv: string[]) => parseCommandLine("encode", argv, ENCODE_OPTIONS);
const noIcc = async (path: string): Promise<Uint8Array> => {
  throw new Error(`unexpected read of ${path}`);
};

async function rejectsWith(p: Promise<unknown> | (() => unknown), pattern: RegExp): Promise<void> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(isJ2kError(e, "INVALID_ARGUMENT"), String(e)).toBe(true);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error(`expected an INVALID_ARGUMENT error matching ${pattern}`);
}

/** Run main() in process, collecting its output. */
async function run(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const status = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { status, stdout, stderr };
}

describe("encode options", () => {
  it("maps every option of issues 2 and 4 to EncodeOptions", async () => {
    const args = encodeArgs(
      "in.ppm", "out.jp2",
      "--levels", "6", "--block=32x16", "--no-mct", "--lossy", "--ratio", "40,20,10", "--psnr", "35,40.5,45",
      "--quality", "80", "--order", "rpcl", "--tile", "512x256@3,4", "--origin", "5,6",
      "--precincts", "256x256,128x128,64x64", "--cblk-style", "bypass,reset,termall,vcausal,pterm,segsym",
      "--sop", "--eph", "--tlm", "--plt", "--tile-parts", "R", "--guard", "3", "--icc", "profile.icc",
      "--colorspace", "srgb", "--preset", "DICOM",
    );
    expect(args.positionals).toEqual(["in.ppm", "out.jp2"]);
    const icc = Uint8Array.of(1, 2, 3);
    const options = await encodeOptionsFromArgs(args, "jp2", async (path) => {
      expect(path).toBe("profile.icc");
      return icc;
    });
    expect(options).toEqual({
      format: "jp2",
      levels: 6,
      codeBlock: [32, 16],
      mct: false,
      lossless: false,
      ratios: [40, 20, 10],
      psnr: [35, 40.5, 45],
      quality: 80,
      progression: "RPCL",
      tile: { width: 512, height: 256, x0: 3, y0: 4 },
      origin: { x: 5, y: 6 },
      precincts: [[256, 256], [128, 128], [64, 64]],
      codeBlockStyle: ["bypass", "reset", "termall", "vcausal", "pterm", "segsym"],
      sop: true,
      eph: true,
      tlm: true,
      plt: true,
      tileParts: "R",
      guardBits: 3,
      icc,
      colorSpace: "sRGB",
      preset: "dicom",
    });
  });

  it("gives empty options for a plain lossless encode and a tile without origin", async () => {
    expect(await encodeOptionsFromArgs(encodeArgs("a.pgm", "b.j2k"), "j2k", noIcc)).toEqual({});
    expect(await encodeOptionsFromArgs(encodeArgs("a", "b", "--tile", "64x64"), "j2k", noIcc)).toEqual({ tile: { width: 64, height: 64 } });
  });

  it("chooses the container by extension", () => {
    expect(outputFormatOf("x.j2k")).toBe("j2k");
    expect(outputFormatOf("x.J2C")).toBe("j2k");
    expect(outputFormatOf("dir.v2/x.jp2")).toBe("jp2");
    expect(outputFormatOf("x.png")).toBe(null);
    expect(outputFormatOf("jp2")).toBe(null);
  });

  it("rejects bad values with a message naming the option", async () => {
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--levels", "33"), "j2k", noIcc), /--levels: must be between 0 and 32/);
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--levels", "2.5"), "j2k", noIcc), /--levels: not an integer/);
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--block", "64"), "j2k", noIcc), /--block: expected WIDTHxHEIGHT/);
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--ratio", "40,,10"), "j2k", noIcc), /--ratio: not a number/);
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--ratio", "0"), "j2k", noIcc), /--ratio: must be positive/);
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--tile", "64x64@1"), "j2k", noIcc), /--tile/);
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--origin", "1"), "j2k", noIcc), /--origin: expected x,y/);
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--cblk-style", "bypass,fast"), "j2k", noIcc), /'fast' is not one of/);
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--tile-parts", "X"), "j2k", noIcc), /R, L, C/);
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--guard", "8"), "j2k", noIcc), /--guard/);
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--icc", "p.icc"), "j2k", noIcc), /--icc needs JP2 output/);
    await rejectsWith(encodeOptionsFromArgs(encodeArgs("a", "b", "--preset", "web"), "j2k", noIcc), /--preset/);
    await rejectsWith(() => encodeArgs("a", "b", "--sop=yes"), /takes no value/);
    await rejectsWith(() => encodeArgs("a", "b", "--levels", "--sop"), /needs a value/);
    await rejectsWith(() => encodeArgs("a", "b", "-x"), /unknown option '-x'/);
  });

  it("describes raw input only with both --size and --bits", async () => {
    expect(inputOptionsFromArgs(encodeArgs("a.raw", "b.j2k", "--size", "4x3", "--bits", "12", "--signed", "--endian", "big"))).toEqual({
      signed: true,
      raw: { width: 4, height: 3, bitDepth: 12, components: 1, littleEndian: false },
    });
    expect(inputOptionsFromArgs(encodeArgs("a.raw", "b.j2k", "--size", "4x3", "--bits", "8", "--components", "3")).raw).toEqual({
      width: 4, height: 3, bitDepth: 8, components: 3, littleEndian: true,
    });
    await rejectsWith(() => inputOptionsFromArgs(encodeArgs("a.raw", "b.j2k", "--size", "4x3")), /--size WxH and --bits N/);
  });

  it("treats everything after -- as positionals and ignores the order of options", () => {
    const args = encodeArgs("--levels", "2", "--", "--weird.ppm", "out.j2k");
    expect(args.positionals).toEqual(["--weird.ppm", "out.j2k"]);
    expect(args.options.get("levels")).toBe("2");
  });
});

describe("decode options", () => {
  const decodeArgs = (...argv: string[]) => parseCommandLine("decode", argv, DECODE_OPTIONS);

  it("maps --reduce, --layers, --region, --components, --allow-partial, --palette-indices", () => {
    expect(
      decodeOptionsFromArgs(decodeArgs("a.jp2", "b.png", "--reduce", "2", "--layers", "3", "--region", "10,20,300,400",
        "--components", "0,2", "--allow-partial", "--palette-indices")),
    ).toEqual({
      reduce: 2, layers: 3, region: { x: 10, y: 20, width: 300, height: 400 }, components: [0, 2], allowPartial: true, palette: "indices",
    });
    expect(decodeOptionsFromArgs(decodeArgs("a.j2k", "b.pgm"))).toEqual({});
  });

  it("rejects bad values", async () => {
    await rejectsWith(() => decodeOptionsFromArgs(decodeArgs("a", "b", "--region", "1,2,3")), /x,y,width,height/);
    await rejectsWith(() => decodeOptionsFromArgs(decodeArgs("a", "b", "--region", "0,0,0,5")), /must be positive/);
    await rejectsWith(() => decodeOptionsFromArgs(decodeArgs("a", "b", "--layers", "0")), /--layers/);
    await rejectsWith(() => decodeOptionsFromArgs(decodeArgs("a", "b", "--reduce", "-1")), /--reduce/);
  });
});

describe("main() in process", () => {
  it("prints help with status 0 and usage errors as one line with status 2", async () => {
    const help = await run("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("j2kit decode");
    const bad = await run("decode", "a.j2k", "b.pgm", "--fast");
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toBe("j2kit: [INVALID_ARGUMENT] unknown option '--fast' for 'decode' (see 'j2kit decode --help')\n");
    const version = await run("--version");
    expect(version.stdout).toMatch(/^j2kit \d+\.\d+\.\d+/);
  });

  it("keeps a place for the DICOM command", async () => {
    const help = await run("dicom", "--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: j2kit dicom/);
  });
});

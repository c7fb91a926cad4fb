// Generator of the hot EBCOT pass loops (ISO/IEC 15444-1 D.3): codec/t1/ebcot_decoder_passes.ts
// and codec/t1/ebcot_encoder_passes.ts.
//
// Why generated: T1 is most of the codec's time. AssemblyScript has no macros and an inline
// function cannot update its caller's locals, yet the MQ registers must stay in locals (as in
// OpenJPEG's mqc_inl.h) and the four rows of a full stripe must be unrolled so every shift is a
// constant. Each pass is therefore written once below, as a template of its per-row step; the
// generator expands the MQ DECODE/ENCODE procedures inline and emits an unrolled path for full
// stripes plus a row loop for the last, partial stripe. The decoder's significance propagation and
// refinement passes instead visit only the rows they code, from a per-column mask (dec below).
//
//   node codec/t1/gen_passes.mjs          rewrite the generated files
//   node codec/t1/gen_passes.mjs --check  exit 1 if they are out of date
// test/unit/t1_generated.test.ts runs the check.

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const HERE = dirname(fileURLToPath(import.meta.url));

// ---- row-dependent expressions: `r` is a number (unrolled) or the string "r" (row loop) ---------

/** Shift amount a·r + b as source text. */
const shift = (r, a, b) => (typeof r === "number" ? String(a * r + b) : a === 1 ? `<u32>(r + ${b})` : `<u32>(${a} * r + ${b})`);
/** `f >>> (a·r + b)` without a zero shift. */
const fsh = (r, a, b) => (typeof r === "number" && a * r + b === 0 ? "f" : `(f >>> ${shift(r, a, b)})`);
/** `1 << (a·r + b)` as a u32 constant or expression. */
const bit = (r, a, b) => (typeof r === "number" ? `0x${(2 ** (a * r + b)).toString(16)}` : `(<u32>1 << ${shift(r, a, b)})`);
/** Byte offset of row r inside a stripe column of SAMPLES. */
const rowOff = (r) => (typeof r === "number" ? String(4 * r) : "(<usize>r << 2)");
/** Sample address of row r. */
const sampleAt = (base, r) => (r === 0 ? base : `${base} + ${rowOff(r)}`);

// ---- MQ procedures, registers in locals a, c, ct ----------------------------------------------

/**
 * Renormalisation without a data-dependent branch: the shift n = clz(A) − 16 is 0 when A >= 0x8000
 * (no renormalisation), and the context's next entry is chosen by a select (it stays `e` when
 * n = 0). Only a byte transfer (`need`: CT bits are not enough for n shifts; every 7-8 shifts in
 * the encoder, about every 32 in the decoder, which reads 4 bytes at a time: mq_decoder.ts) takes
 * a branch. Equivalent to "if (A < 0x8000) { next state; shift until A >= 0x8000 }"
 * (C.2.6 RENORME, C.3.3 RENORMD). `cShift` casts the shift count for the decoder's 64-bit C.
 */
function renorm(need, byteStep, name, cShift = (k) => k, next = "mqNextEntry") {
  return [
    `n = clz(a) - 16; // ${name}: 0 when A >= 0x8000`,
    `store<u32>(cxp, select<u32>(${next}(e, lps), e, n != 0));`,
    `if (${need}) {`,
    `  do { a <<= ct; c <<= ${cShift("ct")}; n -= ct; ${byteStep} } while (${need});`,
    `}`,
    `a <<= n; c <<= ${cShift("n")}; ct -= n;`,
  ];
}

/**
 * DECODE (C.3.2) of the decision in context `cx` into d. Equivalent to mqDecodeBit() (exchanges done
 * with selects). C is the 64-bit register of mq_decoder.ts: Chigh in bits 48..63, CT bits buffered below.
 */
function decode(cx) {
  return [
    `cxp = MQ_CONTEXTS + (${cx} << 2);`,
    `e = load<u32>(cxp);`,
    `q = e & 0xffff;`,
    `qh = <u64>q << 48;`,
    `a -= q;`,
    `lo = <u32>(c < qh); // the decision lies in the lower (Qe) sub-interval`,
    `lps = <u32>(a < q) ^ lo; // conditional exchange (C.3.2)`,
    `d = ((e >>> 16) & 1) ^ lps;`,
    `c = select<u64>(c, c - qh, lo);`,
    `a = select<u32>(q, a, lo);`,
    ...renorm("ct < n", "c = mqFill(c); ct = mqCt;", "RENORMD", (k) => `<u64>${k}`),
  ];
}

/** ENCODE (C.2) of decision d in context `cx`. Equivalent to mqEncodeBit() (exchanges done with selects). */
function encode(cx) {
  return [
    `cxp = MQ_CONTEXTS + (${cx} << 2);`,
    `e = load<u32>(cxp);`,
    `q = e & 0xffff;`,
    `lps = d ^ ((e >>> 16) & 1);`,
    `x = <u32>(a < (q << 1)) ^ lps; // conditional exchange (C.2.5, C.2.6): A − Qe < Qe, tested before the subtraction`,
    `a -= q;`,
    `c = select<u32>(c, c + q, x);`,
    `a = select<u32>(q, a, x);`,
    ...renorm("n >= ct", "c = mqByteOut(c); ct = mqeCt;", "RENORME", (k) => k, "mqeNextEntry"),
  ];
}

// ---- shared pieces ----------------------------------------------------------------------------

/** Sign context and XOR bit of row r (Table D.3). */
const signLookup = (r) => [
  `lu = <u32>load<u8>(SIGN_LUT + <usize>signIndex(f, load<u32>(fp - 4), load<u32>(fp + 4), ${r}));`,
];

/** Row r became significant with sign `neg`: own word, neighbour words (flags.ts). */
const markSignificant = (r) => [
  `f |= ${bit(r, 3, 4)} | (neg << ${shift(r, 1, 19)});`,
  `store<u8>(ss, 1);`,
  `flagsMarkNeighbours(fp, fstride, ${r}, neg, causal);`,
];

/** Refinement context of row r (Table D.4). */
const refineContext = (r) =>
  `select<u32>(<u32>CX_MR_LATER, <u32>CX_MR_FIRST + <u32>((${fsh(r, 3, 0)} & 0x1ef) != 0), (${fsh(r, 1, 28)} & 1) != 0)`;

// ---- row masks of significance propagation and refinement, shared by decoder and encoder ------

/**
 * Lines that set `m` to the rows of a stripe column to code in significance propagation (σ clear,
 * a significant neighbour): bit 3r for row r, from the column's 6×3 window in its flag word `f`.
 * OR each window row's three bits into its bit 3k, then each row's three window rows; rows past a
 * partial stripe's end are masked off. Continues the column loop when no row is to be coded.
 */
const sigPropRows = (m) => [
  `const rowBits: u32 = 0x249 & ((<u32>1 << <u32>(3 * rows)) - 1); // bit 3r for the rows of this stripe`,
  `let g = f | (f >>> 1) | (f >>> 2);`,
  `g &= 0x9249; // bit 3k: a significant coefficient in window row k (rows -1..4)`,
  `let ${m} = (g | (g >>> 3) | (g >>> 6)) & ~(f >>> 4) & rowBits; // bit 3r: row r to code`,
  `if (${m} == 0) continue;`,
];

/** Lines that take the lowest row r (r3 = 3r) off the mask `m` and its 9 neighbourhood bits `nb`. */
const sigPropNextRow = (m) => [
  `const r3 = ctz(${m});`,
  `${m} &= ${m} - 1;`,
  `const r = <i32>((r3 * 11) >>> 5); // r3 / 3 for r3 in 0, 3, 6, 9`,
  `nb = (f >>> r3) & 0x1ff;`,
];

/** The line that adds the row below a row that became significant to the mask `m` (unless significant). */
const sigPropRowBelow = (m) => `${m} |= (<u32>8 << r3) & rowBits & ~(f >>> 4); // the row below, unless significant`;

/**
 * Lines that set `m` to the rows of a stripe column to refine (σ set, π clear) as a 4-bit mask;
 * continue the column loop when there is none. Refinement changes no other row's context (Table
 * D.4 looks at the neighbours' σ only), so the mask is computed once per column.
 */
const refineRows = (m) => [
  `let ${m} = (((f >>> 4) & 1) | ((f >>> 6) & 2) | ((f >>> 8) & 4) | ((f >>> 10) & 8)) & ~(f >>> 24); // σ and not π, rows 0..3`,
  `${m} &= 0xf;`,
  `if (${m} == 0) continue;`,
];

// ---- decoder row steps ------------------------------------------------------------------------

const dec = {
  /**
   * Significance propagation of one stripe column (full or partial). The rows to code (σ clear, a
   * significant neighbour) as a mask with bit 3r for row r, found from the column's 6×3 window at
   * once: OR each window row's three bits into its bit 3k, then each row's three window rows. One
   * decision per set bit, lowest row first; a row that becomes significant gives the row below it
   * a significant neighbour, so that row joins the mask (the only change a decision makes to the
   * column's later rows). Rows past a partial stripe's end are masked off.
   */
  sigPropColumn: [
    `if ((f & SIG_WINDOW) == 0) continue; // nothing significant around`,
    ...sigPropRows("m"),
    `do {`,
    ...indent([
      ...sigPropNextRow("m"),
      ...decode(`<usize>load<u8>(lut + nb)`),
      `f |= ${bit("r", 1, 24)};`,
      `if (d != 0) {`,
      ...indent([
        ...signLookup("r"), ...decode(`<usize>(lu & 0x1f)`), `neg = d ^ (lu >>> 7);`, ...markSignificant("r"), `store<i32>(${sampleAt("vp", "r")}, one);`,
        sigPropRowBelow("m"),
      ]),
      `}`,
    ]),
    `} while (m != 0);`,
    `store<u32>(fp, f);`,
  ],
  /**
   * Refinement of one stripe column (full or partial: rows past the block's end never become
   * significant): the rows to refine (σ set, π clear) as a 4-bit mask, then one decision per set
   * bit, lowest row first. A refinement changes no other row's context (Table D.4 looks at the
   * neighbours' σ only), so the mask is computed once. One loop branch per row to refine instead
   * of an unpredictable test per row.
   */
  refineColumn: [
    `if ((f & SIG_CENTRE) == 0) continue;`,
    ...refineRows("m"),
    `do {`,
    ...indent([
      `const r = ctz(m);`,
      `m &= m - 1;`,
      `const t = f >>> <u32>(3 * r);`,
      ...decode(`<usize>select<u32>(<u32>CX_MR_LATER, <u32>CX_MR_FIRST + <u32>((t & 0x1ef) != 0), ((f >>> <u32>(28 + r)) & 1) != 0)`),
      `vq = vp + (<usize>r << 2);`,
      `store<i32>(vq, load<i32>(vq) + (d != 0 ? half : -half));`,
      `f |= <u32>1 << <u32>(28 + r);`,
    ]),
    `} while (m != 0);`,
    `store<u32>(fp, f);`,
  ],
  // cleanup: coefficients neither significant nor coded in this plane's SPP
  cleanup: (r) => [
    `nb = ${fsh(r, 3, 0)} & 0x1ff;`,
    `if ((((nb >>> 4) | ${fsh(r, 1, 24)}) & 1) == 0) {`,
    ...indent([
      ...decode(`<usize>load<u8>(lut + nb)`),
      `if (d != 0) {`,
      ...indent(dec.cleanupSign(r)),
      `}`,
    ]),
    `}`,
  ],
  cleanupSign: (r) => [...signLookup(r), ...decode(`<usize>(lu & 0x1f)`), `neg = d ^ (lu >>> 7);`, ...markSignificant(r), `store<i32>(${sampleAt("vp", r)}, one);`],
};

// ---- encoder row steps ------------------------------------------------------------------------

/** After a coefficient became significant in encBitmapPass: the column to the east joins this chunk's visits (its flag word now has a significant neighbour). */
const SPP_MARK = [`rem |= (<u64>2 << <u64>xb) & cmask; // (0 for the chunk's last column xb = 63)`];

const enc = {
  /**
   * Sign coding of row r (D.3.2) after it became significant, `nbx` its neighbourhood bits (as
   * `nb`): the west and east flag words are loaded once, for the sign context and for marking.
   */
  sign: (r, mark, nbx = "nb") => [
    `fw = load<u32>(fp - 4);`,
    `fe = load<u32>(fp + 4);`,
    `lu = <u32>load<u8>(SIGN_LUT + <usize>signIndexNb(${nbx}, f, fw, fe, ${r}));`,
    `neg = m >>> 31;`,
    `d = neg ^ (lu >>> 7);`,
    ...encode(`<usize>(lu & 0x1f)`),
    `f |= ${bit(r, 3, 4)} | (neg << ${shift(r, 1, 19)});`,
    `store<u8>(ss, 1);`,
    `flagsMarkNeighboursWE(fp, fstride, ${r}, neg, causal, fw, fe);`,
    ...mark,
    `dist += sigTerm(m, s3); // summed always, returned when wantD`,
  ],
  /** Cleanup of row r: `skip` tests whether it is significant or was coded in this plane's SPP. */
  cleanup: (r, skip) => [
    ...(skip ? [`if ((${skip}) == 0) {`, `  nb = ${fsh(r, 3, 0)} & 0x1ff;`] : [`nb = ${fsh(r, 3, 0)} & 0x1ff;`, `if ((((nb >>> 4) | ${fsh(r, 1, 24)}) & 1) == 0) {`]),
    ...indent([
      `m = load<u32>(${sampleAt("mp", r)});`,
      `d = <u32>((m & spBit) != 0);`,
      ...encode(`<usize>load<u8>(lut + nb)`),
      `if (d != 0) {`,
      ...indent(enc.sign(r, [])),
      `}`,
    ]),
    `}`,
  ],
};

/**
 * Significance propagation of one stripe column in the encoder (full or partial), as the decoder's
 * dec.sigPropColumn: the rows to code (σ clear, a significant neighbour) as a mask with bit 3r
 * for row r from the column's 6×3 window, one decision per set bit, lowest row first; a row that
 * becomes significant adds the row below it (unless significant).
 */
const encSigPropColumn = [
  ...sigPropRows("rm"),
  `do {`,
  ...indent([
    ...sigPropNextRow("rm"),
    `m = load<u32>(${sampleAt("mp", "r")});`,
    `d = <u32>((m & spBit) != 0);`,
    ...encode(`<usize>load<u8>(lut + nb)`),
    `f |= ${bit("r", 1, 24)};`,
    `if (d != 0) {`,
    ...indent([
      ...enc.sign("r", SPP_MARK),
      sigPropRowBelow("rm"),
    ]),
    `}`,
  ]),
  `} while (rm != 0);`,
  `store<u32>(fp, f);`,
];

/**
 * Refinement of one stripe column in the encoder (full or partial), as the decoder's
 * dec.refineColumn: the rows to refine (σ set, π clear) as a 4-bit mask, one decision per set bit.
 */
const encRefineColumn = [
  `let rm = load<u32>(REFINE_ROWS + (xb << 2)); // σ and not π, rows 0..3 (refineColumnBits); not 0`,
  `do {`,
  ...indent([
    `const r = ctz(rm);`,
    `rm &= rm - 1;`,
    `m = load<u32>(${sampleAt("mp", "r")});`,
    `d = <u32>((m & spBit) != 0);`,
    ...encode(`<usize>(${refineContext("r")})`),
    `f |= ${bit("r", 1, 28)};`,
    `dist += refineTerm(m, d, sOne); // summed always, returned when wantD`,
  ]),
  `} while (rm != 0);`,
  `store<u32>(fp, f);`,
];

/**
 * A pass function's head: its TSDoc line and signature, the MQ registers `regs` (module globals)
 * copied into the locals a, c, ct, the pass's own locals `vars` and statements `pre`, then the
 * walk's start (flag-row stride and origin, first sample row). Shared by passFunction and
 * encBitmapPass.
 */
function passHead({ name, doc, params, ret, regs, vars, pre }) {
  return [
    `/** ${doc} */`,
    `export function ${name}(${params}): ${ret} {`,
    `  let a = ${regs[0]};`,
    `  let c = ${regs[1]};`,
    `  let ct = ${regs[2]};`,
    `  let ${vars};`,
    ...indent(pre),
    `  const fstride = flagStrideBytes(w);`,
    `  let frow = flagOrigin(w);`,
    `  let srow = SAMPLES;`,
  ];
}

/**
 * An encoder pass that visits, in every stripe that passes `stripeTest`, only the columns whose
 * flag word has a bit of `mask` set (columnBits, ebcot_encoder_columns.ts: one bitmap per 64
 * columns, built when the pass reaches them), in increasing order. The column body sees the same
 * locals as in passFunction (f, fp, mp, rows, ss) plus the chunk's first column `k`, the column's
 * bit `xb` and the remaining columns `rem`; `continue` moves to the next column. A body that
 * gives a later column of the chunk a `mask` bit adds it to `rem` (SPP_MARK); a column of a later
 * chunk or stripe is seen when its bitmap is built.
 */
function encBitmapPass({ name, doc, params, vars, pre, stripeTest, mask, columnBody, result }) {
  return [
    ...passHead({ name, doc, params, ret: "f64", regs: ["mqeA", "mqeC", "mqeCt"], vars, pre }),
    `  for (let y = 0; y < h; y += 4) {`,
    `    const rows = min(4, h - y);`,
    `    const ss = STRIPE_SIG + 1 + <usize>(y >> 2);`,
    `    if (${stripeTest}) {`,
    ...(mask === "SIGPROP" ? [`      const stripeRows: u32 = 0x249 & ((<u32>1 << <u32>(3 * rows)) - 1); // bit 3r for the rows of this stripe`] : []),
    `      for (let k = 0; k < w; k += 64) {`,
    ...(mask === "SIGPROP" ? [`        const cmask = <u64>-1 >>> <u64>(64 - min(64, w - k)); // the chunk's columns`] : []),
    `        const fk = frow + (<usize>k << 2);`,
    `        const mk = srow + (<usize>k << 4);`,
    `        let rem = ${mask === "REFINE" ? "refineColumnBits(fk, min(64, w - k))" : mask === "SIGPROP" ? "sigPropColumnBits(fk, min(64, w - k), stripeRows)" : `columnBits(fk, min(64, w - k), ${mask})`};`,
    `        while (rem != 0) {`,
    `          const xb = <usize>ctz(rem);`,
    `          rem &= rem - 1;`,
    `          const fp = fk + (xb << 2);`,
    `          const mp = mk + (xb << 4);`,
    `          let f = load<u32>(fp);`,
    ...indent(columnBody, 5),
    `        }`,
    `      }`,
    `    }`,
    `    frow += fstride;`,
    `    srow += <usize>w << 4;`,
    `  }`,
    `  mqeA = a;`,
    `  mqeC = c;`,
    `  mqeCt = ct;`,
    `  return ${result};`,
    `}`,
  ];
}

// ---- pass skeletons ---------------------------------------------------------------------------

function indent(lines, n = 1) {
  const pad = "  ".repeat(n);
  return lines.map((l) => (l === "" ? l : pad + l));
}

/** Cleanup rows after an optional run-length interruption at row `start`. */
function cleanupRows(step) {
  return [
    `if (start == 0 && rows == 4) {`,
    ...indent([0, 1, 2, 3].flatMap((r) => [`// row ${r}`, ...step(r)])),
    `} else {`,
    `  for (let r = start; r < rows; r++) {`,
    ...indent(step("r"), 2),
    `  }`,
    `}`,
  ];
}

/**
 * One pass function. `coder`: "dec" or "enc"; `columnBody`: statements for one stripe column
 * with its flag word in `f` (stored back by the body). With `partialBody`, columnBody is used for
 * full stripes only (it may take rows = 4 for granted) and partialBody for the last stripe of a
 * block whose height is not a multiple of 4: a column loop that does not test the stripe height
 * for every column (and holds one value less) is measurably faster in the encoder's cleanup.
 */
function passFunction({ name, doc, params, coder, ret, vars, pre, stripeTest, columnBody, partialBody, result = "dist" }) {
  const isDec = coder === "dec";
  const regs = isDec ? ["mqA", "mqC", "mqCt"] : ["mqeA", "mqeC", "mqeCt"];
  const dataPtr = isDec ? "vp" : "mp";
  return [
    ...passHead({ name, doc, params, ret, regs, vars, pre }),
    `  for (let y = 0; y < h; y += 4) {`,
    `    const rows = min(4, h - y);`,
    `    const fend = frow + (<usize>w << 2);`,
    `    const ss = STRIPE_SIG + 1 + <usize>(y >> 2);`,
    `    let ${dataPtr} = srow;`,
    ...(stripeTest ? [`    if (${stripeTest}) {`] : []),
    ...(partialBody
      ? [
        `    if (rows == 4) {`,
        `      // full stripe (rows = 4 known to the column body)`,
        `      for (let fp = frow; fp < fend; fp += 4, ${dataPtr} += 16) {`,
        `        let f = load<u32>(fp);`,
        ...indent(columnBody, 4),
        `      }`,
        `    } else {`,
        `      for (let fp = frow; fp < fend; fp += 4, ${dataPtr} += 16) {`,
        `        let f = load<u32>(fp);`,
        ...indent(partialBody, 4),
        `      }`,
        `    }`,
      ]
      : indent([
        `    for (let fp = frow; fp < fend; fp += 4, ${dataPtr} += 16) {`,
        `      let f = load<u32>(fp);`,
        ...indent(columnBody, 3),
        `    }`,
      ], stripeTest ? 1 : 0)),
    ...(stripeTest ? [`    }`] : []),
    `    frow += fstride;`,
    `    srow += <usize>w << 4;`,
    `  }`,
    `  ${regs[0]} = a;`,
    `  ${regs[1]} = c;`,
    `  ${regs[2]} = ct;`,
    ...(ret === "void" ? [] : [`  return ${result};`]),
    `}`,
  ];
}

const DEC_VARS = "e: u32, q: u32, qh: u64, d: u32, lo: u32, lps: u32, n: u32, cxp: usize, nb: u32, lu: u32, neg: u32, vq: usize";
/** The distortion sum of a pass in which coefficients become significant (distortion.ts). */
const SIG_SUM = ["let dist: i64 = 0; // sum of sigTerm (distortion.ts)"];
const ENC_VARS = "e: u32, q: u32, d: u32, lps: u32, x: u32, n: u32, cxp: usize, nb: u32, lu: u32, neg: u32, m: u32, fw: u32, fe: u32";

function decoderFile() {
  const fns = [
    passFunction({
      name: "decodeSigPropMq",
      doc: "Significance propagation pass (D.3.1), MQ-coded, bit-plane p.",
      params: "w: i32, h: i32, p: i32, lut: usize, causal: bool",
      coder: "dec",
      ret: "void",
      vars: DEC_VARS,
      pre: ["const one = <i32>3 << p; // v of a coefficient that becomes significant at plane p"],
      stripeTest: "(load<u8>(ss - 1) | load<u8>(ss) | load<u8>(ss + 1)) != 0", // no significant coefficient in or next to the stripe: nothing to do
      columnBody: dec.sigPropColumn,
    }),
    passFunction({
      name: "decodeRefineMq",
      doc: "Magnitude refinement pass (D.3.3), MQ-coded, bit-plane p.",
      params: "w: i32, h: i32, p: i32",
      coder: "dec",
      ret: "void",
      vars: DEC_VARS,
      pre: ["const half = <i32>1 << p; // a refinement bit b changes v by (2b - 1)·2^p"],
      stripeTest: "load<u8>(ss) != 0",
      columnBody: dec.refineColumn,
    }),
    passFunction({
      name: "decodeCleanupMq",
      doc: "Cleanup pass with run-length coding (D.3.4), MQ-coded, bit-plane p.",
      params: "w: i32, h: i32, p: i32, lut: usize, causal: bool",
      coder: "dec",
      ret: "void",
      vars: DEC_VARS,
      pre: ["const one = <i32>3 << p;"],
      columnBody: [
        `let start = 0;`,
        `if (f == 0 && rows == 4) {`,
        `  // four insignificant coefficients with all-zero contexts: run-length mode (D.3.4).`,
        `  // k run-length decisions in a row take the MPS path without renormalisation (C.3.2) while`,
        `  // A - k·Qe >= 0x8000 and Chigh >= k·Qe; with MPS = 0 each leaves its column insignificant,`,
        `  // so a run of such columns costs two subtractions`,
        `  e = load<u32>(MQ_CONTEXTS + (<usize>CX_RL << 2));`,
        `  q = e & 0xffff;`,
        `  if ((e & 0x10000) == 0 && a >= q + 0x8000 && <u32>(c >>> 48) >= q) {`,
        `    const k = min(a - 0x8000, <u32>(c >>> 48)) / q; // >= 1`,
        `    let j: u32 = 1; // this column, then the all-zero columns after it (at most k)`,
        `    const left = <u32>((fend - fp) >>> 2);`,
        `    if ((load<u8>(ss - 1) | load<u8>(ss) | load<u8>(ss + 1)) == 0) {`,
        `      j = min(k, left); // nothing significant in or next to the stripe: every word from here on is 0`,
        `    } else {`,
        `      const jmax = min(k, left);`,
        `      while (j < jmax && load<u32>(fp + (<usize>j << 2)) == 0) j++;`,
        `    }`,
        `    q *= j;`,
        `    a -= q;`,
        `    c -= <u64>q << 48;`,
        `    fp += <usize>(j - 1) << 2;`,
        `    vp += <usize>(j - 1) << 4;`,
        `    continue;`,
        `  }`,
        ...indent(decode(`<usize>CX_RL`)),
        `  if (d == 0) continue; // all four stay insignificant`,
        `  // first significant row: two decisions in the uniform context, most significant bit first`,
        ...indent(decode(`<usize>CX_UNI`)),
        `  let r = <i32>(d << 1);`,
        ...indent(decode(`<usize>CX_UNI`)),
        `  r |= <i32>d;`,
        ...indent(dec.cleanupSign("r")),
        `  start = r + 1;`,
        `}`,
        ...cleanupRows(dec.cleanup),
        `store<u32>(fp, f & ~PI_ALL);`,
      ],
    }),
  ];
  return [
    header("ebcot_decoder.ts"),
    `import { MQ_CONTEXTS, CX_RL, CX_UNI, CX_MR_FIRST, CX_MR_LATER, mqNextEntry } from "./mq_states";`,
    `import { mqA, mqC, mqCt, mqFill } from "./mq_decoder";`,
    `import { SIGN_LUT, signIndex } from "./contexts";`,
    `import { SAMPLES, STRIPE_SIG, SIG_WINDOW, SIG_CENTRE, PI_ALL, flagOrigin, flagStrideBytes, flagsMarkNeighbours } from "./flags";`,
    ``,
    fns.map((f) => f.join("\n")).join("\n\n"),
    ``,
  ].join("\n");
}

function encoderFile() {
  const common = "w: i32, h: i32, p: i32, fb: i32";
  const fns = [
    encBitmapPass({
      name: "encodeSigPropMq",
      doc: "Significance propagation pass (D.3.1), MQ-coded, bit-plane p; returns the distortion decrease (doubled units).",
      params: `${common}, lut: usize, causal: bool, wantD: bool`,
      coder: "enc",
      ret: "f64",
      vars: ENC_VARS,
      pre: [...SIG_SUM, "const sp = <u32>(fb + p); // bit of |c| coded at plane p", "const spBit = <u32>1 << sp;", "const s3 = <u32>3 << sp;"],
      result: "wantD ? sigGainOf(dist, p, fb) : 0",
      stripeTest: "(load<u8>(ss - 1) | load<u8>(ss) | load<u8>(ss + 1)) != 0", // no significant coefficient in or next to the stripe: nothing to do
      mask: "SIGPROP",
      columnBody: encSigPropColumn,
    }),
    encBitmapPass({
      name: "encodeRefineMq",
      doc: "Magnitude refinement pass (D.3.3), MQ-coded, bit-plane p; returns the distortion decrease.",
      params: `${common}, wantD: bool`,
      coder: "enc",
      ret: "f64",
      vars: ENC_VARS,
      pre: ["let dist: i64 = 0; // sum of refineTerm (distortion.ts)", "const sp = <u32>(fb + p);", "const spBit = <u32>1 << sp;", "const sOne = spBit;"],
      result: "wantD ? refineGainOf(dist, p, fb) : 0",
      stripeTest: "load<u8>(ss) != 0",
      mask: "REFINE",
      columnBody: encRefineColumn,
    }),
    passFunction({
      name: "encodeCleanupMq",
      doc: "Cleanup pass with run-length coding (D.3.4), MQ-coded, bit-plane p; returns the distortion decrease.",
      params: `${common}, lut: usize, causal: bool, wantD: bool`,
      coder: "enc",
      ret: "f64",
      vars: ENC_VARS,
      pre: [...SIG_SUM, "const sp = <u32>(fb + p);", "const spBit = <u32>1 << sp;", "const s3 = <u32>3 << sp;"],
      result: "wantD ? sigGainOf(dist, p, fb) : 0",
      columnBody: [
        `let start = 0;`,
        `if (f == 0) {`,
        `  // run-length mode: one decision tells whether any of the four becomes significant`,
        `  d = <u32>(((load<u32>(mp) | load<u32>(mp, 4) | load<u32>(mp, 8) | load<u32>(mp, 12)) & spBit) != 0);`,
        `  if (d == 0) {`,
        `    // the run stays insignificant: when 0 is the context's MPS and A − Qe >= 0x8000, coding it`,
        `    // (C.2.5 CODEMPS) only moves A and C by Qe: no renormalisation, no state change (the`,
        `    // common case in the long runs of a bit-plane's first passes, where Qe is small)`,
        `    e = load<u32>(MQ_CONTEXTS + (<usize>CX_RL << 2));`,
        `    q = e & 0xffff;`,
        `    if ((e & 0x10000) == 0 && a >= q + 0x8000) {`,
        `      a -= q;`,
        `      c += q;`,
        `      if (ASC_FEATURE_SIMD) {`,
        `        // the next columns four at a time while they are run columns that stay insignificant`,
        `        // and four more such decisions need no renormalisation either`,
        `        const q4 = q << 2;`,
        `        const spv = i32x4.splat(<i32>spBit); // bit sp of four samples`,
        `        while (fp + 20 <= fend && a >= q4 + 0x8000) {`,
        `          if (v128.any_true(v128.load(fp, 4))) break;`,
        `          const sv = v128.or(v128.or(v128.load(mp, 16), v128.load(mp, 32)), v128.or(v128.load(mp, 48), v128.load(mp, 64)));`,
        `          if (v128.any_true(v128.and(sv, spv))) break;`,
        `          a -= q4;`,
        `          c += q4;`,
        `          fp += 16;`,
        `          mp += 64;`,
        `        }`,
        `      }`,
        `      continue;`,
        `    }`,
        `  }`,
        ...indent(encode(`<usize>CX_RL`)),
        `  if (d == 0) continue;`,
        `  let r = 0;`,
        `  while ((load<u32>(mp + (<usize>r << 2)) & spBit) == 0) r++;`,
        `  // its row in two decisions in the uniform context, most significant bit first`,
        `  d = <u32>r >>> 1;`,
        ...indent(encode(`<usize>CX_UNI`)),
        `  d = <u32>r & 1;`,
        ...indent(encode(`<usize>CX_UNI`)),
        `  m = load<u32>(mp + (<usize>r << 2));`,
        ...indent(enc.sign("r", [], "(f >>> <u32>(3 * r))")),
        `  start = r + 1;`,
        `}`,
        `// σ or π of row r in bit 3r + 4 (neither changes for another row while the column is coded)`,
        `const done = f | ((f >>> 20) & 0x10) | ((f >>> 18) & 0x80) | ((f >>> 16) & 0x400) | ((f >>> 14) & 0x2000);`,
        `if ((done & SIG_CENTRE) != SIG_CENTRE) { // some row neither σ nor π`,
        `  if (start == 0) {`,
        ...indent([0, 1, 2, 3].flatMap((r) => [`// row ${r}`, ...enc.cleanup(r, `done & ${bit(r, 3, 4)}`)]), 2),
        `  } else {`,
        `    for (let r = start; r < 4; r++) {`,
        ...indent(enc.cleanup("r"), 3),
        `    }`,
        `  }`,
        `}`,
        `store<u32>(fp, f & ~PI_ALL);`,
      ],
      // a partial stripe (rows < 4): no run-length mode (D.3.4 needs four rows)
      partialBody: [
        `for (let r = 0; r < rows; r++) {`,
        ...indent(enc.cleanup("r")),
        `}`,
        `store<u32>(fp, f & ~PI_ALL);`,
      ],
    }),
  ];
  return [
    header("ebcot_encoder.ts"),
    `import { MQ_CONTEXTS, CX_RL, CX_UNI, CX_MR_FIRST, CX_MR_LATER } from "./mq_states";`,
    `import { mqeA, mqeC, mqeCt, mqByteOut, mqeNextEntry } from "./mq_encoder";`,
    `import { SIGN_LUT, signIndexNb } from "./contexts";`,
    `import { SAMPLES, STRIPE_SIG, SIG_WINDOW, SIG_CENTRE, PI_ALL, flagOrigin, flagStrideBytes, flagsMarkNeighboursWE } from "./flags";`,
    `import { sigTerm, refineTerm, sigGainOf, refineGainOf } from "./distortion";`,
    `import { columnBits, refineColumnBits, sigPropColumnBits, REFINE_ROWS } from "./ebcot_encoder_columns";`,
    ``,
    fns.map((f) => f.join("\n")).join("\n\n"),
    ``,
  ].join("\n");
}

function header(user) {
  return [
    `// GENERATED by codec/t1/gen_passes.mjs — do not edit; change the generator and run it.`,
    `// MQ-coded EBCOT passes (ISO/IEC 15444-1 D.3) used by ${user}: the MQ registers live in locals`,
    `// (a, c, ct; copied from/to the globals of the MQ coder around each pass) and every MQ procedure`,
    `// is expanded inline; the rows of full stripes are unrolled. Flag word layout: flags.ts.`,
    ``,
  ].join("\n");
}

/** The generated files: path (relative to this folder) → content. */
export function generate() {
  return {
    "ebcot_decoder_passes.ts": decoderFile(),
    "ebcot_encoder_passes.ts": encoderFile(),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const [file, text] of Object.entries(generate())) {
    const path = join(HERE, file);
    let old = "";
    try {
      old = readFileSync(path, "utf8");
    } catch {
      old = "";
    }
    if (old === text) continue;
    stale++;
    if (check) console.error(`${file} is out of date: run node codec/t1/gen_passes.mjs`);
    else writeFileSync(path, text);
  }
  if (check && stale > 0) process.exit(1);
}

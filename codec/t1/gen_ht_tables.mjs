// Generator of codec/t1/ht_tables.ts: the decoding look-up tables of the HT cleanup pass
// (ISO/IEC 15444-15 | Rec. ITU-T T.814 clause 7.3: context-adaptive VLC, Annex C tables; UVLC,
// Table 3 of the standard), built from the codeword list in codec/t1/ht_vlc_codes.mjs.
//
//   node codec/t1/gen_ht_tables.mjs          rewrite codec/t1/ht_tables.ts
//   node codec/t1/gen_ht_tables.mjs --check  exit 1 if it is out of date
// test/ht/tables.test.ts runs the check.
//
// VLC tables (HT_VLC0 for the initial quad row, HT_VLC1 for the others), 1024 u32 each, indexed
// by (c_q << 7) | the next 7 bits of the VLC bitstream (LSB = next bit). Entry:
//   bits 0-2 codeword length (bits 3-5 are 0: a 64-bit shift by the whole entry consumes the
//   codeword, WebAssembly takes shift counts modulo 64), bits 6-7 the quad's bottom samples 1 and 3
//   (the next quad row's contexts), bit 8 u_off, bits 9-11 the context contribution of this quad to
//   the next quad of its row as index bits 7-9 times 4, i.e. a byte offset into the table (initial
//   row: the whole c_q of the quad to its right, from rho; other rows: c_q bit 1 = sample 2 or 3
//   significant), bits 12-15 rho, bits 16-18 popcount(rho), bits 20-23 e_1, bits 24-26
//   popcount(e_k), bits 28-31 e_k. ((entry & 0xf0f0f000) >> 8: rho, e_1, e_k in the high nibbles
//   of bytes 0, 1, 2, i.e. each times the 16 bytes of a row of the decoder's SIMD lane tables.)
//
// UVLC tables (HT_UVLC0: 320 u32 entries for the initial row, HT_UVLC1: 256), indexed by
// (u_off(q1) << 6) | (u_off(q0) << 7) | the next 6 bits, plus 256 (mode 4) in the initial row when
// both are set and the MEL event is 1 (the decoder forms the u_off bits times 4 from the VLC
// entries' bit 8). Entry:
//   bits 0-4 bits of the pair (prefixes and suffixes; bit 5 is 0, as above), bits 6-8 total
//   prefix length, bits 9-11 suffix length of q0, bits 12-14 u prefix value of q0, bits 15-17 u
//   prefix value of q1, bits 18-27 the mask of the pair's suffix bits (2^(suffix lengths) - 1)
// (u = prefix value + suffix bits; the pair's prefixes come first, then q0's suffix, then q1's).

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { CODES0, CODES1 } from "./ht_vlc_codes.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, "ht_tables.ts");

const popcount = (x) => (x & 1) + ((x >> 1) & 1) + ((x >> 2) & 1) + ((x >> 3) & 1);

/** Context contribution (index bits 7-9, times 4) of a quad with significance rho to the quad on its right. */
function nextContext(initial, rho) {
  // initial row: c_q from the quad to the left alone (T.814 7.3.5); other rows: its right column
  const c = initial ? ((rho | (rho >> 1)) & 1) | ((rho >> 1) & 6) : (((rho >> 2) | (rho >> 3)) & 1) << 1;
  return c << 9;
}

function vlcTable(codes, initial) {
  const t = new Array(1024).fill(0);
  for (let i = 0; i < 1024; i++) {
    const c = i >> 7, bits = i & 0x7f;
    let found = 0;
    for (const [cq, rho, uoff, ek, e1, cwd, len] of codes) {
      if (cq !== c || (bits & ((1 << len) - 1)) !== cwd) continue;
      if (found) throw new Error(`codes of context ${c} are not prefix-free`);
      found = 1;
      const below = ((rho >> 1) & 1) | (((rho >> 3) & 1) << 1);
      t[i] = (len | (below << 6) | (uoff << 8) | nextContext(initial, rho) | (rho << 12) |
        (popcount(rho) << 16) | (e1 << 20) | (popcount(ek) << 24) | (ek << 28)) >>> 0;
    }
    if (!found) throw new Error(`no codeword for context ${c}, bits ${bits}`);
  }
  return t;
}

/** UVLC prefix (T.814 Table 3), LSB first: "1" -> 1, "01" -> 2, "001" -> 3 (+1 suffix bit), "000" -> 5 (+5). */
function prefix(bits) {
  if (bits & 1) return { len: 1, u: 1, sfx: 0 };
  if (bits & 2) return { len: 2, u: 2, sfx: 0 };
  if (bits & 4) return { len: 3, u: 3, sfx: 1 };
  return { len: 3, u: 5, sfx: 5 };
}

function uvlcEntry(tp, ts, s0, u0, u1) {
  return (tp + ts) | (tp << 6) | (s0 << 9) | (u0 << 12) | (u1 << 15) | (((1 << ts) - 1) << 18);
}

function uvlcTable(initial) {
  const n = initial ? 320 : 256;
  const t = new Array(n).fill(0);
  for (let i = 0; i < n; i++) {
    // mode = u_off(q0) + 2 u_off(q1), or 4
    const m = i >> 6, mode = m === 4 ? 4 : ((m & 1) << 1) | (m >> 1), bits = i & 0x3f;
    if (mode === 0) continue;
    if (mode === 1 || mode === 2) {
      const d = prefix(bits);
      t[i] = mode === 1 ? uvlcEntry(d.len, d.sfx, d.sfx, d.u, 0) : uvlcEntry(d.len, d.sfx, 0, 0, d.u);
      continue;
    }
    const d0 = prefix(bits);
    const d1 = prefix(bits >> d0.len);
    if (mode === 3) {
      if (initial && d0.u > 2) {
        // initial row, both u_off set, MEL event 0, u_pfx(q0) > 2: u(q1) = 1 + one bit, no suffix
        t[i] = uvlcEntry(d0.len + 1, d0.sfx, d0.sfx, d0.u, 1 + ((bits >> d0.len) & 1));
      } else {
        t[i] = uvlcEntry(d0.len + d1.len, d0.sfx + d1.sfx, d0.sfx, d0.u, d1.u);
      }
    } else {
      // mode 4: initial row, both u_off set, MEL event 1: both u values are offset by 2
      t[i] = uvlcEntry(d0.len + d1.len, d0.sfx + d1.sfx, d0.sfx, d0.u + 2, d1.u + 2);
    }
  }
  return t;
}

function emit(name, doc, values) {
  const rows = [];
  for (let i = 0; i < values.length; i += 8) {
    rows.push("  " + values.slice(i, i + 8).map((v) => "0x" + v.toString(16).padStart(8, "0")).join(", ") + ",");
  }
  return `/** ${doc} */\nexport const ${name}: usize = memory.data<u32>([\n${rows.join("\n")}\n], 64);\n`;
}

function codeList(name, doc, codes) {
  const flat = codes.flat();
  const rows = [];
  for (let i = 0; i < flat.length; i += 21) rows.push("  " + flat.slice(i, i + 21).join(", ") + ",");
  return `/** ${doc} */\nexport const ${name}: usize = memory.data<u8>([\n${rows.join("\n")}\n]);\nexport const ${name}_COUNT: i32 = ${codes.length};\n`;
}

const text = `// GENERATED by codec/t1/gen_ht_tables.mjs from codec/t1/ht_vlc_codes.mjs -- do not edit.
// Look-up tables of the HT cleanup pass (ISO/IEC 15444-15 clause 7.3, Annex C): see the
// generator for the entry layouts.

${emit("HT_VLC0", "Initial quad row VLC decoding table (1024 entries).", vlcTable(CODES0, true))}
${emit("HT_VLC1", "Non-initial quad rows VLC decoding table (1024 entries).", vlcTable(CODES1, false))}
${emit("HT_UVLC0", "Initial quad row UVLC decoding table (320 entries).", uvlcTable(true))}
${emit("HT_UVLC1", "Non-initial quad rows UVLC decoding table (256 entries).", uvlcTable(false))}
// The codeword lists themselves (7 bytes per codeword: c_q, rho, u_off, e_k, e_1, cwd, len), for an
// encoder building its own look-up tables.
${codeList("HT_CODES0", "Initial quad row codewords.", CODES0)}
${codeList("HT_CODES1", "Non-initial quad row codewords.", CODES1)}`;

if (process.argv.includes("--check")) {
  let cur = "";
  try { cur = readFileSync(OUT, "utf8"); } catch {}
  if (cur !== text) {
    console.error("codec/t1/ht_tables.ts is out of date: run node codec/t1/gen_ht_tables.mjs");
    process.exit(1);
  }
} else {
  writeFileSync(OUT, text);
}

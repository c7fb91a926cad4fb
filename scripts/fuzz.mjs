#!/usr/bin/env node
// j2kit's fuzzer. See README "Fuzzing".
//
//   npm run fuzz -- --target decode|header|dicom|jp2|jpeg|all [--cases N | --duration SECONDS] [--seed S]
//                   [--jobs J] [--time-ms 2000] [--mem-mib 512] [--out fuzz-findings] [--json]
//   npm run fuzz -- --replay PATH...      every file (folders recursively), each in its own process
//
// Each case mutates a seed file from ../shared/testdata with 1-3 structure-aware mutations
// (codestream, JP2 box or DICOM element level; see scripts/fuzz/mutate_*.mjs) or generic ones and runs
// it in a worker process under the limits: a J2kError other than INTERNAL or a valid result is fine;
// INTERNAL, any other exception, an invalid result, more than --time-ms of CPU time or more than
// --mem-mib of resident memory (the whole process) is a finding. Findings are saved with a JSON note
// (seed file, mutations, options, outcome, reproduce command) under --out (gitignored), one folder per
// distinct signature. Case i of run seed S is always the same input: reruns reproduce.
import { mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync, existsSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool, isFinding } from "./fuzz/pool.mjs";
import { Prng, hashSeed } from "./fuzz/prng.mjs";
import { jpegSeeds, seedsFor, TESTDATA } from "./fuzz/seeds.mjs";
import { FUZZ_LIMITS, TARGETS } from "./fuzz/targets.mjs";
import { mutateCodestream } from "./fuzz/mutate_codestream.mjs";
import { mutateJp2, isJp2 } from "./fuzz/mutate_jp2.mjs";
import { mutateDicom } from "./fuzz/mutate_dicom.mjs";
import { mutateGeneric } from "./fuzz/mutate_generic.mjs";
import { mutateJpeg } from "./fuzz/mutate_jpeg.mjs";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

function parseArgs(argv) {
  const a = { target: "all", cases: undefined, duration: undefined, seed: undefined, jobs: 1, timeMs: 2000, memMiB: 512, out: join(ROOT, "fuzz-findings"), json: false, quiet: false, replay: [], maxSeedBytes: 300 * 1024, hangMs: 30000 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      return argv[++i];
    };
    switch (k) {
      case "--target": a.target = v(); break;
      case "--cases": a.cases = Number(v()); break;
      case "--duration": a.duration = Number(v()); break;
      case "--seed": a.seed = v(); break;
      case "--jobs": a.jobs = Number(v()); break;
      case "--time-ms": a.timeMs = Number(v()); break;
      case "--mem-mib": a.memMiB = Number(v()); break;
      case "--hang-ms": a.hangMs = Number(v()); break;
      case "--out": a.out = resolve(v()); break;
      case "--max-seed-bytes": a.maxSeedBytes = Number(v()); break;
      case "--json": a.json = true; break;
      case "--quiet": a.quiet = true; break;
      case "--replay":
        while (i + 1 < argv.length && !argv[i + 1].startsWith("--")) a.replay.push(argv[++i]);
        if (a.replay.length === 0) throw new Error("--replay needs at least one file or folder");
        break;
      case "--help":
      case "-h":
        console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").filter((l) => l.startsWith("//")).map((l) => l.slice(3)).join("\n"));
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${k} (see --help)`);
    }
  }
  const targets = a.target === "all" ? Object.keys(TARGETS) : a.target.split(",");
  for (const t of targets) if (!TARGETS[t]) throw new Error(`unknown target ${t}: one of ${Object.keys(TARGETS).join(", ")}, all`);
  a.targets = targets;
  if (a.seed === undefined) a.seed = String(Date.now() % 1e9);
  if (a.cases === undefined && a.duration === undefined) a.cases = 1000;
  return a;
}

// ---------------------------------------------------------------------------------------------
// Cases

function structureMutator(target, bytes) {
  if (target === "dicom") return mutateDicom;
  if (target === "jpeg") return mutateJpeg;
  if (isJp2(bytes)) return mutateJp2;
  return mutateCodestream;
}

function decodeOptions(rng) {
  const o = {};
  if (rng.chance(0.5)) o.allowPartial = true;
  if (rng.chance(0.12)) o.reduce = rng.range(0, 3);
  if (rng.chance(0.1)) o.layers = rng.range(1, 3);
  if (rng.chance(0.1)) o.region = { x: rng.int(64), y: rng.int(64), width: rng.range(1, 300), height: rng.range(1, 300) };
  if (rng.chance(0.05)) o.components = [0];
  if (rng.chance(0.1)) o.layout = rng.pick(["planar", "components"]);
  return o;
}

function dicomOptions(rng) {
  const r = rng.int(100);
  const o = r < 45 ? { transferSyntax: "explicit-le" }
    : r < 60 ? { transferSyntax: "j2k-lossless" }
    : r < 68 ? { transferSyntax: "j2k", ratios: [rng.pick([5, 10, 40])] }
    : r < 73 ? { transferSyntax: "implicit-le" }
    : r < 78 ? { transferSyntax: "deflated-le" }
    : { inspect: true };
  if (rng.chance(0.15)) o.signFrom = rng.pick(["codestream", "dataset"]);
  if (rng.chance(0.2)) o.tolerant = true;
  return o;
}

/** The input and options of case `index` of run `seed` for `target`. */
export function makeCase(target, seeds, seed, index) {
  const rng = Prng.forCase(`${target}:${seed}`, index);
  const s = rng.weighted(seeds);
  let bytes = s.bytes;
  const what = [];
  const n = rng.pick([1, 1, 1, 2, 2, 3]);
  for (let k = 0; k < n; k++) {
    let m = null;
    if (rng.chance(0.75)) {
      // a mutator that cannot make sense of an earlier mutation's output must not stop the campaign
      try {
        m = structureMutator(target, bytes)(bytes, rng);
      } catch (e) {
        m = { bytes, what: null, failed: String(e) };
      }
    }
    if (!m || !m.what) m = mutateGeneric(bytes, rng);
    bytes = m.bytes;
    what.push(m.what);
  }
  const options = { limits: FUZZ_LIMITS };
  if (target === "decode") options.decode = decodeOptions(rng);
  if (target === "jp2") {
    options.jp2 = rng.pick(["check", "check", "repair", "decode"]);
    if (options.jp2 === "decode") options.decode = decodeOptions(rng);
  }
  if (target === "dicom") options.dicom = dicomOptions(rng);
  // the streaming decoder fed in pieces of this many bytes (0: decodeJpeg on the whole file)
  if (target === "jpeg") options.jpeg = { chunk: rng.pick([0, 0, 1, 7, 64, 4096]) };
  // drawn last so that the inputs and other options of a case stay what they were before strips
  if (target === "decode" && rng.chance(0.3)) options.strips = true;
  // drawn after strips for the same reason: decodeAsync with `threads: 2` (row bands on this thread and
  // a worker, src/worker/threads.ts), checked against decode() of the same input (scripts/fuzz/targets.mjs)
  if (target === "decode" && rng.chance(0.25)) options.threads = 2;
  return { seedFile: s.name, mutations: what, bytes: bytes.slice(), options };
}

// ---------------------------------------------------------------------------------------------
// Findings

function signature(target, r) {
  const msg = String(r.message ?? "").replace(/0x[0-9a-f]+/gi, "H").replace(/\d+/g, "N").slice(0, 120);
  const frame = String(r.stack ?? "").split(" | ")[0] ?? "";
  return `${target}|${r.outcome}|${r.limitOutcome ?? ""}|${r.code ?? ""}|${msg}|${frame.replace(/:\d+:\d+/g, "")}`;
}

function extFor(target, bytes) {
  if (target === "dicom") return "dcm";
  return isJp2(bytes) ? "jp2" : "j2k";
}

class Findings {
  constructor(out, keepPerSignature = 3) {
    this.out = out;
    this.keep = keepPerSignature;
    this.bySig = new Map();
  }
  add(target, c, r, meta) {
    const sig = signature(target, r);
    const entry = this.bySig.get(sig) ?? { count: 0, saved: [], target, outcome: r.outcome, code: r.code, message: r.message };
    entry.count++;
    this.bySig.set(sig, entry);
    if (entry.saved.length >= this.keep) return null;
    const h = hashSeed(sig).toString(16).padStart(8, "0");
    const dir = join(this.out, target, `${r.outcome}-${r.code ?? "none"}-${h}`);
    mkdirSync(dir, { recursive: true });
    const name = `${meta.seed}-${meta.index}`;
    const file = join(dir, `${name}.${extFor(target, c.bytes)}`);
    writeFileSync(file, c.bytes);
    const note = {
      target,
      outcome: r.outcome,
      code: r.code,
      message: r.message,
      stack: r.stack,
      seedFile: c.seedFile,
      mutations: c.mutations,
      options: c.options,
      runSeed: meta.seed,
      caseIndex: meta.index,
      cpuMs: Math.round(Math.max(r.cpuMs ?? 0, r.cpuMsParent ?? 0)),
      wallMs: Math.round(r.wallMs ?? 0),
      peakRssMiB: Math.round(r.peakRssMiB ?? 0),
      signature: sig,
      reproduce: `npm run fuzz -- --replay ${relative(ROOT, file)}`,
    };
    writeFileSync(file.replace(/\.[a-z0-9]+$/, ".json"), JSON.stringify(note, null, 1) + "\n");
    entry.saved.push(relative(ROOT, file));
    return file;
  }
  list() {
    return [...this.bySig.entries()].map(([signature, e]) => ({ signature, ...e }));
  }
}

// ---------------------------------------------------------------------------------------------
// Campaign

async function campaign(args, target, pool, findings) {
  const seeds = target === "jpeg" ? await jpegSeeds(args.maxSeedBytes) : seedsFor(target, args.maxSeedBytes);
  const t0 = Date.now();
  const deadline = args.duration !== undefined ? t0 + args.duration * 1000 : Infinity;
  const maxCases = args.cases ?? Infinity;
  const outcomes = {};
  let next = 0;
  let done = 0;
  let lastReport = t0;
  // the heaviest cases that stayed within the limits (RSS is the worker process's, which may still
  // hold memory from earlier cases of the same worker: an upper bound for the case itself)
  const top = { cpu: [], rss: [] };
  const keepTop = (list, row, key) => {
    list.push(row);
    list.sort((a, b) => b[key] - a[key]);
    list.length = Math.min(list.length, 3);
  };
  const one = async (index) => {
    const c = makeCase(target, seeds, args.seed, index);
    let r = await pool.run(target, c.bytes, c.options);
    if (r.outcome === "slow" || r.outcome === "hang") {
      // time is the one measure a busy machine can distort: confirm in a fresh process
      const again = await pool.run(target, c.bytes, c.options, { fresh: true });
      r = isFinding(again.outcome) ? { ...again, message: `${again.message} (confirmed on a re-run; first: ${r.message})` } : again;
    }
    const key = r.outcome === "error" ? `error:${r.code}` : r.outcome;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    if (!isFinding(r.outcome)) {
      const row = { index, seedFile: c.seedFile, outcome: key, cpuMs: Math.round(Math.max(r.cpuMs ?? 0, r.cpuMsParent ?? 0)), peakRssMiB: Math.round(r.peakRssMiB ?? 0) };
      keepTop(top.cpu, row, "cpuMs");
      keepTop(top.rss, row, "peakRssMiB");
    }
    if (isFinding(r.outcome)) {
      const file = findings.add(target, c, r, { seed: args.seed, index });
      if (!args.quiet) console.error(`[fuzz] ${target} case ${index}: ${r.outcome} ${r.code ?? ""} ${String(r.message ?? "").slice(0, 200)} <- ${c.seedFile}: ${c.mutations.join("; ")}${file ? ` (saved ${relative(ROOT, file)})` : ""}`);
    }
    done++;
    if (!args.quiet && Date.now() - lastReport > 60000) {
      lastReport = Date.now();
      console.error(`[fuzz] ${target}: ${done} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s, findings ${findings.list().filter((f) => f.target === target).reduce((n, f) => n + f.count, 0)}`);
    }
  };
  const runners = Array.from({ length: args.jobs }, async () => {
    while (next < maxCases && Date.now() < deadline) await one(next++);
  });
  await Promise.all(runners);
  const seconds = (Date.now() - t0) / 1000;
  return { target, seed: args.seed, cases: done, seconds: Number(seconds.toFixed(1)), seedFiles: seeds.length, outcomes, slowest: top.cpu, mostMemory: top.rss };
}

// ---------------------------------------------------------------------------------------------
// Replay

function notesIn(dir) {
  const notes = new Map();
  const casesJson = join(dir, "cases.json");
  if (existsSync(casesJson)) {
    for (const c of JSON.parse(readFileSync(casesJson, "utf8"))) notes.set(c.file, c);
  }
  return notes;
}

function filesUnder(p) {
  const st = statSync(p);
  if (st.isFile()) return [resolve(p)];
  return readdirSync(p)
    .sort()
    .flatMap((n) => filesUnder(join(p, n)))
    .filter((f) => !/\.(json|md|txt)$/i.test(f) && !/README|COPYRIGHT|LICENSE/i.test(basename(f)));
}

/** The probes a replayed file gets: what the note says it was found with, plus the neighbours. */
function probesFor(file, bytes) {
  const sidecar = file.replace(/\.[^./]+$/, ".json");
  let note = existsSync(sidecar) ? JSON.parse(readFileSync(sidecar, "utf8")) : notesIn(dirname(file)).get(basename(file));
  const limits = note?.options?.limits ?? FUZZ_LIMITS;
  const isDicom = bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
  const probes = [];
  if (note?.target === "jpeg" || /\.jpe?g$/i.test(file) || (bytes[0] === 0xff && bytes[1] === 0xd8)) {
    probes.push({ name: "decodeJpeg", target: "jpeg", options: { limits, jpeg: { chunk: 0 } } });
    probes.push({ name: "JpegDecoder in 7-byte pieces", target: "jpeg", options: { limits, jpeg: { chunk: 7 } } });
    return probes;
  }
  if (isDicom || note?.target === "dicom") {
    const given = note?.options?.dicom ?? (note?.options?.transferSyntax ? { transferSyntax: note.options.transferSyntax } : { transferSyntax: "explicit-le" });
    probes.push({ name: `transcode ${given.inspect ? "inspect" : given.transferSyntax}`, target: "dicom", options: { limits, dicom: given } });
    probes.push({ name: "inspectDicom", target: "dicom", options: { limits, dicom: { inspect: true } } });
    probes.push({ name: "transcode j2k-lossless", target: "dicom", options: { limits, dicom: { transferSyntax: "j2k-lossless" } } });
    return probes;
  }
  const dec = note?.options?.decode ?? (note?.options?.allowPartial !== undefined ? { allowPartial: note.options.allowPartial } : {});
  const strips = note?.options?.strips ? { strips: true } : {};
  probes.push({ name: `decode${Object.keys(dec).length ? " " + JSON.stringify(dec) : ""}${note?.options?.strips ? " in strips" : ""}`, target: "decode", options: { limits, decode: dec, ...strips } });
  if (note?.options?.threads) probes.push({ name: `decodeAsync threads ${note.options.threads} vs decode`, target: "decode", options: { limits, decode: dec, threads: note.options.threads } });
  if (!dec.allowPartial) probes.push({ name: "decode allowPartial", target: "decode", options: { limits, decode: { allowPartial: true }, ...strips } });
  // every file also through the threaded decode (row bands on two threads, src/worker/threads.ts): it
  // must agree with decode() — the same image, or a refusal where decode() refuses
  if (!note?.options?.threads || !dec.allowPartial) probes.push({ name: "decodeAsync threads 2 vs decode, allowPartial", target: "decode", options: { limits, decode: { allowPartial: true }, threads: 2 } });
  probes.push({ name: "readHeader", target: "header", options: { limits } });
  if (isJp2(bytes)) {
    probes.push({ name: "checkJp2", target: "jp2", options: { limits, jp2: "check" } });
    probes.push({ name: "repairJp2Icc", target: "jp2", options: { limits, jp2: "repair" } });
  }
  return probes;
}

async function replay(args, pool) {
  const files = args.replay.flatMap((p) => filesUnder(p));
  const rows = [];
  let i = 0;
  const runners = Array.from({ length: args.jobs }, async () => {
    while (i < files.length) {
      const file = files[i++];
      const bytes = new Uint8Array(readFileSync(file));
      const probes = probesFor(file, bytes);
      const results = await pool.session(probes.map((p) => ({ target: p.target, bytes, options: p.options })), { fresh: true });
      results.forEach((r, k) => {
        rows.push({
          file: relative(process.cwd(), file),
          probe: probes[k].name,
          outcome: r.outcome,
          code: r.code ?? "",
          detail: String(r.outcome === "ok" ? r.detail ?? "" : r.message ?? "").slice(0, 160),
          cpuMs: Math.round(Math.max(r.cpuMs ?? 0, r.cpuMsParent ?? 0)),
          wallMs: Math.round(r.wallMs ?? 0),
          peakRssMiB: Math.round(r.peakRssMiB ?? 0),
          finding: isFinding(r.outcome),
        });
      });
    }
  });
  await Promise.all(runners);
  rows.sort((a, b) => (a.file === b.file ? 0 : a.file < b.file ? -1 : 1));
  return rows;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const pool = new Pool({ jobs: args.jobs, timeMs: args.timeMs, memMiB: args.memMiB, hangMs: args.hangMs });
  try {
    if (args.replay.length > 0) {
      const rows = await replay(args, pool);
      const bad = rows.filter((r) => r.finding);
      if (args.json) console.log(JSON.stringify({ rows, findings: bad.length }, null, 1));
      else {
        for (const r of rows) {
          console.log(`${r.finding ? "FINDING " : ""}${r.file} [${r.probe}]: ${r.outcome}${r.code ? " " + r.code : ""} cpu ${r.cpuMs} ms, wall ${r.wallMs} ms, peak RSS ${r.peakRssMiB} MiB${r.finding ? " — " + r.detail : ""}`);
        }
        console.log(`\n${rows.length} probes of ${new Set(rows.map((r) => r.file)).size} files; ${bad.length} finding(s); limits ${args.timeMs} ms CPU, ${args.memMiB} MiB RSS`);
      }
      process.exitCode = bad.length ? 1 : 0;
      return;
    }
    const findings = new Findings(join(args.out));
    const summaries = [];
    for (const target of args.targets) {
      if (!args.quiet) console.error(`[fuzz] target ${target}: ${TARGETS[target]}; seed ${args.seed}; ${args.duration !== undefined ? `${args.duration} s` : `${args.cases} cases`}; limits ${args.timeMs} ms CPU, ${args.memMiB} MiB RSS per case`);
      summaries.push(await campaign(args, target, pool, findings));
    }
    const found = findings.list();
    const summary = { seed: args.seed, limits: { cpuMs: args.timeMs, rssMiB: args.memMiB }, testdata: TESTDATA, targets: summaries, findings: found };
    if (found.length > 0 || args.duration !== undefined) {
      mkdirSync(args.out, { recursive: true });
      writeFileSync(join(args.out, `summary-${args.targets.join("+")}-${args.seed}.json`), JSON.stringify(summary, null, 1) + "\n");
    }
    if (args.json) console.log(JSON.stringify(summary, null, 1));
    else {
      const heavy = (r) => `case ${r.index} (${r.seedFile}, ${r.outcome}) ${r.cpuMs} ms CPU, ${r.peakRssMiB} MiB RSS`;
      for (const s of summaries) {
        console.log(`${s.target}: ${s.cases} cases in ${s.seconds} s (seed ${s.seed}, ${s.seedFiles} seed files): ${Object.entries(s.outcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ")}`);
        if (s.slowest[0]) console.log(`  slowest: ${heavy(s.slowest[0])}; most memory: ${heavy(s.mostMemory[0])}`);
      }
      console.log(found.length === 0 ? "no findings" : `${found.length} distinct finding(s):\n${found.map((f) => `  ${f.count}x ${f.target} ${f.outcome} ${f.code ?? ""}: ${String(f.message).slice(0, 160)}\n     e.g. ${f.saved[0] ?? "(not saved)"}`).join("\n")}`);
    }
    process.exitCode = found.length ? 1 : 0;
  } finally {
    pool.close();
  }
}

// run as a script (importing this module for makeCase() runs nothing)
if (process.argv[1] && realpathSync(resolve(process.argv[1])) === realpathSync(fileURLToPath(import.meta.url))) {
  main().catch((e) => {
    console.error(`fuzz: ${e?.stack ?? e?.message ?? e}`);
    process.exitCode = 2;
  });
}

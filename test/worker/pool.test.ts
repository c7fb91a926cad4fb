/**
 * The worker pool behind decodeAsync / encodeAsync. Workers run the built library (dist/, which
 * `npm test` builds first), so this suite imports dist/ rather than src/.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, readTestdata } from "../helpers/paths.js";

const DIST = join(REPO_ROOT, "dist/index.js");
type Lib = typeof import("../../src/index.js");

async function lib(): Promise<Lib> {
  expect(existsSync(DIST), "dist/ is built (npm test runs the build first)").toBe(true);
  return (await import(DIST)) as Lib;
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

afterAll(async () => (await lib()).terminateWorkers());

describe("worker pool", () => {
  it("decodeAsync gives the same image as decode, for several files at once", async () => {
    const { decode, decodeAsync, setWorkerCount } = await lib();
    setWorkerCount(2);
    const files = ["conformance/part4_j2k/p0_04.j2k", "conformance/part4_jp2/file1.jp2", "conformance/kakadu_j2c/g1_colr.j2c", "realworld/sentinel.jp2"].map(readTestdata);
    const pool = (await import(join(REPO_ROOT, "dist/worker/pool.js"))) as typeof import("../../src/worker/pool.js");
    const before = pool.workerPoolInfo().jobsDone;
    const results = await Promise.all(files.map((f) => decodeAsync(f, { reduce: 1 })));
    // every worker of the start-up ready (on a loaded machine the first one can finish all four
    // jobs while the second is still starting: the count is checked, not who took which job)
    await pool.startWorkers();
    expect(pool.workerPoolInfo().workers, "two workers in the pool").toBe(2);
    expect(pool.workerPoolInfo().jobsDone - before, "every job went to a worker").toBe(files.length);
    files.forEach((f, i) => {
      const ref = decode(f, { reduce: 1 });
      expect(results[i]!.width).toBe(ref.width);
      expect(results[i]!.data.constructor).toBe(ref.data.constructor);
      expect(same(results[i]!.data, ref.data), `file ${i}`).toBe(true);
    });
  });

  it("setWorkerCount with the count it already has keeps the running workers and their jobs", async () => {
    const { decodeAsync, setWorkerCount } = await lib();
    const pool = (await import(join(REPO_ROOT, "dist/worker/pool.js"))) as typeof import("../../src/worker/pool.js");
    setWorkerCount(2);
    const bytes = readTestdata("conformance/part4_j2k/p0_04.j2k");
    await decodeAsync(bytes, { reduce: 1 });
    expect(pool.workerPoolInfo().workers).toBeGreaterThan(0);
    const running = decodeAsync(bytes, { reduce: 1 });
    setWorkerCount(2); // before: every worker terminated and this job rejected
    await expect(running).resolves.toBeDefined();
    expect(pool.workerPoolInfo().workers).toBeGreaterThan(0);
  });

  it("does not detach or change the caller's input", async () => {
    const { decodeAsync, encodeAsync } = await lib();
    const bytes = readTestdata("conformance/part4_j2k/p0_01.j2k");
    const copy = bytes.slice();
    await decodeAsync(bytes);
    expect(bytes.byteLength).toBe(copy.byteLength);
    expect(same(bytes, copy)).toBe(true);
    const data = Uint16Array.from({ length: 32 * 32 }, (_, i) => (i * 7) & 4095);
    await encodeAsync({ width: 32, height: 32, components: 1, bitDepth: 12, signed: false, data });
    expect(data.length).toBe(1024);
    expect(data[5]).toBe(35);
  });

  it("encodeAsync gives the same bytes as encode", async () => {
    const { encode, encodeAsync } = await lib();
    const data = Uint8Array.from({ length: 48 * 40 * 3 }, (_, i) => (i * 13) % 251);
    const image = { width: 48, height: 40, components: 3, bitDepth: 8, signed: false, data };
    const [a, b] = await Promise.all([encodeAsync(image, { ratios: [20, 5] }), encodeAsync(image)]);
    expect(same(a, encode(image, { ratios: [20, 5] }))).toBe(true);
    expect(same(b, encode(image))).toBe(true);
  });

  it("encodeDetailedAsync gives the same bytes and layer sizes as encodeDetailed", async () => {
    const { encodeDetailed, encodeDetailedAsync } = await lib();
    const data = Uint16Array.from({ length: 40 * 30 }, (_, i) => (i * 97) & 4095);
    const image = { width: 40, height: 30, components: 1, bitDepth: 12, signed: false, data };
    const a = await encodeDetailedAsync(image, { ratios: [30, 10] });
    const b = encodeDetailed(image, { ratios: [30, 10] });
    expect(a.layerBytes).toEqual(b.layerBytes);
    expect(same(a.data, b.data)).toBe(true);
  });

  it("errors come back as J2kError with the same code and offset", async () => {
    const { decodeAsync, J2kError } = await lib();
    const cut = readTestdata("conformance/part4_j2k/p0_04.j2k").subarray(0, 3000);
    const err = await decodeAsync(cut).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(J2kError);
    expect((err as InstanceType<typeof J2kError>).code).toBe("PACKET_TRUNCATED");
    expect((err as InstanceType<typeof J2kError>).message).not.toMatch(/\(at byte \d+\) \(at byte/);
    const partial = await decodeAsync(cut, { allowPartial: true });
    expect(partial.partial).toBe(true);
  });

  it("posts a job to a running worker before runInWorker returns; depth lets one worker hold several jobs", async () => {
    const { decode, setWorkerCount } = await lib();
    const pool = (await import(join(REPO_ROOT, "dist/worker/pool.js"))) as typeof import("../../src/worker/pool.js");
    setWorkerCount(1);
    expect(await pool.startWorkers()).toBe(1);
    const bytes = readTestdata("conformance/part4_j2k/p0_01.j2k");
    type Img = ReturnType<typeof decode>;
    const a = pool.runInWorker<Img>({ op: "decode", bytes, options: {} });
    expect(pool.workerPoolInfo().running, "posted without waiting for the event loop").toBe(1);
    const b = pool.runInWorker<Img>({ op: "decode", bytes, options: { reduce: 1 } });
    const c = pool.runInWorker<Img>({ op: "decode", bytes, options: { reduce: 2 } }, [], 3);
    expect(pool.workerPoolInfo().running, "depth 1: the second job waits while the worker has one").toBe(1);
    expect(pool.jobsPending()).toBe(3);
    const ra = await a;
    expect(pool.workerPoolInfo().running, "then b goes, and c (depth 3) joins it in the same worker").toBe(2);
    const [rb, rc] = await Promise.all([b, c]);
    for (const [r, reduce] of [[ra, 0], [rb, 1], [rc, 2]] as const) expect(same(r!.data, decode(bytes, { reduce }).data), `reduce ${reduce}`).toBe(true);
    expect(pool.jobsPending()).toBe(0);
    setWorkerCount(2);
  });

  it("terminateWorkers while workers are starting: waiters hear \"no workers\" and a pending decodeAsync still settles (it hung before)", async () => {
    const { decode, decodeAsync, encode, setWorkerCount, terminateWorkers } = await lib();
    const pool = (await import(join(REPO_ROOT, "dist/worker/pool.js"))) as typeof import("../../src/worker/pool.js");
    setWorkerCount(2);
    terminateWorkers();
    const ready = pool.workersReady(); // (starts workers)
    terminateWorkers();
    const within = <T>(p: Promise<T>, what: string) =>
      Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within 20 s`)), 20_000))]);
    expect(await within(ready, "workersReady"), "the start-up was stopped").toBe(false);
    const img = { width: 96, height: 600, components: 1, bitDepth: 8, signed: false, data: new Uint8Array(96 * 600).map((_, i) => (i * 7919) & 255) };
    const bytes = encode(img, { levels: 4, ratios: [8] });
    for (const threads of [1, 2]) {
      terminateWorkers();
      const pending = decodeAsync(bytes, { threads });
      terminateWorkers();
      const got = await within(pending, `decodeAsync threads ${threads}`);
      expect(same(got.data, decode(bytes).data), `threads ${threads}: decoded by new workers (or here)`).toBe(true);
    }
  });

  it("answeredElsewhere: a running job stops counting as pending and as its worker's load at once; its promise still settles with the answer", async () => {
    const { decode, setWorkerCount } = await lib();
    const pool = (await import(join(REPO_ROOT, "dist/worker/pool.js"))) as typeof import("../../src/worker/pool.js");
    setWorkerCount(1);
    expect(await pool.startWorkers()).toBe(1);
    const bytes = readTestdata("conformance/part4_j2k/p0_01.j2k");
    type Img = ReturnType<typeof decode>;
    const ticket: { id?: number } = {};
    const before = pool.workerPoolInfo().jobsDone;
    const a = pool.runInWorker<Img>({ op: "decode", bytes, options: {} }, [], 1, 1, undefined, ticket);
    expect(ticket.id, "the ticket has the job's id").toBeTypeOf("number");
    const b = pool.runInWorker<Img>({ op: "decode", bytes, options: { reduce: 1 } });
    expect(pool.jobsPending()).toBe(2);
    expect(pool.workerPoolInfo().running, "b waits: the worker holds a").toBe(1);
    pool.answeredElsewhere(ticket);
    expect(pool.jobsPending(), "a no longer pending").toBe(1);
    expect(pool.workerPoolInfo().jobsDone - before, "a counted done").toBe(1);
    expect(pool.workerPoolInfo().running, "b posted to the same worker behind a").toBe(2);
    pool.answeredElsewhere(ticket); // (twice: nothing more)
    expect(pool.jobsPending()).toBe(1);
    const [ra, rb] = await Promise.all([a, b]);
    expect(same(ra!.data, decode(bytes).data)).toBe(true);
    expect(same(rb!.data, decode(bytes, { reduce: 1 }).data)).toBe(true);
    expect(pool.jobsPending()).toBe(0);
    expect(pool.workerPoolInfo().jobsDone - before, "a counted once").toBe(2);
    setWorkerCount(2);
  });

  it("setWorkerCount(0) runs on the calling thread with the same results", async () => {
    const { decode, decodeAsync, setWorkerCount } = await lib();
    setWorkerCount(0);
    const f = readTestdata("conformance/part4_j2k/p1_06.j2k");
    expect(same((await decodeAsync(f)).data, decode(f).data)).toBe(true);
    setWorkerCount(2);
  });
});

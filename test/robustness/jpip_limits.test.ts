/**
 * JPIP request fields and server messages that would make either side expand or allocate without
 * bound (issue 15: sizes from input are limited before allocating, servers included):
 * - server: `model`/`need` items name ranges of data-bins that CacheModel expands one by one (a
 *   16 KiB URL of `P0-1048575,...` ranges named ~10^9 data-bins); `need` is checked per data-bin;
 *   `tpmodel` ranges are expanded too; a session's model grows request by request;
 * - client: a message's offset sizes a data-bin buffer, so a hostile server could make the client
 *   allocate 1 GiB per data-bin with one-byte messages.
 * Each must end in a 400 (server) or a J2kError (client) instead.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { J2kError } from "../../src/errors.js";
import { DataBinCache } from "../../src/jpip/cache.js";
import { BinClass } from "../../src/jpip/messages.js";
import { CacheModel, MODEL_MAX_ENTRIES } from "../../src/jpip/model.js";
import { JpipRequestError, MODEL_MAX_IDS, NEED_MAX_ITEMS, TPMODEL_MAX_PARTS, parseModel, parseRequest } from "../../src/jpip/request.js";
import { startJpip, type TestServer } from "../jpip/fixtures.js";
import { testdataPath } from "../helpers/paths.js";

function rejects(f: () => unknown, field: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, "a JpipRequestError").toBeInstanceOf(JpipRequestError);
  expect((err as JpipRequestError).status).toBe(400);
  expect((err as Error).message).toMatch(field);
}

/** `n` items of 2^20 - 1 ids each, the way a hostile request would write them. */
function longRanges(n: number, letter = "P"): string {
  return Array.from({ length: n }, (_, i) => `${letter}${i * 2 ** 20}-${(i + 1) * 2 ** 20 - 1}`).join(",");
}

describe("JPIP request fields are limited before the server expands them", () => {
  test("model: ranges naming more than MODEL_MAX_IDS data-bins in all are a 400", () => {
    expect(MODEL_MAX_IDS).toBe(2 ** 20);
    // one range of exactly the budget is fine; a second one passes it
    expect(parseModel("model", longRanges(1))).toHaveLength(1);
    rejects(() => parseRequest(`target=a.jp2&model=${longRanges(2)}`), /'model'.*more than 1048576 data-bins/);
    rejects(() => parseRequest(`target=a.jp2&model=${longRanges(1000)}`), /'model'/);
    // '*' items name everything without being expanded
    expect(parseRequest("target=a.jp2&model=P*,H*,-P5").model).toHaveLength(3);
  });

  test("need: more than NEED_MAX_ITEMS items, or too many data-bins, are a 400", () => {
    const items = Array.from({ length: NEED_MAX_ITEMS + 1 }, (_, i) => `P${2 * i}`).join(",");
    rejects(() => parseRequest(`target=a.jp2&need=${items}`), /'need'.*more than 1024 items/);
    expect(parseRequest(`target=a.jp2&need=${items.split(",").slice(0, NEED_MAX_ITEMS).join(",")}`).need).toHaveLength(NEED_MAX_ITEMS);
    rejects(() => parseRequest(`target=a.jp2&need=${longRanges(2)}`), /'need'/);
  });

  test("tpmodel: ranges naming more than TPMODEL_MAX_PARTS tile-parts are a 400", () => {
    const n = Math.ceil(TPMODEL_MAX_PARTS / 256) + 1;
    const raw = Array.from({ length: n }, (_, t) => `${t}.0-${t}.255`).join(",");
    rejects(() => parseRequest(`target=a.jp2&tpmodel=${raw}`), /'tpmodel'.*more than 65536 tile-parts/);
    expect(parseRequest("target=a.jp2&tpmodel=0.0-0.255,1.0").tpmodel).toHaveLength(257);
  });

  test("a session's cache model takes at most MODEL_MAX_ENTRIES client-declared data-bins", () => {
    const m = new CacheModel();
    const quarter = MODEL_MAX_ENTRIES / 4;
    for (let k = 0; k < 4; k++) m.apply([{ subtract: false, cls: "precinct", from: k * quarter, to: (k + 1) * quarter - 1, all: false, csn: 0 }]);
    expect(m.size).toBe(MODEL_MAX_ENTRIES);
    let err: unknown;
    try {
      m.apply([{ subtract: false, cls: "precinct", from: MODEL_MAX_ENTRIES, to: MODEL_MAX_ENTRIES, all: false, csn: 0 }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JpipRequestError);
    expect((err as JpipRequestError).status).toBe(400);
    expect(m.size, "nothing was added").toBe(MODEL_MAX_ENTRIES);
    // subtracting and '*' still work on a full model
    m.apply([{ subtract: true, cls: "precinct", from: 0, to: 9, all: false, csn: 0 }]);
    expect(m.size).toBe(MODEL_MAX_ENTRIES - 10);
    m.apply([{ subtract: false, cls: "tile", from: 0, to: 0, all: true, csn: 0 }]);
    expect(m.bytes("tile", 12345)).toBe(Infinity);
  });
});

describe("JPIP server over HTTP (127.0.0.1)", () => {
  let dir = "";
  let srv: TestServer | undefined;
  const name = "ht.jph";
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "j2kit-jpip-limits-"));
    copyFileSync(testdataPath("htj2k/simple_dec_rev53_64x64_tiles_yuv.jph"), join(dir, name));
    srv = await startJpip(dir);
  });
  afterAll(async () => {
    await srv?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a model field of long ranges gets a 400 naming the field; the server keeps serving", async () => {
    const bad = await fetch(`${srv!.url}?target=${name}&fsiz=64,64&model=${longRanges(600)}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/'model'.*data-bins/);
    const ok = await fetch(`${srv!.url}?target=${name}&fsiz=64,64&type=jpp-stream`);
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  test("a session that keeps declaring data-bins is stopped at MODEL_MAX_ENTRIES", async () => {
    const first = await fetch(`${srv!.url}?target=${name}&fsiz=64,64&cnew=http&len=0`);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const cid = /cid=([^,]+)/.exec(first.headers.get("JPIP-cnew") ?? "")?.[1];
    expect(cid).toBeTruthy();
    const statuses: number[] = [];
    for (let k = 0; k < 2; k++) {
      const r = await fetch(`${srv!.url}?cid=${cid}&fsiz=64,64&len=0&model=${longRanges(1).replace(/\d+-\d+/, `${k * 2 ** 20}-${(k + 1) * 2 ** 20 - 1}`)}`);
      statuses.push(r.status);
      await r.arrayBuffer();
    }
    expect(statuses).toEqual([200, 400]);
  });
});

describe("JPIP client data-bin cache", () => {
  const msg = (id: number, offset: number, data: Uint8Array, complete = false) => ({ kind: "data" as const, cls: BinClass.PRECINCT, id, csn: 0, offset, complete, data });

  test("a one-byte message far into a data-bin cannot make the cache allocate past maxBytes", () => {
    const cache = new DataBinCache(2 ** 20);
    cache.add(msg(0, 0, new Uint8Array(1000)));
    let err: unknown;
    try {
      cache.add(msg(1, 2 ** 29, new Uint8Array(1)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(J2kError);
    expect((err as J2kError).code).toBe("LIMIT_MEMORY");
  });

  test("many data-bins together stay within maxBytes (each message alone is small)", () => {
    const cache = new DataBinCache(2 ** 20);
    let err: unknown;
    let added = 0;
    try {
      for (let id = 0; id < 10_000; id++) {
        cache.add(msg(id, 0, new Uint8Array(1024)));
        added++;
      }
    } catch (e) {
      err = e;
    }
    expect((err as J2kError | undefined)?.code).toBe("LIMIT_MEMORY");
    expect(added).toBeLessThanOrEqual(1024);
    expect(added).toBeGreaterThan(500);
  });

  test("a legitimate stream within the bound is assembled as before", () => {
    const cache = new DataBinCache(2 ** 16);
    const a = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
    cache.add(msg(7, 100, a.subarray(100), true));
    cache.add(msg(7, 0, a.subarray(0, 100)));
    const bin = cache.get(BinClass.PRECINCT, 7)!;
    expect(bin.complete).toBe(true);
    expect([...bin.bytes()]).toEqual([...a]);
    expect(() => new DataBinCache(0)).toThrow(/maxCacheBytes/);
  });
});

/**
 * The JPIP server's protocol behaviour on 127.0.0.1: efficiency (a 1/16 view, nothing sent twice
 * on a channel, `model` honoured, `len` ending with EOR "byte limit"), channels (cnew / cid /
 * cclose, window change), headers (JPIP-tid, JPIP-cnew, JPIP-fsiz/roff/rsiz, CORS) and errors
 * (400 with a message, 403 traversal, 404, closed channel); a server that stops mid-stream leaves
 * the client with the best image it could decode.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decode } from "../../src/decode.js";
import { openJpip, parseMessages, EorReason, BinClass, type DataMessage, type JpipView } from "../../src/jpip/index.js";
import { createJpipHandler } from "../../src/jpip/server.js";
import { get, servedFolder, startJpip, type TestServer } from "./fixtures.js";

let folder: ReturnType<typeof servedFolder>;
let server: TestServer;

beforeAll(async () => {
  folder = servedFolder();
  server = await startJpip(folder.dir);
});
afterAll(async () => {
  await server?.close();
  folder?.cleanup();
});

const q = (fields: string) => `${server.url}?${fields}`;
const data = (b: Uint8Array) => parseMessages(b).filter((m): m is DataMessage => m.kind === "data");
const eorOf = (b: Uint8Array) => {
  const ms = parseMessages(b);
  const last = ms[ms.length - 1]!;
  return last.kind === "eor" ? last.reason : -1;
};

describe("efficiency", () => {
  test.each(["lossyTiles", "losslessLrcp", "lossyRpcl"])("a 1/16 view of %s transfers less than a quarter of the file", async (key) => {
    const name = folder.names[key]!;
    const size = statSync(join(folder.dir, name)).size;
    const head = await get(q(`target=${name}`));
    expect(head.status).toBe(200);
    // a quarter of the width and height at full resolution, in the middle
    const dims = key === "lossyTiles" ? [1024, 1024] : key === "losslessLrcp" ? [1000, 700] : [1024, 768];
    const [W, H] = dims as [number, number];
    const r = await get(q(`target=${name}&fsiz=${W},${H}&roff=${Math.round(W * 0.4)},${Math.round(H * 0.4)}&rsiz=${W / 4},${H / 4}`));
    expect(r.status).toBe(200);
    expect(r.body.length).toBeLessThan(0.25 * size);
    expect(eorOf(r.body)).toBe(EorReason.WINDOW_DONE);
  });

  test("the same request again on the channel returns only an EOR", async () => {
    const name = folder.names.lossyTiles!;
    const first = await get(q(`target=${name}&cnew=http&fsiz=512,512&roff=100,100&rsiz=200,200`));
    const cnew = first.headers.get("JPIP-cnew")!;
    expect(cnew).toMatch(/^cid=[\w-]+,path=jpip,transport=http$/);
    const cid = /cid=([\w-]+)/.exec(cnew)![1]!;
    expect(data(first.body).length).toBeGreaterThan(10);
    const again = await get(q(`cid=${cid}&fsiz=512,512&roff=100,100&rsiz=200,200`));
    expect(again.status).toBe(200);
    expect(parseMessages(again.body)).toEqual([{ kind: "eor", reason: EorReason.WINDOW_DONE, body: new Uint8Array(0) }]);
    expect(again.body.length).toBe(3);
    // a larger window on the channel brings only what is new
    const wider = await get(q(`cid=${cid}&fsiz=512,512&roff=100,100&rsiz=300,200`));
    const ids = new Set(data(first.body).map((m) => `${m.cls}:${m.id}:${m.offset}`));
    for (const m of data(wider.body)) expect(ids.has(`${m.cls}:${m.id}:${m.offset}`)).toBe(false);
    await get(q(`cid=${cid}&cclose=${cid}`));
  });

  test("bins declared in model are not resent (stateless), and what is sent completes the window", async () => {
    const name = folder.names.losslessLrcp!;
    const win = "fsiz=500,350&roff=50,60&rsiz=200,150";
    const all = await get(q(`target=${name}&${win}`));
    const msgs = data(all.body);
    const precincts = [...new Set(msgs.filter((m) => m.cls === BinClass.PRECINCT).map((m) => m.id))];
    expect(precincts.length).toBeGreaterThan(6);
    const held = precincts.filter((_, i) => i % 2 === 0);
    const model = ["Hm", "H*", ...held.map((id) => `P${id}`)].join(",");
    const rest = await get(q(`target=${name}&${win}&model=${model}`));
    const got = data(rest.body);
    expect(got.some((m) => m.cls === BinClass.MAIN_HEADER || m.cls === BinClass.TILE_HEADER)).toBe(false);
    for (const m of got) if (m.cls === BinClass.PRECINCT) expect(held).not.toContain(m.id);
    // ranges and layers: P<a>-<b> and :L<n>
    const ranged = await get(q(`target=${name}&${win}&model=Hm,M0,H0-11,P0-100000:L2`));
    for (const m of data(ranged.body)) {
      if (m.cls !== BinClass.PRECINCT) continue;
      expect(m.offset).toBeGreaterThan(0); // layers 0 and 1 are held: only layer 2 comes
    }
    expect(eorOf(rest.body)).toBe(EorReason.WINDOW_DONE);
  });

  test("len=1000 ends with EOR 'byte limit' after at most 1000 bytes of messages", async () => {
    const r = await get(q(`target=${folder.names.lossyRpcl!}&fsiz=1024,768&len=1000`));
    const ms = parseMessages(r.body);
    expect(ms.at(-1)).toEqual({ kind: "eor", reason: EorReason.BYTE_LIMIT, body: new Uint8Array(0) });
    expect(r.body.length - 3).toBeLessThanOrEqual(1000);
    expect(r.body.length - 3).toBeGreaterThan(900);
  });

  test("need= restricts the response to the data-bins named", async () => {
    const r = await get(q(`target=${folder.names.losslessLrcp!}&fsiz=1000,700&need=Hm,P0-5`));
    const ms = data(r.body);
    expect(ms.every((m) => (m.cls === BinClass.MAIN_HEADER) || (m.cls === BinClass.PRECINCT && m.id <= 5))).toBe(true);
    expect(ms.some((m) => m.cls === BinClass.PRECINCT)).toBe(true);
  });
});

describe("headers and channels", () => {
  test("JPIP-tid, and JPIP-fsiz/roff/rsiz when the server changed the window; CORS exposes them", async () => {
    const r = await get(q(`target=${folder.names.lossyRpcl!}&fsiz=300,300&roff=10,10&rsiz=1000,1000`));
    expect(r.headers.get("JPIP-tid")).toMatch(/^[\w-]{8,}$/);
    // round-down: 1024x768 -> 256x192 (reduce 2); the region scaled and clipped
    expect(r.headers.get("JPIP-fsiz")).toBe("256,192");
    expect(r.headers.get("JPIP-roff")).toBe("8,6");
    expect(r.headers.get("JPIP-rsiz")).toBe("248,186");
    expect(r.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(r.headers.get("Access-Control-Expose-Headers")).toContain("JPIP-cnew");
    const up = await get(q(`target=${folder.names.lossyRpcl!}&fsiz=300,300,round-up&layers=9`));
    expect(up.headers.get("JPIP-fsiz")).toBe("512,384");
    expect(up.headers.get("JPIP-layers")).toBe("3");
    const exact = await get(q(`target=${folder.names.lossyRpcl!}&fsiz=512,384`));
    expect(exact.headers.get("JPIP-fsiz")).toBeNull();
  });

  test("a new request on a channel ends the one streaming with EOR 'window change' (wait=yes queues it instead)", async () => {
    const slow = await startJpip(folder.dir, { maxRate: 100_000 });
    try {
      // the second request is sent once bytes of the first response have arrived (no sleeping: the
      // server paces the first at 100 kB/s, so it is still streaming then)
      let armed = false;
      let streaming!: () => void;
      const started = new Promise<void>((r) => (streaming = r));
      const c = await openJpip(slow.url, { target: folder.names.lossyTiles!, decodeEveryBytes: 1e12, decodeEveryMs: 1e12, onStream: () => armed && streaming() });
      armed = true;
      const firstDone = (async () => {
        const out: JpipView[] = [];
        for await (const v of c.view({ fsiz: [1024, 1024] })) out.push(v);
        return out;
      })();
      await started;
      const second = await c.fetchWindow({ fsiz: [256, 256] });
      const views = await firstDone;
      expect(second.complete).toBe(true);
      expect(second.image.width).toBe(256);
      const cut = views.at(-1)!;
      expect(cut.eor).toBe(EorReason.WINDOW_CHANGE);
      expect(cut.complete).toBe(false);
      expect(cut.error).toMatch(/superseded|window change/);
      expect(slow.log.map((l) => l.eor)).toContain(EorReason.WINDOW_CHANGE);
      // wait=yes: the second request waits for the first to finish instead
      const cid = c.channel!;
      // fetch() resolves at the response headers: the server is then streaming the first request
      const longRes = await fetch(`${slow.url}?cid=${cid}&fsiz=512,512`);
      expect(longRes.status).toBe(200);
      const queued = await get(`${slow.url}?cid=${cid}&fsiz=64,64&wait=yes`);
      const first = new Uint8Array(await longRes.arrayBuffer());
      expect(eorOf(first)).toBe(EorReason.WINDOW_DONE);
      expect(eorOf(queued.body)).toBe(EorReason.WINDOW_DONE);
      await c.close();
    } finally {
      await slow.close();
    }
  });

  test("without a channel, the client drops the outdated response when the window moves", async () => {
    const slow = await startJpip(folder.dir, { maxRate: 100_000 });
    try {
      let armed = false;
      let streaming!: () => void;
      const started = new Promise<void>((r) => (streaming = r));
      const c = await openJpip(slow.url, { target: folder.names.lossyTiles!, channel: false, decodeEveryBytes: 1e12, decodeEveryMs: 1e12, onStream: () => armed && streaming() });
      expect(c.channel).toBeUndefined();
      armed = true;
      const firstDone = (async () => {
        const out: JpipView[] = [];
        for await (const v of c.view({ fsiz: [1024, 1024] })) out.push(v);
        return out;
      })();
      await started; // the first response is streaming (paced: 500+ kB at 100 kB/s)
      const second = await c.fetchWindow({ fsiz: [256, 256] });
      expect(second.complete).toBe(true);
      expect(second.image.width).toBe(256);
      // its last image: what had arrived (the tile headers came in the first chunk), marked superseded
      const cut = (await firstDone).at(-1)!;
      expect(cut.final).toBe(true);
      expect(cut.complete).toBe(false);
      expect(cut.error).toBe("superseded by a newer view");
      // the server saw the first response's connection go away before its end
      for (let i = 0; i < 500 && !slow.log.some((l) => l.aborted); i++) await new Promise((r) => setTimeout(r, 20));
      const first = slow.log.find((l) => l.query.includes("fsiz=1024,1024"));
      expect(first?.aborted).toBe(true);
      expect(first!.eor).not.toBe(EorReason.WINDOW_DONE);
    } finally {
      await slow.close();
    }
  });

  test("a paced response whose client goes away ends at once (logged as aborted), on a channel that still works", async () => {
    // 2 kB/s: after the first chunk the server waits half a minute before the next one
    const slow = await startJpip(folder.dir, { maxRate: 2_000 });
    try {
      const open = await get(`${slow.url}?target=${folder.names.lossyTiles!}&cnew=http`);
      const cid = /cid=([\w-]+)/.exec(open.headers.get("JPIP-cnew")!)![1]!;
      const ac = new AbortController();
      const res = await fetch(`${slow.url}?cid=${cid}&fsiz=1024,1024`, { signal: ac.signal });
      const first = await res.body!.getReader().read();
      expect(first.done).toBe(false);
      ac.abort();
      while (!slow.log.some((l) => l.query.includes("fsiz=1024,1024"))) await new Promise((r) => setTimeout(r, 20));
      const entry = slow.log.find((l) => l.query.includes("fsiz=1024,1024"))!;
      expect(entry.aborted).toBe(true);
      // the channel's queue moved on: a small request on it is answered
      const next = await get(`${slow.url}?cid=${cid}&fsiz=16,16&len=1`);
      expect(next.status).toBe(200);
      expect(eorOf(next.body)).toBe(EorReason.BYTE_LIMIT);
    } finally {
      await slow.close();
    }
  }, 20_000);

  test("a closed channel id is rejected with 400; an unknown one too", async () => {
    const first = await get(q(`target=${folder.names.greyPlain!}&cnew=http`));
    const cid = /cid=([\w-]+)/.exec(first.headers.get("JPIP-cnew")!)![1]!;
    const closeIt = await get(q(`cid=${cid}&cclose=${cid}`));
    expect(closeIt.status).toBe(200);
    const after = await get(q(`cid=${cid}&fsiz=100,100`));
    expect(after.status).toBe(400);
    expect(after.text).toContain("closed");
    const unknown = await get(q(`cid=nosuchchannel&fsiz=100,100`));
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain("unknown channel");
  });

  test("the client reopens a channel the server forgot, declaring its cache in model", async () => {
    const c = await openJpip(server.url, { target: folder.names.greyPlain! });
    await c.fetchWindow({ fsiz: [200, 150] });
    const old = c.channel!;
    await get(q(`cid=${old}&cclose=${old}`));
    const v = await c.fetchWindow({ fsiz: [400, 300] });
    expect(v.complete).toBe(true);
    expect(c.channel).not.toBe(old);
    const bytes = new Uint8Array(readFileSync(join(folder.dir, folder.names.greyPlain!)));
    const ref = decode(bytes, { reduce: 1 });
    expect(Buffer.compare(Buffer.from(v.image.data.buffer, v.image.data.byteOffset, v.image.data.byteLength), Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength))).toBe(0);
    expect(server.log.some((l) => l.query.includes("model=Hm"))).toBe(true);
    await c.close();
  });
});

describe("errors", () => {
  test.each([
    ["fsiz=abc", 400, "fsiz"],
    ["fsiz=100,100&roff=1", 400, "roff"],
    ["layers=x", 400, "layers"],
    ["type=image/png", 415, "jpp-stream"],
    ["model=Z9", 400, "model"],
  ])("malformed '%s' -> %i with a message", async (fields, status, words) => {
    const r = await get(q(`target=${folder.names.greyPlain!}&${fields}`));
    expect(r.status).toBe(status);
    expect(r.text).toContain(words);
    expect(r.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  test("unknown target 404; traversal 403; hidden and absolute names refused; no target 400", async () => {
    expect((await get(q("target=nothere.jp2"))).status).toBe(404);
    expect((await get(q("target=../secret.jp2"))).status).toBe(403);
    expect((await get(q("target=shared/../../x.jp2"))).status).toBe(403);
    expect((await get(q("target=%2Fetc%2Fpasswd.jp2"))).status).toBe(403);
    expect((await get(q("target=.hidden.jp2"))).status).toBe(404);
    expect((await get(q("target=readme.txt"))).status).toBe(404);
    const none = await get(q("fsiz=10,10"));
    expect(none.status).toBe(400);
    expect(none.text).toContain("target");
    const wrongMethod = await fetch(q("target=x"), { method: "POST", body: "x" });
    expect(wrongMethod.status).toBe(405);
  });

  test("a server that stops mid-stream leaves the client with the best image it could decode", async () => {
    // the server dies once it has written 150 kB of a response: its socket is destroyed there
    const CUT = 150_000;
    const handler = createJpipHandler({ root: folder.dir });
    let cut = 0;
    const s2 = createServer((req, res) => {
      let written = 0;
      const write = res.write.bind(res) as (chunk: Uint8Array) => boolean;
      res.write = ((chunk: Uint8Array) => {
        written += chunk.length;
        if (written > CUT) {
          cut++;
          res.socket?.destroy();
          return false;
        }
        return write(chunk);
      }) as typeof res.write;
      void handler(req, res);
    });
    await new Promise<void>((r) => s2.listen(0, "127.0.0.1", () => r()));
    const port = (s2.address() as AddressInfo).port;
    const size = statSync(join(folder.dir, folder.names.lossyTiles!)).size;
    expect(size).toBeGreaterThan(3 * CUT);
    const c = await openJpip(`http://127.0.0.1:${port}/jpip`, { target: folder.names.lossyTiles!, decodeEveryBytes: 50000, decodeEveryMs: 1e9 });
    const views: JpipView[] = [];
    for await (const v of c.view({ fsiz: [1024, 1024] })) views.push(v);
    await handler.close();
    s2.closeAllConnections();
    await new Promise<void>((r) => s2.close(() => r()));
    expect(cut).toBe(1);
    expect(c.stats().bytes).toBeLessThanOrEqual(CUT);
    const last = views.at(-1)!;
    expect(last.final).toBe(true);
    expect(last.complete).toBe(false);
    expect(last.error).toMatch(/broke off|without an EOR/);
    expect(last.image.width).toBe(1024);
    // what was decoded is a coarse version of the real image: close to it on average
    const ref = decode(new Uint8Array(readFileSync(join(folder.dir, folder.names.lossyTiles!))));
    let se = 0;
    for (let i = 0; i < ref.data.length; i++) se += (ref.data[i]! - last.image.data[i]!) ** 2;
    const psnr = 10 * Math.log10((255 * 255) / (se / ref.data.length));
    expect(psnr).toBeGreaterThan(15);
  });
});

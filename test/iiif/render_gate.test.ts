/**
 * The IIIF server's cap on concurrent renders and its bounded queue (src/iiif/render_gate.ts):
 * with a gate we control inside the source's decode, no more than `maxConcurrentRenders` decodes
 * run at once, `maxQueuedRenders` requests wait, the next one gets 503 with Retry-After at once,
 * cached tiles and joins of a render in flight pass, and everything completes once the gate opens.
 * Nothing here depends on timing: the test waits for states (decodes started, requests queued).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FolderStore, type ImageSource, type ImageStore } from "../../src/iiif/image_source.js";
import { RenderCancelledError, RenderGate, ServerBusyError } from "../../src/iiif/render_gate.js";
import { makeGridFolder, startIiifServer, type GridFolder, type TestServer } from "./fixtures.js";

/** Resolve when `cond()` holds, checking after every turn of the event loop. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

/** A store whose sources' decodes wait for `open()` and count how many run at once. */
function gatedStore(inner: FolderStore) {
  let release!: () => void;
  let opened = new Promise<void>((r) => (release = r));
  const state = { started: 0, running: 0, maxRunning: 0, versions: 0 };
  const store: ImageStore = {
    description: "gated",
    // every request asks for the version first: counting answers tells when the server has one
    version: async (id) => {
      const v = await inner.version(id);
      state.versions++;
      return v;
    },
    list: (n) => inner.list(n),
    open: async (id, v) => {
      const s = await inner.open(id, v);
      const gated: ImageSource = {
        header: s.header,
        version: s.version,
        memoryBytes: s.memoryBytes,
        readStats: () => s.readStats(),
        close: () => s.close(),
        decode: async (o) => {
          state.started++;
          state.running++;
          state.maxRunning = Math.max(state.maxRunning, state.running);
          try {
            await opened;
            return await s.decode(o);
          } finally {
            state.running--;
          }
        },
      };
      return gated;
    },
  };
  return {
    store,
    state,
    open: () => release(),
    close: () => {
      opened = new Promise<void>((r) => (release = r));
    },
  };
}

let folder: GridFolder;
let srv: TestServer;
let gated: ReturnType<typeof gatedStore>;

beforeAll(async () => {
  folder = makeGridFolder({ "grid.jp2": { levels: 3 } });
  gated = gatedStore(new FolderStore(folder.dir));
  srv = await startIiifServer({ store: gated.store, workers: 1, decodeBlock: 0, maxConcurrentRenders: 2, maxQueuedRenders: 1, retryAfterSeconds: 7 });
});

afterAll(async () => {
  gated?.open();
  await srv?.close();
  folder?.cleanup();
});

const url = (x: number) => `${srv.url}/iiif/3/grid.jp2/${x},0,100,100/max/0/default.png`;

describe("render cap", () => {
  it("runs at most maxConcurrentRenders, queues maxQueuedRenders, refuses the next with 503 + Retry-After", async () => {
    // warm: open the image (info.json does not render)
    expect((await fetch(`${srv.url}/iiif/3/grid.jp2/info.json`)).status).toBe(200);
    gated.close();
    const first = [fetch(url(0)), fetch(url(100))];
    await until(() => gated.state.started === 2);
    const third = fetch(url(200));
    await until(() => srv.handler.renderStats().queued === 1);
    // the same image as a render in flight joins it: no turn taken, not refused (the rest of
    // its handling after the version is answered runs in microtasks, before setImmediate)
    const seen = gated.state.versions;
    const joined = fetch(url(0));
    await until(() => gated.state.versions === seen + 1);
    await new Promise((r) => setImmediate(r));
    expect(srv.handler.renderStats()).toEqual({ active: 2, queued: 1, refused: 0, cancelled: 0 });
    // a fourth distinct render: refused at once, while the gate is still closed
    const busy = await fetch(url(300));
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("7");
    expect(busy.headers.get("cache-control")).toBe("no-store");
    expect(await busy.text()).toMatch(/busy/);
    expect(gated.state.started).toBe(2);
    expect(srv.handler.renderStats()).toEqual({ active: 2, queued: 1, refused: 1, cancelled: 0 });
    gated.open();
    const done = await Promise.all([...first, third, joined]);
    expect(done.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await Promise.all(done.map((r) => r.arrayBuffer()));
    expect(gated.state.maxRunning).toBe(2);
    expect(gated.state.started).toBe(3);
    expect(srv.handler.renderStats()).toEqual({ active: 0, queued: 0, refused: 1, cancelled: 0 });
    // afterwards the refused request renders, and cached tiles pass even with every turn taken
    gated.close();
    const a = fetch(url(400)), b = fetch(url(500));
    await until(() => gated.state.started === 5);
    const c = fetch(url(600));
    await until(() => srv.handler.renderStats().queued === 1);
    const cached = await fetch(url(100));
    expect(cached.status).toBe(200);
    await cached.arrayBuffer();
    gated.open();
    const more = await Promise.all([a, b, c]);
    expect(more.map((r) => r.status)).toEqual([200, 200, 200]);
    await Promise.all(more.map((r) => r.arrayBuffer()));
    const late = await fetch(url(300));
    expect(late.status).toBe(200);
    await late.arrayBuffer();
    expect(gated.state.maxRunning).toBe(2);
    expect(gated.state.started).toBe(7);
  });
});

describe("RenderGate", () => {
  it("hands turns over in arrival order and frees them when a render fails", async () => {
    const gate = new RenderGate(1, 2, 1);
    const order: string[] = [];
    let releaseA!: () => void;
    const a = gate.run(() => new Promise<void>((r) => (releaseA = r)).then(() => order.push("a")));
    const b = gate.run(async () => {
      order.push("b");
      throw new Error("b failed");
    });
    const c = gate.run(async () => order.push("c"));
    await expect(gate.run(async () => 0)).rejects.toBeInstanceOf(ServerBusyError);
    expect(gate.stats()).toEqual({ active: 1, queued: 2, refused: 1, cancelled: 0 });
    releaseA();
    await a;
    await expect(b).rejects.toThrow("b failed");
    await c;
    expect(order).toEqual(["a", "b", "c"]);
    expect(gate.stats()).toEqual({ active: 0, queued: 0, refused: 1, cancelled: 0 });
  });
});

describe("RenderGate cancellation", () => {
  it("a queued render whose signal aborts leaves the queue unrun; a running one is not stopped", async () => {
    const gate = new RenderGate(1, 3, 1);
    const ran: string[] = [];
    let releaseA!: () => void;
    const stopA = new AbortController();
    const a = gate.run(() => new Promise<void>((r) => (releaseA = r)).then(() => ran.push("a")), stopA.signal);
    const stopB = new AbortController();
    const b = gate.run(async () => ran.push("b"), stopB.signal);
    const c = gate.run(async () => ran.push("c"));
    expect(gate.stats()).toEqual({ active: 1, queued: 2, refused: 0, cancelled: 0 });
    stopB.abort();
    await expect(b).rejects.toBeInstanceOf(RenderCancelledError);
    expect(gate.stats()).toEqual({ active: 1, queued: 1, refused: 0, cancelled: 1 });
    stopA.abort(); // already running: runs to the end
    releaseA();
    await a;
    await c;
    expect(ran).toEqual(["a", "c"]);
    expect(gate.stats()).toEqual({ active: 0, queued: 0, refused: 0, cancelled: 1 });
    // a signal aborted before the call never queues
    const stopped = new AbortController();
    stopped.abort();
    await expect(gate.run(async () => ran.push("d"), stopped.signal)).rejects.toBeInstanceOf(RenderCancelledError);
    expect(ran).toEqual(["a", "c"]);
  });
});

describe("clients that disconnect while their render is queued", () => {
  it("drop the render when every client of it left, and keep it while one still waits", async () => {
    const g = gatedStore(new FolderStore(folder.dir));
    const s = await startIiifServer({ store: g.store, workers: 1, decodeBlock: 0, maxConcurrentRenders: 1, maxQueuedRenders: 4 });
    try {
      const u = (x: number) => `${s.url}/iiif/3/grid.jp2/${x},100,100,100/max/0/default.png`;
      expect((await fetch(`${s.url}/iiif/3/grid.jp2/info.json`)).status).toBe(200);
      g.close();
      const first = fetch(u(0)); // takes the only turn and waits at the gate
      await until(() => g.state.started === 1);
      // two clients of one render, and one client of another, all queued
      const leaving = new AbortController();
      const gone = fetch(u(100), { signal: leaving.signal }).catch((e: unknown) => e);
      await until(() => s.handler.renderStats().queued === 1);
      // the joining request's handling after its version is answered runs in microtasks (see above)
      const seen = g.state.versions;
      const stays = fetch(u(100));
      await until(() => g.state.versions === seen + 1);
      await new Promise((r) => setImmediate(r));
      const alone = new AbortController();
      const goneToo = fetch(u(200), { signal: alone.signal }).catch((e: unknown) => e);
      await until(() => s.handler.renderStats().queued === 2);
      leaving.abort(); // u(100) still has a client: stays queued
      alone.abort(); // u(200) has none left: dropped
      await gone;
      await goneToo;
      await until(() => s.handler.renderStats().cancelled === 1);
      expect(s.handler.renderStats()).toMatchObject({ active: 1, queued: 1, cancelled: 1 });
      g.open();
      const done = await Promise.all([first, stays]);
      expect(done.map((r) => r.status)).toEqual([200, 200]);
      await Promise.all(done.map((r) => r.arrayBuffer()));
      expect(g.state.started).toBe(2); // u(200) never rendered
      // asked again later, the dropped render runs normally
      const again = await fetch(u(200));
      expect(again.status).toBe(200);
      await again.arrayBuffer();
      expect(g.state.started).toBe(3);
    } finally {
      g.open();
      await s.close();
    }
  });
});

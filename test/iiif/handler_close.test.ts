/**
 * `IiifHandler.close()` closes every image the handler opened (their file handles, S3 clients),
 * including images the cache let go whose delayed close (kept so that requests still decoding
 * from them can finish) has not run yet. Before, those were left to the garbage collector, and
 * Node warned "Closing file descriptor … on garbage collection".
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { FolderStore, type ImageSource, type ImageStore } from "../../src/iiif/image_source.js";
import { makeGridFolder, startIiifServer, type GridFolder } from "./fixtures.js";

let folder: GridFolder;
beforeAll(() => {
  folder = makeGridFolder({ "a.jp2": { levels: 2 }, "b.jp2": { levels: 2 }, "c.jp2": { levels: 2 } });
});
afterAll(() => folder?.cleanup());

/** A folder store that counts the sources it opened and how many of them were closed. */
function countingStore(inner: FolderStore) {
  const state = { opened: 0, closed: 0 };
  const store: ImageStore = {
    description: "counting",
    version: (id) => inner.version(id),
    list: (n) => inner.list(n),
    open: async (id, v) => {
      const s = await inner.open(id, v);
      state.opened++;
      const counted: ImageSource = {
        header: s.header,
        version: s.version,
        memoryBytes: s.memoryBytes,
        readStats: () => s.readStats(),
        decode: (o) => s.decode(o),
        close: async () => {
          state.closed++;
          await s.close();
        },
      };
      return counted;
    },
  };
  return { store, state };
}

test("close() closes the cached images and the ones evicted but not yet closed", async () => {
  const counting = countingStore(new FolderStore(folder.dir));
  // each open image weighs about 8 MiB in the cache: 12 MiB holds one, so every new image evicts the last
  const srv = await startIiifServer({ store: counting.store, cacheMiB: 12, workers: 1 });
  try {
    for (const id of ["a.jp2", "b.jp2", "c.jp2"]) {
      const r = await fetch(`${srv.url}/iiif/3/${id}/info.json`);
      expect(r.status, id).toBe(200);
      await r.arrayBuffer();
    }
    expect(counting.state.opened).toBe(3);
    // evicted images close after a delay, not at once
    expect(counting.state.closed).toBe(0);
  } finally {
    await srv.close();
  }
  expect(counting.state.closed).toBe(3);
});

/**
 * Entry points of test/browser/page.html, called by browser.test.ts with
 * `page.evaluate("j2kitChecks.<name>()")` (strings, so that nothing of the Node-side transform
 * reaches the browser).
 */
import { runDicomChecks, runLibraryChecks } from "./checks.js";

window.j2kitChecks = {
  /** The library on the page's main thread, after `await init()`. */
  async page() {
    const [lib, pool] = await Promise.all([import("/dist/index.js"), import("/dist/worker/pool.js")]);
    return runLibraryChecks({ lib, pool, base: location.origin, callInit: true });
  },

  /** The library inside a dedicated module worker created by this page (test/browser/worker.js). */
  worker() {
    return new Promise((resolve, reject) => {
      const worker = new Worker("/test/browser/worker.js", { type: "module" });
      const timer = setTimeout(() => reject(new Error("the worker did not answer within 60 s")), 60_000);
      worker.onmessage = (e) => {
        clearTimeout(timer);
        worker.terminate();
        if (e.data.ok) resolve(e.data.result);
        else reject(new Error(`in the worker: ${e.data.error}`));
      };
      worker.onerror = (e) => {
        clearTimeout(timer);
        reject(new Error(`the worker failed to start or threw: ${e.message}`));
      };
      worker.postMessage("run");
    });
  },

  /** j2kit/dicom, with "dcmjs" and "pako" resolved by the page's import map. */
  async dicom() {
    const [dicom, dcmjs] = await Promise.all([import("/dist/dicom/index.js"), import("dcmjs")]);
    return runDicomChecks({ dicom, dcmjs: dcmjs.default, base: location.origin });
  },
};
document.body.dataset.ready = "true";

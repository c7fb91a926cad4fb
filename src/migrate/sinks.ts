/**
 * Where a converted file goes, never partially: a local file is written under a temporary name in
 * the target's folder, fsynced and renamed into place (then the folder is fsynced); an S3 object is
 * a multipart upload (`@aws-sdk/lib-storage`) completed only once every byte is there — a failure
 * aborts it, so no object appears at the target key.
 * @module
 */
import { mkdir, open, readdir, rename, unlink, type FileHandle } from "node:fs/promises";
import type { Readable } from "node:stream";
import { dirname, basename, join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { J2kError } from "../errors.js";
import { loadS3, loadUpload, parseS3, s3Client, s3Error, type MigrateS3Options } from "./s3.js";

/** A target being written. */
export interface OutputSink {
  /** Append bytes (buffered; {@link OutputSink.drain} waits until they are handed on). */
  write(chunk: Uint8Array): void;
  /** Hand on what is buffered (backpressure point). */
  drain(): Promise<void>;
  /** Make the output visible at the target: flush, fsync, rename (S3: complete the upload). */
  commit(): Promise<void>;
  /** Forget the output: remove the temporary file (S3: abort the upload). Never throws. */
  abort(): Promise<void>;
  /**
   * Read the written bytes back from where they went (`--verify`), in chunks of bounded size: a
   * local file before {@link OutputSink.commit} (the temporary file, flushed and fsynced, so a
   * bad output never reaches the target), an S3 object after it (it exists only once the upload
   * completes).
   */
  readBack(): AsyncIterable<Uint8Array>;
  /** True when {@link OutputSink.readBack} works only after {@link OutputSink.commit}. */
  readonly readBackAfterCommit: boolean;
  /** Remove a committed output that failed verification (S3: delete the object). Never throws. */
  removeCommitted(): Promise<void>;
  /** Where it goes (for messages). */
  readonly target: string;
}

/** Bytes per read when an output is read back. */
const READ_BACK_CHUNK = 1 << 20;

/** Temporary name next to `path` (same file system, so the rename is atomic). */
export function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.j2kit-${process.pid}-${randomBytes(4).toString("hex")}.partial`);
}

function writeError(path: string, e: unknown): J2kError {
  if (e instanceof J2kError) return e;
  const code = (e as { code?: string }).code;
  return new J2kError("TARGET_WRITE_FAILED", `cannot write '${path}': ${code ? `${code}: ` : ""}${(e as Error).message ?? String(e)}`, { cause: e });
}

/** A local file sink (temporary name + fsync + rename). */
export async function fileSink(path: string): Promise<OutputSink> {
  const tmp = temporaryName(path);
  let fh: FileHandle;
  try {
    await mkdir(dirname(path), { recursive: true });
    fh = await open(tmp, "wx");
  } catch (e) {
    throw writeError(path, e);
  }
  let queue: Uint8Array[] = [];
  let closed = false;
  const flush = async () => {
    while (queue.length > 0) {
      const parts = queue;
      queue = [];
      for (const p of parts) {
        let off = 0;
        while (off < p.length) {
          const { bytesWritten } = await fh.write(p, off, p.length - off);
          off += bytesWritten;
        }
      }
    }
  };
  return {
    target: path,
    write(chunk) {
      queue.push(chunk);
    },
    async drain() {
      try {
        await flush();
      } catch (e) {
        throw writeError(path, e);
      }
    },
    async commit() {
      try {
        await flush();
        await fh.sync();
        await fh.close();
        closed = true;
        await rename(tmp, path);
        await syncDir(dirname(path));
      } catch (e) {
        if (!closed) await fh.close().catch(() => undefined);
        await unlink(tmp).catch(() => undefined);
        throw writeError(path, e);
      }
    },
    async abort() {
      if (!closed) await fh.close().catch(() => undefined);
      closed = true;
      await unlink(tmp).catch(() => undefined);
    },
    readBackAfterCommit: false,
    async *readBack() {
      let rh: FileHandle;
      try {
        await flush();
        await fh.sync();
        rh = await open(tmp, "r");
      } catch (e) {
        throw writeError(path, e);
      }
      try {
        const buf = new Uint8Array(READ_BACK_CHUNK);
        for (;;) {
          const { bytesRead } = await rh.read(buf, 0, buf.length, null);
          if (bytesRead === 0) break;
          yield buf.slice(0, bytesRead);
        }
      } finally {
        await rh.close().catch(() => undefined);
      }
    },
    async removeCommitted() {
      await unlink(path).catch(() => undefined);
    },
  };
}

/** fsync a folder so a rename in it survives a crash (best effort where folders cannot be opened). */
export async function syncDir(dir: string): Promise<void> {
  let d: FileHandle | undefined;
  try {
    d = await open(dir, "r");
    await d.sync();
  } catch {
    /* not supported here (some file systems): the rename is still atomic */
  } finally {
    await d?.close().catch(() => undefined);
  }
}

/** User metadata key (x-amz-meta-j2kit-provenance) of S3 outputs. */
export const PROVENANCE_KEY = "j2kit-provenance";

/**
 * What an output was made from: a hash of the source's name and fingerprint. An S3 ledger is
 * written in snapshots, so a crash can lose the records of finished files; their objects carry
 * this, and a rerun adopts an object only when it matches (never a stale one from other bytes).
 */
export function provenanceOf(source: string, fingerprint: string): string {
  return createHash("sha256").update(`${source}\n${fingerprint}`).digest("hex");
}

/** Part size of multipart uploads (the S3 minimum is 5 MiB). */
const PART_SIZE = 8 * 2 ** 20;

/** An S3 sink: one upload streamed in parts, completed on commit, aborted otherwise. */
export async function s3Sink(url: string, o: MigrateS3Options, contentType = "image/jpeg", provenance?: string): Promise<OutputSink> {
  const { bucket, key } = parseS3(url);
  if (!key || key.endsWith("/")) throw new J2kError("INVALID_ARGUMENT", `S3 target '${url}' has no object key`);
  const [{ Upload }, client] = await Promise.all([loadUpload(), s3Client(o)]);
  const body = new PassThrough({ highWaterMark: PART_SIZE });
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType, ...(provenance ? { Metadata: { [PROVENANCE_KEY]: provenance } } : {}) },
    queueSize: 2,
    partSize: PART_SIZE,
    leavePartsOnError: false,
  });
  let failure: unknown;
  let settled = false;
  // the upload reads the stream while we write; its failure surfaces at drain/commit
  const done = upload.done().then(
    () => {
      settled = true;
    },
    (e: unknown) => {
      settled = true;
      failure = e;
    },
  );
  let queue: Uint8Array[] = [];
  const check = () => {
    if (failure !== undefined) throw s3Error(`cannot upload ${url}`, failure, "TARGET_WRITE_FAILED");
  };
  const sink: OutputSink = {
    target: url,
    write(chunk) {
      queue.push(chunk);
    },
    async drain() {
      check();
      const parts = queue;
      queue = [];
      for (const p of parts) {
        if (!body.write(p)) {
          await new Promise<void>((resolve) => {
            const go = () => {
              body.off("drain", go);
              clearInterval(poll);
              resolve();
            };
            // an upload that failed stops reading: do not wait for a drain that never comes
            const poll = setInterval(() => {
              if (settled) go();
            }, 50);
            body.on("drain", go);
          });
          check();
        }
      }
    },
    async commit() {
      await sink.drain();
      body.end();
      await done;
      check();
    },
    readBackAfterCommit: true,
    async *readBack() {
      const m = await loadS3();
      let body: Readable;
      try {
        const r = await client.send(new m.GetObjectCommand({ Bucket: bucket, Key: key }));
        body = r.Body as Readable;
      } catch (e) {
        throw s3Error(`cannot read back ${url}`, e, "TARGET_WRITE_FAILED");
      }
      try {
        for await (const chunk of body) yield chunk as Uint8Array;
      } catch (e) {
        throw s3Error(`cannot read back ${url}`, e, "TARGET_WRITE_FAILED");
      }
    },
    async removeCommitted() {
      try {
        const m = await loadS3();
        await client.send(new m.DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch {
        /* the rerun replaces it */
      }
    },
    async abort() {
      queue = [];
      try {
        await upload.abort();
      } catch {
        /* already finished or failed */
      }
      body.destroy();
      await done.catch(() => undefined);
    },
  };
  return sink;
}

/**
 * A sink for `target`: s3:// URL or local path. `provenance` (see {@link provenanceOf}) is stored
 * as user metadata of an S3 object, so a rerun can recognise an output of this very source.
 */
export function openSink(target: string, s3: MigrateS3Options, provenance?: string): Promise<OutputSink> {
  return /^s3:\/\//i.test(target) ? s3Sink(target, s3, "image/jpeg", provenance) : fileSink(target);
}

/**
 * After an interrupted attempt: remove what it left behind at `target` — temporary files of dead
 * processes next to a local target, unfinished multipart uploads of an S3 key (they are invisible,
 * but cost storage). Never throws.
 */
export async function removeLeftovers(target: string, s3: MigrateS3Options): Promise<number> {
  let removed = 0;
  try {
    if (/^s3:\/\//i.test(target)) {
      const { bucket, key } = parseS3(target);
      const m = (await loadS3()) as unknown as Record<string, new (i: Record<string, unknown>) => unknown>;
      const client = await s3Client(s3);
      const list = await client.send(new m.ListMultipartUploadsCommand!({ Bucket: bucket, Prefix: key }));
      for (const u of (list.Uploads as Array<{ Key?: string; UploadId?: string }> | undefined) ?? []) {
        if (u.Key !== key || !u.UploadId) continue;
        await client.send(new m.AbortMultipartUploadCommand!({ Bucket: bucket, Key: key, UploadId: u.UploadId }));
        removed++;
      }
      return removed;
    }
    const dir = dirname(target);
    const prefix = `.${basename(target)}.j2kit-`;
    for (const name of await readdir(dir)) {
      const m = name.startsWith(prefix) && /\.j2kit-(\d+)-[0-9a-f]+\.partial$/.exec(name);
      if (!m || alive(Number(m[1]))) continue;
      await unlink(join(dir, name)).catch(() => undefined);
      removed++;
    }
  } catch {
    /* nothing to clean, or no permission: the target is still written whole */
  }
  return removed;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

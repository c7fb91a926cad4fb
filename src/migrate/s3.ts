/**
 * S3 for the migration: one client per process built from the standard AWS credential chain, with
 * `--s3-endpoint` for S3-compatible stores (path-style addressing, checksums only where required:
 * MinIO, Ceph, s3rver and older stores reject the CRC32 headers newer SDKs add by default), and the
 * SDK's standard retry strategy (exponential backoff with jitter on 5xx, throttling and dropped
 * connections). `@aws-sdk/client-s3` and `@aws-sdk/lib-storage` are optional: loaded when an
 * s3:// source, target or ledger is used.
 * @module
 */
import { J2kError } from "../errors.js";

/** S3 settings of a migration. */
export interface MigrateS3Options {
  /** Endpoint of an S3-compatible store, e.g. `http://127.0.0.1:9000` (path-style addressing is then used). */
  endpoint?: string;
  /** Region (default: AWS_REGION, else us-east-1). */
  region?: string;
  /** Attempts per request beyond the first (default 5). */
  retries?: number;
  /** Static credentials (default: the SDK's standard chain: environment, profile, SSO, IMDS, ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** The parts of @aws-sdk/client-s3 the migration uses. */
export interface S3Module {
  S3Client: new (config: Record<string, unknown>) => S3ClientLike;
  GetObjectCommand: new (input: Record<string, unknown>) => unknown;
  PutObjectCommand: new (input: Record<string, unknown>) => unknown;
  HeadObjectCommand: new (input: Record<string, unknown>) => unknown;
  ListObjectsV2Command: new (input: Record<string, unknown>) => unknown;
  DeleteObjectCommand: new (input: Record<string, unknown>) => unknown;
}

export interface S3ClientLike {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<Record<string, unknown>>;
  destroy?(): void;
}

/** @aws-sdk/lib-storage's Upload. */
export interface UploadModule {
  Upload: new (o: { client: S3ClientLike; params: Record<string, unknown>; queueSize?: number; partSize?: number; leavePartsOnError?: boolean }) => {
    done(): Promise<unknown>;
    abort(): Promise<void>;
    on?(event: "httpUploadProgress", f: (p: unknown) => void): void;
  };
}

const CLIENT_NAME = "@aws-sdk/client-s3";
const STORAGE_NAME = "@aws-sdk/lib-storage";

let clientModule: Promise<S3Module> | undefined;
let storageModule: Promise<UploadModule> | undefined;

/** Load @aws-sdk/client-s3 (once). */
export function loadS3(): Promise<S3Module> {
  clientModule ??= import(/* @vite-ignore */ CLIENT_NAME).then(
    (m) => m as S3Module,
    (e) => {
      clientModule = undefined;
      throw new J2kError("MISSING_DEPENDENCY", "s3:// sources, targets and ledgers need the optional package @aws-sdk/client-s3: npm install @aws-sdk/client-s3 @aws-sdk/lib-storage", { cause: e });
    },
  );
  return clientModule;
}

/** Load @aws-sdk/lib-storage (once). */
export function loadUpload(): Promise<UploadModule> {
  storageModule ??= import(/* @vite-ignore */ STORAGE_NAME).then(
    (m) => m as UploadModule,
    (e) => {
      storageModule = undefined;
      throw new J2kError("MISSING_DEPENDENCY", "s3:// targets need the optional package @aws-sdk/lib-storage (multipart uploads): npm install @aws-sdk/lib-storage", { cause: e });
    },
  );
  return storageModule;
}

/** Client configuration for `o` (exported for the tests). */
export function s3ClientConfig(o: MigrateS3Options): Record<string, unknown> {
  const config: Record<string, unknown> = {
    region: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    maxAttempts: (o.retries ?? 5) + 1,
    retryMode: "standard",
    // S3-compatible stores reject the flexible-checksum headers (x-amz-checksum-crc32, trailers)
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
  if (o.endpoint) {
    config.endpoint = o.endpoint;
    config.forcePathStyle = true;
  }
  if (o.credentials) config.credentials = o.credentials;
  return config;
}

const clients = new Map<string, Promise<S3ClientLike>>();

/** The shared client for these settings. */
export function s3Client(o: MigrateS3Options): Promise<S3ClientLike> {
  const key = JSON.stringify([o.endpoint, o.region, o.retries, o.credentials?.accessKeyId]);
  let c = clients.get(key);
  if (!c) {
    c = loadS3().then((m) => new m.S3Client(s3ClientConfig(o)));
    clients.set(key, c);
  }
  return c;
}

/** `s3://bucket/key/with/slashes` → bucket and key. */
export function parseS3(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
  if (!m || !m[1]) throw new J2kError("INVALID_ARGUMENT", `not an s3:// URL: '${url}' (expected s3://bucket/key)`);
  return { bucket: m[1], key: m[2] ?? "" };
}

/** Join an s3:// prefix and a relative key. */
export function s3Join(prefix: string, rel: string): string {
  return prefix.replace(/\/+$/, "") + "/" + rel.replace(/^\/+/, "");
}

/** Whole object as bytes (ledgers); undefined when it does not exist. */
export async function s3GetBytes(url: string, o: MigrateS3Options): Promise<Uint8Array | undefined> {
  const { bucket, key } = parseS3(url);
  const m = await loadS3();
  const client = await s3Client(o);
  try {
    const r = await client.send(new m.GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = r.Body as { transformToByteArray(): Promise<Uint8Array> };
    return await body.transformToByteArray();
  } catch (e) {
    const name = (e as { name?: string; Code?: string }).name ?? (e as { Code?: string }).Code;
    if (name === "NoSuchKey" || name === "NotFound" || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw s3Error(`cannot read ${url}`, e, "SOURCE_READ_FAILED");
  }
}

/** Put a whole (small) object (ledger snapshots). */
export async function s3PutBytes(url: string, bytes: Uint8Array, o: MigrateS3Options, contentType = "application/x-ndjson"): Promise<void> {
  const { bucket, key } = parseS3(url);
  const m = await loadS3();
  const client = await s3Client(o);
  try {
    await client.send(new m.PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: contentType }));
  } catch (e) {
    throw s3Error(`cannot write ${url}`, e, "TARGET_WRITE_FAILED");
  }
}

/** Size and ETag of an object; undefined when it does not exist. */
export async function s3Head(url: string, o: MigrateS3Options): Promise<{ size: number; etag: string; metadata: Record<string, string> } | undefined> {
  const { bucket, key } = parseS3(url);
  const m = await loadS3();
  const client = await s3Client(o);
  try {
    const r = await client.send(new m.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: Number(r.ContentLength ?? 0), etag: String(r.ETag ?? ""), metadata: (r.Metadata as Record<string, string> | undefined) ?? {} };
  } catch (e) {
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404 || (e as { name?: string }).name === "NotFound") return undefined;
    throw s3Error(`cannot read ${url}`, e, "SOURCE_READ_FAILED");
  }
}

/** An S3 failure as a J2kError. */
export function s3Error(what: string, e: unknown, code: "SOURCE_READ_FAILED" | "TARGET_WRITE_FAILED"): J2kError {
  if (e instanceof J2kError) return e;
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = (e as { name?: string }).name ?? "Error";
  const msg = (e as { message?: string }).message ?? String(e);
  return new J2kError(code, `${what}: ${name}${status ? ` (HTTP ${status})` : ""}: ${msg}`, { cause: e });
}

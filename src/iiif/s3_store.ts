/**
 * Images below an S3 prefix (`s3://bucket/prefix`), for `j2kit serve s3://...` and
 * `createIiifHandler({ root: "s3://..." })`: identifier = key below the prefix. Objects are read by
 * ranged GetObject through `openImage`; versions are ETags from HeadObject, re-checked at most every
 * `versionTtlMs` per identifier; the viewer's list comes from ListObjectsV2. Needs the optional
 * package `@aws-sdk/client-s3` (credentials from the SDK's standard chain unless given).
 * @module
 */
import { J2kError } from "../errors.js";
import type { S3SourceOptions } from "../range/open_image.js";
import { IMAGE_EXTENSIONS, pathForIdentifier, rangeSource, type ImageSource, type ImageStore } from "./image_source.js";
import { IiifError } from "./params.js";

/** Options of {@link S3Store}. */
export interface S3StoreOptions {
  /** Endpoint, region, credentials or a client, as for `openImage`'s `s3` option. */
  s3?: S3SourceOptions;
  /** How long an object's ETag is trusted before HeadObject asks again (default 30 000 ms). */
  versionTtlMs?: number;
}

interface S3Client {
  send(command: unknown): Promise<unknown>;
  destroy?(): void;
}
interface S3Module {
  S3Client: new (config: Record<string, unknown>) => S3Client;
  HeadObjectCommand: new (input: Record<string, unknown>) => unknown;
  ListObjectsV2Command: new (input: Record<string, unknown>) => unknown;
}

/** `s3://bucket/prefix` → bucket and a prefix that is empty or ends with "/". */
export function parseS3Root(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m || !m[1]) throw new J2kError("INVALID_ARGUMENT", `not an s3://bucket/prefix URL: ${url}`);
  let prefix = m[2] ?? "";
  if (prefix !== "" && !prefix.endsWith("/")) prefix += "/";
  return { bucket: m[1], prefix };
}

/** Images below an S3 prefix. */
export class S3Store implements ImageStore {
  readonly description: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly ttl: number;
  private client: Promise<{ client: S3Client; mod: S3Module }> | null = null;
  private readonly versions = new Map<string, { version: string; at: number }>();

  constructor(
    readonly url: string,
    private readonly options: S3StoreOptions = {},
  ) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Root(url));
    this.ttl = options.versionTtlMs ?? 30_000;
    this.description = `s3://${this.bucket}/${this.prefix}`;
  }

  private s3(): Promise<{ client: S3Client; mod: S3Module }> {
    this.client ??= (async () => {
      const name = "@aws-sdk/client-s3";
      let mod: S3Module;
      try {
        mod = (await import(/* @vite-ignore */ name)) as S3Module;
      } catch (e) {
        throw new J2kError("UNSUPPORTED", "serving s3:// needs the optional package @aws-sdk/client-s3: npm install @aws-sdk/client-s3", { cause: e });
      }
      const s = this.options.s3 ?? {};
      const env = process.env;
      const client =
        (s.client as S3Client | undefined) ??
        new mod.S3Client({
          region: s.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
          ...(s.endpoint ? { endpoint: s.endpoint } : {}),
          forcePathStyle: s.forcePathStyle ?? !!s.endpoint,
          ...(s.credentials ? { credentials: s.credentials } : {}),
        });
      return { client, mod };
    })();
    return this.client;
  }

  private key(identifier: string): string {
    // the same identifier rules as a folder (no "..", no leading "/", no hidden names, extensions)
    pathForIdentifier("/", identifier);
    return this.prefix + identifier;
  }

  async version(identifier: string): Promise<string> {
    const key = this.key(identifier);
    const hit = this.versions.get(key);
    if (hit && Date.now() - hit.at < this.ttl) return hit.version;
    const { client, mod } = await this.s3();
    let head: { ETag?: string; ContentLength?: number };
    try {
      head = (await client.send(new mod.HeadObjectCommand({ Bucket: this.bucket, Key: key }))) as typeof head;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || status === 403) throw new IiifError(404, `no image '${identifier}'`);
      throw new IiifError(502, `cannot reach s3://${this.bucket}/${key}: ${(e as Error).message}`);
    }
    const version = head.ETag ?? `size ${head.ContentLength ?? 0}`;
    this.versions.set(key, { version, at: Date.now() });
    return version;
  }

  async open(identifier: string, version: string): Promise<ImageSource> {
    const key = this.key(identifier);
    const { client } = await this.s3();
    const url = `s3://${this.bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
    return rangeSource(url, identifier, version, { s3: { ...(this.options.s3 ?? {}), client } });
  }

  async list(limit: number): Promise<string[]> {
    const { client, mod } = await this.s3();
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = (await client.send(
        new mod.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ...(token ? { ContinuationToken: token } : {}) }),
      )) as { Contents?: Array<{ Key?: string }>; NextContinuationToken?: string; IsTruncated?: boolean };
      for (const o of page.Contents ?? []) {
        const id = (o.Key ?? "").slice(this.prefix.length);
        if (!id || id.split("/").some((s) => s === "" || s.startsWith(".") || s === "..")) continue;
        if (!IMAGE_EXTENSIONS.some((e) => id.toLowerCase().endsWith(e))) continue;
        out.push(id);
        if (out.length >= limit) return out;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  }
}

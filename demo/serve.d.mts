/** Types of demo/serve.mjs (the demo's static file server), for TypeScript callers such as the tests. */

/** The repository root the server serves. */
export declare const REPO_ROOT: string;

/** Content types by file extension. */
export declare const MIME_TYPES: Record<string, string>;

/** Map a request path to a file below one of the served folders, or `null` when it is not allowed. */
export declare function resolveRequestPath(urlPath: string, mounts: Array<[string, string]>): { file: string; root: string } | null;

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Folder served at `/`; default the repository root. */
  root?: string;
  /** Extra read-only folders by URL prefix (starting and ending with "/"), e.g. `{ "/testdata/": "/abs/shared/testdata" }`. */
  mounts?: Record<string, string>;
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port/` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Start the server; resolves once it listens. */
export declare function startServer(options?: ServerOptions): Promise<RunningServer>;

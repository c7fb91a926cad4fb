/**
 * The Node options a worker thread is started with.
 * @module
 */

/**
 * `process.execArgv` as a Node worker thread accepts it. A worker inherits the process's options, and
 * Node refuses to start one that inherits `--input-type` (ERR_INPUT_TYPE_NOT_ALLOWED: the option is
 * only for `--eval`/`--print`/stdin input), so under `node --input-type=module -e …` every worker
 * failed and j2kit silently ran on one thread. Those options are dropped (both the `--input-type=X`
 * and the `--input-type X` form); `-e`/`--eval` and their code are ignored by workers and stay.
 * @internal exported for tests.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (a === "--input-type") {
      i++; // and its value
      continue;
    }
    if (a.startsWith("--input-type=")) continue;
    out.push(a);
  }
  return out;
}

/**
 * Options for `new Worker(url, …)` in Node: none (the worker inherits this process's options as Node
 * does it) unless this process has an option a worker refuses; then the {@link workerExecArgv} list.
 * Node checks a list given this way more strictly than inherited options (process-wide ones such as
 * `--max-old-space-size` throw ERR_WORKER_INVALID_EXEC_ARGV), so a caller whose `new Worker` throws
 * with the list tries again with no options at all ({@link startNodeWorker}).
 */
export function nodeWorkerOptions(): { execArgv?: string[] } {
  const argv = (globalThis as { process?: { execArgv?: string[] } }).process?.execArgv ?? [];
  const kept = workerExecArgv(argv);
  return kept.length === argv.length ? {} : { execArgv: kept };
}

/**
 * `new Worker(url, nodeWorkerOptions())`, and when a cleaned option list is refused, a worker with no
 * inherited options rather than none at all.
 */
export function startNodeWorker<W>(Worker: new (url: URL, options: { execArgv?: string[] }) => W, url: URL): W {
  const options = nodeWorkerOptions();
  try {
    return new Worker(url, options);
  } catch (e) {
    if (!options.execArgv) throw e;
    return new Worker(url, { execArgv: [] });
  }
}

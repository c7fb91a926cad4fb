/**
 * Command-line parsing for the `j2kit` commands: a small table-driven option parser (so every
 * command rejects unknown options with the same message) and parsers for the value syntaxes
 * (`WxH`, `x,y`, lists). Every problem is a {@link J2kError} `INVALID_ARGUMENT`.
 * @module
 */
import { J2kError } from "../errors.js";
import { joinBytes } from "../io/bytes.js";

/** Where a command writes its output (the process streams, or a buffer in tests). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Binary output, for `-` as the output file (absent: `-` is refused). */
  stdoutBytes?(bytes: Uint8Array): Promise<void>;
  /** All of standard input, for `-` as the input file (absent: `-` is refused). */
  stdin?(): Promise<Uint8Array>;
}

/** Most bytes read from standard input (`-`): a whole-input buffer beyond this is refused. */
const MAX_STDIN_BYTES = 2 ** 31;

/** The process's own streams. */
export const PROCESS_IO: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stdoutBytes: (bytes) =>
    new Promise<void>((resolve, reject) => {
      process.stdout.write(bytes, (e) => (e ? reject(e) : resolve()));
    }),
  stdin: async () => {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of process.stdin) {
      chunks.push(chunk as Uint8Array);
      total += (chunk as Uint8Array).length;
      if (total > MAX_STDIN_BYTES) {
        throw new J2kError("LIMIT_MEMORY", `standard input holds more than ${MAX_STDIN_BYTES / 2 ** 30} GiB: give the file's name instead of '-'`);
      }
    }
    return joinBytes(chunks);
  },
};

/** The file name that stands for standard input or output. */
export const STDIO = "-";

/** One option of a command. */
export interface OptionSpec {
  /** Long name without the leading `--`. */
  name: string;
  /** Placeholder of the value (`"N"`, `"WxH"`); absent for a flag. */
  value?: string;
  /** One line of help. */
  help: string;
}

/** Result of {@link parseCommandLine}. */
export interface ParsedArgs {
  positionals: string[];
  /** Option name → its value (last one wins), or `true` for a flag. */
  options: Map<string, string | true>;
  /** `--help` / `-h` was given. */
  help: boolean;
}

const usageErrors = new WeakSet<J2kError>();

/** Error for a bad command line of `command`, pointing at its help. */
export function usageError(command: string, message: string): J2kError {
  const e = new J2kError("INVALID_ARGUMENT", `${message} (see 'j2kit ${command ? `${command} ` : ""}--help')`);
  usageErrors.add(e);
  return e;
}

/** True for errors made by {@link usageError} (the CLI exits with status 2 for them). */
export function isUsageError(e: unknown): boolean {
  return e instanceof J2kError && usageErrors.has(e);
}

/**
 * Split `argv` into positionals and known options. Accepts `--name value`, `--name=value`, `--` to
 * end options, and `-h`/`--help` (which wins over everything else).
 */
export function parseCommandLine(command: string, argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  if (argv.includes("--help") || argv.includes("-h")) {
    const end = argv.indexOf("--");
    const at = Math.max(argv.indexOf("--help"), argv.indexOf("-h"));
    if (end < 0 || at < end) return { positionals, options, help: true };
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith("--")) throw usageError(command, `unknown option '${arg}'`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (spec === undefined) throw usageError(command, `unknown option '--${name}' for '${command}'`);
    if (spec.value === undefined) {
      if (eq >= 0) throw usageError(command, `option '--${name}' takes no value`);
      options.set(name, true);
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        throw usageError(command, `option '--${name}' needs a value (${spec.value})`);
      }
      value = next;
      i++;
    }
    if (value === "") throw usageError(command, `option '--${name}' needs a value (${spec.value})`);
    options.set(name, value);
  }
  return { positionals, options, help: false };
}

/** Help text: usage line(s), description and the option table. */
export function formatHelp(usage: string, description: string, specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => [`--${s.name}${s.value ? ` ${s.value}` : ""}`, s.help] as const);
  const width = Math.min(30, Math.max(0, ...rows.map(([l]) => l.length)) + 2);
  const lines = [`Usage: ${usage}`, "", description, ""];
  if (rows.length > 0) {
    lines.push("Options:");
    for (const [left, right] of rows) {
      lines.push(left.length + 2 > width ? `  ${left}\n  ${" ".repeat(width)}${right}` : `  ${left.padEnd(width)}${right}`);
    }
    lines.push(`  ${"--help".padEnd(width)}show this help`);
  }
  return lines.join("\n") + "\n";
}

/** Accessors over a {@link ParsedArgs} for one command, producing uniform error messages. */
export class OptionReader {
  constructor(
    readonly command: string,
    readonly args: ParsedArgs,
  ) {}

  /** The flag `--name` was given. */
  flag(name: string): boolean {
    return this.args.options.get(name) === true;
  }

  /** The raw value of `--name`, if given. */
  string(name: string): string | undefined {
    const v = this.args.options.get(name);
    return typeof v === "string" ? v : undefined;
  }

  /** Integer in `[min, max]`. */
  int(name: string, min: number, max: number): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    return parseIntIn(this.fail(name, v), v, min, max);
  }

  /** `WxH` with positive integers. */
  size(name: string): [number, number] | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    return parseSize(this.fail(name, v), v);
  }

  /** Comma-separated decimal numbers (> 0). */
  numberList(name: string): number[] | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const fail = this.fail(name, v);
    return v.split(",").map((t) => parsePositive(fail, t, false));
  }

  /** Comma-separated integers in `[min, max]`. */
  intList(name: string, min: number, max: number): number[] | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const fail = this.fail(name, v);
    return v.split(",").map((t) => parseIntIn(fail, t, min, max));
  }

  /** Comma-separated `WxH` sizes. */
  sizeList(name: string): Array<[number, number]> | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const fail = this.fail(name, v);
    return v.split(",").map((t) => parseSize(fail, t));
  }

  /** Exactly `count` comma-separated non-negative integers. */
  tuple(name: string, count: number, what: string): number[] | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const fail = this.fail(name, v);
    const parts = v.split(",");
    if (parts.length !== count) throw fail(`expected ${what}`);
    return parts.map((t) => parseIntIn(fail, t, 0, 0xffffffff));
  }

  /** One of `choices`, matched case-insensitively; returns the spelling of `choices`. */
  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const hit = choices.find((c) => c.toLowerCase() === v.toLowerCase());
    if (hit === undefined) throw this.fail(name, v)(`expected one of ${choices.join(", ")}`);
    return hit;
  }

  /** Comma-separated values out of `choices` (case-insensitive, no repeats). */
  choiceList<T extends string>(name: string, choices: readonly T[]): T[] | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const fail = this.fail(name, v);
    const out: T[] = [];
    for (const part of v.split(",")) {
      const hit = choices.find((c) => c.toLowerCase() === part.trim().toLowerCase());
      if (hit === undefined) throw fail(`'${part}' is not one of ${choices.join(", ")}`);
      if (!out.includes(hit)) out.push(hit);
    }
    return out;
  }

  /** Builds the error for a bad value of option `name`. */
  fail(name: string, value: string): (why: string) => J2kError {
    return (why) => usageError(this.command, `bad value '${value}' for --${name}: ${why}`);
  }
}

function parseIntIn(fail: (why: string) => J2kError, text: string, min: number, max: number): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw fail("not an integer");
  const n = Number(t);
  if (n < min || n > max) throw fail(`must be ${max === 0xffffffff ? `at least ${min}` : `between ${min} and ${max}`}`);
  return n;
}

function parsePositive(fail: (why: string) => J2kError, text: string, allowZero: boolean): number {
  const t = text.trim();
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw fail("not a number");
  const n = Number(t);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw fail(allowZero ? "must not be negative" : "must be positive");
  return n;
}

function parseSize(fail: (why: string) => J2kError, text: string): [number, number] {
  const m = /^\s*(\d+)\s*[xX]\s*(\d+)\s*$/.exec(text);
  if (m === null) throw fail("expected WIDTHxHEIGHT, e.g. 64x64");
  const w = Number(m[1]);
  const h = Number(m[2]);
  if (w < 1 || h < 1) throw fail("sizes must be positive");
  return [w, h];
}

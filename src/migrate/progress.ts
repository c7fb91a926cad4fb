/**
 * Progress of a migration: on a terminal a line rewritten in place twice a second, otherwise one
 * line a minute (logs of batch jobs): files done / failed / total, files/s and MB/s of this run,
 * the time left at that pace, and memory (process RSS, reservations of the pool).
 * @module
 */
import type { MigrateIo } from "./run.js";
import type { PoolMemory } from "./pool.js";

const MiB = 2 ** 20;

function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}`;
}

export class Progress {
  /** Files converted in this run, skipped (done earlier or recovered), failed. */
  done = 0;
  skipped = 0;
  failed = 0;
  bytesIn = 0;
  bytesOut = 0;
  private readonly start = performance.now();
  private readonly timer: ReturnType<typeof setInterval>;
  private lastLength = 0;

  constructor(
    private readonly io: MigrateIo,
    private readonly total: number,
    private readonly memory: () => PoolMemory,
    /** Milliseconds between lines when not on a terminal (default one minute). */
    everyMs = io.isTTY ? 500 : 60_000,
  ) {
    this.timer = setInterval(() => this.render(), everyMs);
    this.timer.unref?.();
  }

  converted(bytesIn: number, bytesOut: number): void {
    this.done++;
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
  }

  /** The progress text (also used for the last line). */
  line(): string {
    const secs = (performance.now() - this.start) / 1000;
    const finished = this.done + this.skipped + this.failed;
    const rate = secs > 0 ? this.done / secs : 0;
    const mbs = secs > 0 ? this.bytesIn / MiB / secs : 0;
    const left = this.total - finished;
    const eta = rate > 0 ? left / rate : NaN;
    const m = this.memory();
    const rss = process.memoryUsage().rss;
    return (
      `${this.done + this.skipped}/${this.total} done (${this.skipped} earlier), ${this.failed} failed | ` +
      `${rate.toFixed(2)} files/s, ${mbs.toFixed(1)} MB/s | ETA ${clock(eta)} | ` +
      `memory ${Math.round(rss / MiB)} MiB RSS, ${Math.round(m.reserved / MiB)}/${Math.round(m.budget / MiB)} MiB reserved${m.waiting ? `, ${m.waiting} waiting for memory` : ""}`
    );
  }

  private render(): void {
    const text = this.line();
    if (this.io.isTTY) {
      this.io.stderr(`\r${text}${" ".repeat(Math.max(0, this.lastLength - text.length))}`);
      this.lastLength = text.length;
    } else {
      this.io.stderr(`j2kit migrate: ${new Date().toISOString()} ${text}\n`);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.io.isTTY) this.io.stderr(`\r${this.line()}\n`);
    else this.io.stderr(`j2kit migrate: ${new Date().toISOString()} ${this.line()}\n`);
  }
}

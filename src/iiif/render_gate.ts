/**
 * The IIIF server's cap on renders: at most `maxActive` image requests are rendered at once
 * (decoding, resampling, encoding — each holds decoded pixels), at most `maxQueued` more wait for
 * a turn in arrival order, and a request arriving when the queue is full is refused at once with
 * 503 and `Retry-After` rather than waiting without bound (memory and latency stay bounded under
 * a burst). Requests answered from the cache, or joining a render of the same image already in
 * flight, never take a turn.
 * @module
 */
import { IiifError } from "./params.js";

/** 503 Service Unavailable with the seconds to put in `Retry-After`. */
export class ServerBusyError extends IiifError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(503, message);
  }
}

/**
 * A queued render dropped before its turn because every client waiting for it went away
 * (see {@link RenderGate.run}'s `signal`). Nobody is left to answer.
 */
export class RenderCancelledError extends IiifError {
  constructor() {
    super(499, "the render was dropped from the queue: every client waiting for it disconnected");
  }
}

/** Renders running and waiting, requests refused, and queued renders dropped so far. */
export interface RenderGateStats {
  active: number;
  queued: number;
  refused: number;
  /** Queued renders whose clients all disconnected before their turn: they never ran. */
  cancelled: number;
}

/** A counting semaphore with a bounded FIFO queue (see the module description). */
export class RenderGate {
  private active = 0;
  private refused = 0;
  private cancelled = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly maxActive: number,
    readonly maxQueued: number,
    readonly retryAfterSeconds: number,
  ) {}

  /**
   * Run `fn` when a turn is free; throws {@link ServerBusyError} when the queue is full. When
   * `signal` aborts while the render still waits, it leaves the queue without running and this
   * throws {@link RenderCancelledError}; once started, a render runs to the end.
   */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) {
      this.cancelled++;
      throw new RenderCancelledError();
    }
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxQueued) {
        this.refused++;
        throw new ServerBusyError(
          `the server is busy (${this.active} images rendering, ${this.waiting.length} waiting); retry in ${this.retryAfterSeconds} s`,
          this.retryAfterSeconds,
        );
      }
      // the turn is handed over by the render finishing (active is not decremented in between)
      await new Promise<void>((resolve, reject) => {
        const turn = (): void => {
          signal?.removeEventListener("abort", leave);
          resolve();
        };
        const leave = (): void => {
          const at = this.waiting.indexOf(turn);
          if (at < 0) return;
          this.waiting.splice(at, 1);
          this.cancelled++;
          reject(new RenderCancelledError());
        };
        signal?.addEventListener("abort", leave, { once: true });
        this.waiting.push(turn);
      });
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  stats(): RenderGateStats {
    return { active: this.active, queued: this.waiting.length, refused: this.refused, cancelled: this.cancelled };
  }
}

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

/** Renders running and waiting, and requests refused so far. */
export interface RenderGateStats {
  active: number;
  queued: number;
  refused: number;
}

/** A counting semaphore with a bounded FIFO queue (see the module description). */
export class RenderGate {
  private active = 0;
  private refused = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly maxActive: number,
    readonly maxQueued: number,
    readonly retryAfterSeconds: number,
  ) {}

  /** Run `fn` when a turn is free; throws {@link ServerBusyError} when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxQueued) {
        this.refused++;
        throw new ServerBusyError(
          `the server is busy (${this.active} images rendering, ${this.waiting.length} waiting); retry in ${this.retryAfterSeconds} s`,
          this.retryAfterSeconds,
        );
      }
      // the turn is handed over by the render finishing (active is not decremented in between)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
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
    return { active: this.active, queued: this.waiting.length, refused: this.refused };
  }
}

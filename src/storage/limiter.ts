/**
 * How many calls a backend keeps in flight: at most `max` (--concurrency), fewer while the store
 * pushes back. AIMD, as TCP does it: each answer in good time adds 1/limit (about one more call in
 * flight per round of answers); a throttle (420/429), a server error (5xx), a timeout or answers
 * slowing past LATENCY_CLIMB × the fastest seen (and LATENCY_SLACK_MS more) halve it, at most once per round so one burst of
 * failures counts once. Backend-neutral: a backend measures and classifies, this decides.
 */
/** neutral: an answer that says nothing about load (a 404, a bad request, our own budget stop). */
/** Calls in flight when neither the user nor the backend says otherwise (the Cloudinary client's reasons: its DEFAULT_CONCURRENCY). */
export const DEFAULT_CONCURRENCY = 16;
/** The highest --concurrency accepted: past this a scan only queues on its own sockets. */
export const MAX_CONCURRENCY = 64;

export type CallOutcome = 'ok' | 'throttled' | 'failed' | 'neutral';

/** Answers this many times slower than the fastest seen mean the store is queueing: back off. */
export const LATENCY_CLIMB = 3;
/** …and by at least this much: jitter of a few milliseconds (a store on loopback) is no queue. */
export const LATENCY_SLACK_MS = 250;
/** Weight of the newest answer in the smoothed latency. */
const SMOOTHING = 0.2;

export interface LimiterStats {
  /** Calls allowed in flight now. */
  limit: number;
  max: number;
  /** The lowest the limit went. */
  lowest: number;
  /** How many times it was lowered. */
  decreases: number;
}

export class AdaptiveLimiter {
  private current: number;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private fastest = Infinity;
  private smoothed: number | undefined;
  private lastDecrease = -Infinity;
  private lowest: number;
  private decreases = 0;

  constructor(
    readonly max: number,
    private readonly options: { now?: () => number; onChange?: (limit: number, why: string) => void } = {},
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`concurrency must be a whole number of at least 1 (got ${max})`);
    this.current = max;
    this.lowest = max;
  }

  get limit(): number {
    return Math.max(1, Math.floor(this.current));
  }

  get stats(): LimiterStats {
    return { limit: this.limit, max: this.max, lowest: this.lowest, decreases: this.decreases };
  }

  /** Runs `attempt` once a slot is free; `classify` says how the store answered. */
  async run<T>(attempt: () => Promise<T>, classify: (err: unknown) => CallOutcome): Promise<T> {
    await this.acquire();
    const now = this.options.now ?? Date.now;
    const started = now();
    try {
      const result = await attempt();
      this.observe('ok', now() - started);
      return result;
    } catch (err) {
      this.observe(classify(err), now() - started);
      throw err;
    } finally {
      this.release();
    }
  }

  /** Records one answer: exported for tests and for callers that schedule their own calls. */
  observe(outcome: CallOutcome, latencyMs: number): void {
    if (outcome === 'neutral') return;
    if (outcome === 'throttled' || outcome === 'failed') {
      this.decrease(outcome === 'throttled' ? 'the store throttled a call' : 'a call failed');
      return;
    }
    this.fastest = Math.min(this.fastest, Math.max(1, latencyMs));
    this.smoothed = this.smoothed === undefined ? latencyMs : this.smoothed + SMOOTHING * (latencyMs - this.smoothed);
    if (this.smoothed > LATENCY_CLIMB * this.fastest && this.smoothed - this.fastest > LATENCY_SLACK_MS) {
      this.decrease(`answers slowed to ${Math.round(this.smoothed)} ms (fastest ${Math.round(this.fastest)} ms)`);
      return;
    }
    if (this.current < this.max) {
      const before = this.limit;
      this.current = Math.min(this.max, this.current + 1 / this.current);
      if (this.limit !== before) this.options.onChange?.(this.limit, 'answers are in good time');
    }
  }

  private decrease(why: string): void {
    const now = (this.options.now ?? Date.now)();
    // once per round of answers: the calls already in flight answer from before the decrease
    const round = Number.isFinite(this.fastest) ? (this.smoothed ?? this.fastest) : 0;
    if (now - this.lastDecrease < round) return;
    this.lastDecrease = now;
    const before = this.limit;
    this.current = Math.max(1, this.current / 2);
    // the smoothed latency restarts, so the slowness that caused this is not counted twice
    this.smoothed = undefined;
    if (this.limit < before) {
      this.decreases++;
      this.lowest = Math.min(this.lowest, this.limit);
      this.options.onChange?.(this.limit, why);
    }
  }

  private acquire(): Promise<void> {
    if (this.inFlight < this.limit) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => {
      this.inFlight++;
      resolve();
    }));
  }

  private release(): void {
    this.inFlight--;
    while (this.inFlight < this.limit && this.waiting.length) this.waiting.shift()!();
  }
}

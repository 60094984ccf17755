import type { Clock, TimerHandle } from './clock.ts';
import type { Engine, StepPlan } from './engine.ts';
import type { Sequence } from './sequence.ts';

/** Latency mode: the step model, or constant TTFT/ITL per request (harness fidelity tests). */
export interface FixedLatency {
  /** Milliseconds (model time) from arrival to the first token. */
  ttftMs: number;
  /** Milliseconds (model time) between tokens. */
  itlMs: number;
}

export interface EngineLoopOptions {
  /** Model ms between arrival and entering the waiting queue (API server + tokenization). */
  frontendOverheadMs: () => number;
  /** When it returns non-null, new requests use constant latencies instead of the step model. */
  fixedLatency: () => FixedLatency | null;
  /** Called after every completed step (diagnostics, tests). */
  onStep?: (plan: StepPlan, endMs: number) => void;
}

/**
 * If a step's timer fires within this many ms of its planned end, the next step starts at the
 * planned end (not "now"), so timer latency does not accumulate into longer inter-token gaps.
 */
const CATCH_UP_WINDOW_MS = 50;

/** At most this many overdue steps complete back-to-back in one timer callback. */
const MAX_STEPS_PER_TICK = 8;

/**
 * Runs an {@link Engine} on a {@link Clock}: one timer per step. On real timers this is the sim's
 * heartbeat; on a VirtualClock tests step it deterministically.
 */
export class EngineLoop {
  private stepTimer: TimerHandle | null = null;
  private kickTimer: TimerHandle | null = null;
  private readonly pendingTimers = new Map<Sequence, TimerHandle>();
  private inFlight: StepPlan | null = null;
  /** Planned end of the last step (clock ms). */
  private plannedEndMs = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(
    readonly engine: Engine,
    private readonly clock: Clock,
    private readonly options: EngineLoopOptions,
  ) {}

  /**
   * Accepts a new request (its listener hears every token). `seq.arrivalMs`, if already set (the
   * HTTP layer stamps it when the request arrives, before body parsing and tokenization), is kept:
   * TTFT and e2e are measured from frontend arrival, as vLLM does.
   */
  submit(seq: Sequence): void {
    const now = this.clock.now();
    if (seq.arrivalMs < 0) seq.arrivalMs = now;
    const fixed = this.options.fixedLatency();
    const scale = this.engine.config.timeScale;
    if (fixed !== null) {
      this.engine.startDirect(seq, now);
      this.scheduleDirect(seq, fixed.ttftMs * scale, fixed.itlMs * scale);
      return;
    }
    const overhead = this.options.frontendOverheadMs() * scale;
    if (overhead > 0) {
      this.pendingTimers.set(
        seq,
        this.clock.setTimeout(() => {
          this.pendingTimers.delete(seq);
          this.enqueue(seq);
        }, overhead),
      );
    } else this.enqueue(seq);
  }

  /** Client went away: frees the sequence at once. */
  abort(seq: Sequence): void {
    const pending = this.pendingTimers.get(seq);
    if (pending !== undefined) {
      this.clock.clearTimeout(pending);
      this.pendingTimers.delete(seq);
    }
    this.engine.abort(seq, this.clock.now());
    // Freed blocks or slots may let a blocked waiting request run.
    if (this.engine.numWaiting > 0) this.kick();
  }

  /** Cancels every timer; the loop does nothing afterwards. */
  stop(): void {
    this.stopped = true;
    if (this.stepTimer !== null) this.clock.clearTimeout(this.stepTimer);
    if (this.kickTimer !== null) this.clock.clearTimeout(this.kickTimer);
    for (const timer of this.pendingTimers.values()) this.clock.clearTimeout(timer);
    this.pendingTimers.clear();
  }

  get stepInFlight(): boolean {
    return this.inFlight !== null;
  }

  private enqueue(seq: Sequence): void {
    if (this.stopped) return;
    this.engine.addRequest(seq, this.clock.now());
    this.kick();
  }

  /** Starts a step soon (same clock tick), coalescing arrivals of one tick into one step. */
  private kick(): void {
    if (this.stopped || this.inFlight !== null || this.kickTimer !== null) return;
    this.kickTimer = this.clock.setTimeout(() => {
      this.kickTimer = null;
      this.startStep(this.clock.now());
    }, 0);
  }

  /**
   * Plans a step starting at `startMs` and arms its timer. When the process is behind (timer
   * granularity is 1 ms, steps at fast time scales are shorter), steps whose planned end has
   * already passed complete immediately in the same callback, up to {@link MAX_STEPS_PER_TICK},
   * so the simulated token rate does not collapse to one step per timer tick.
   */
  private startStep(startMs: number): void {
    let start = startMs;
    for (let burst = 0; ; burst++) {
      if (this.stopped || this.inFlight !== null) return;
      const now = this.clock.now();
      const plan = this.engine.planStep(now);
      if (plan === null) return;
      this.inFlight = plan;
      this.plannedEndMs = start + plan.durationMs;
      if (this.plannedEndMs > now || burst >= MAX_STEPS_PER_TICK || plan.durationMs <= 0) {
        this.stepTimer = this.clock.setTimeout(() => this.finishStep(), Math.max(0, this.plannedEndMs - now));
        return;
      }
      this.completeInFlight(now);
      start = this.plannedEndMs;
    }
  }

  private finishStep(): void {
    this.stepTimer = null;
    if (this.stopped) return;
    const now = this.clock.now();
    this.completeInFlight(now);
    this.startStep(now - this.plannedEndMs < CATCH_UP_WINDOW_MS ? this.plannedEndMs : now);
  }

  private completeInFlight(now: number): void {
    const plan = this.inFlight;
    this.inFlight = null;
    if (plan === null) return;
    this.engine.completeStep(now);
    this.options.onStep?.(plan, now);
  }

  /**
   * Fixed-latency token timer chain for one sequence (no jitter). Each token is timed from the
   * previous token's actual emission, so client-measured TTFT and ITL are never below the
   * configured constants (timer lateness only adds).
   */
  private scheduleDirect(seq: Sequence, firstDelayMs: number, itlMs: number): void {
    const fire = (): void => {
      this.pendingTimers.delete(seq);
      if (this.stopped) return;
      const finished = this.engine.emitDirect(seq, this.clock.now());
      if (!finished) this.pendingTimers.set(seq, this.clock.setTimeout(fire, itlMs));
    };
    this.pendingTimers.set(seq, this.clock.setTimeout(fire, firstDelayMs));
  }
}

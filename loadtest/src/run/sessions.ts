import { joinText } from '../workloads/words.ts';

/**
 * Multi-turn session state shared across stages of one run. Rounds of one session are
 * serialized: `run` waits for the session's previous round before starting the next.
 * context = previous round's prompt + " " + its reply; null before the first round.
 */
export class SessionStore {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly contexts = new Map<string, string>();

  context(id: string): string | null {
    return this.contexts.get(id) ?? null;
  }

  /** Runs `round` after the session's previous round finished; resolves with its result. */
  async run<T>(id: string, round: () => Promise<T>): Promise<{ value: T; waited: boolean }> {
    const previous = this.tails.get(id);
    let release = (): void => {};
    const tail = new Promise<void>((resolve) => (release = resolve));
    this.tails.set(id, tail);
    let waited = false;
    if (previous !== undefined) {
      let settled = false;
      void previous.then(() => (settled = true));
      await Promise.resolve();
      waited = !settled;
      await previous;
    }
    try {
      return { value: await round(), waited };
    } finally {
      release();
    }
  }

  /** Records a finished round's prompt and reply as the session's context. */
  recordReply(id: string, prompt: string, reply: string): void {
    this.contexts.set(id, joinText(prompt, reply));
  }
}

/**
 * Polls `check` until it returns a value other than undefined/false, or the deadline passes.
 * This is how tests wait for conditions: on events with a deadline, never on a fixed sleep.
 *
 * @param check    returns the awaited value, or undefined/false while not ready; thrown errors count as "not ready"
 * @param timeoutMs total time allowed, in milliseconds
 * @param what     words for the timeout error ("sim-0 /health to answer 200")
 * @param intervalMs pause between polls, in milliseconds
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 25;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: last error ${lastError.message}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

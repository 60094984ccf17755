import type { ChildProcess } from 'node:child_process';

/**
 * Tracks child processes spawned by test helpers so that every one of them is killed when the
 * test process exits, even if a test failed before its teardown ran.
 *
 * One registry is created per helper call site that needs it (no module-level state): the
 * registry installs a single `exit` listener for its own lifetime and removes it on dispose().
 */
export class ChildRegistry {
  private readonly children = new Set<ChildProcess>();
  private readonly onExit = (): void => {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };

  constructor() {
    process.once('exit', this.onExit);
  }

  add(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  /** Stops every tracked child: SIGTERM, then SIGKILL after `graceMs`. Resolves when all have exited. */
  async stopAll(graceMs = 3000): Promise<void> {
    await Promise.all([...this.children].map((child) => stopChild(child, graceMs)));
    process.removeListener('exit', this.onExit);
  }
}

/** SIGTERM, then SIGKILL after `graceMs` milliseconds; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * The run's clock: seconds since the Unix epoch with sub-millisecond resolution, monotonic
 * within a process (performance.timeOrigin + performance.now()). Every RequestRecord time uses it.
 */
export function nowSeconds(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

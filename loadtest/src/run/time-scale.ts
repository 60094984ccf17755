import type { RequestRecord } from '../metrics/request-record.ts';

/**
 * Converts a record from wall time to model time around `origin`:
 * t_model = origin + (t_wall − origin) / timeScale. With timeScale 1 the record is unchanged.
 */
export function toModelTime(record: RequestRecord, origin: number, timeScale: number): RequestRecord {
  if (timeScale === 1) return record;
  const f = (t: number): number => origin + (t - origin) / timeScale;
  return {
    ...record,
    scheduledTime: record.scheduledTime === null ? null : f(record.scheduledTime),
    dispatchTime: f(record.dispatchTime),
    startTime: f(record.startTime),
    endTime: f(record.endTime),
    chunks: record.chunks.map((c) => ({ ...c, time: f(c.time) })),
    queueWait: record.queueWait === null ? null : record.queueWait / timeScale,
  };
}

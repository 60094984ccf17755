import type { PluginFactory } from '../registry.ts';
import type { Filter } from '../types.ts';

export const HEALTH_FILTER = 'health-filter';

/** Keeps endpoints whose health state is `healthy`. No parameters. */
export const healthFilterFactory: PluginFactory = (spec): Filter => ({
  kind: 'filter',
  type: HEALTH_FILTER,
  name: spec.name,
  filter: (_ctx, endpoints) => endpoints.filter((e) => e.healthy),
});

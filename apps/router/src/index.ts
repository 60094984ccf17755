// @sluice/router: the Fastify composition root (routes, proxy, wiring). No algorithms live here.
export { buildRouter } from './app.ts';
export { startRouter, type StartRouterOptions, type RunningRouter } from './runtime.ts';
export { RouterLifecycle, type RouterDeps } from './deps.ts';
export { HttpError } from './http/openai-error.ts';

import { randomUUID } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify';
import { registerAdminGuard } from './auth/admin-guard.ts';
import type { ListenerRole } from './auth/admin-guard.ts';
import type { RouterDeps } from './deps.ts';
import { clientErrorHandler } from './http/client-error.ts';
import { lazyChildLoggerFactory } from './http/lazy-request-logger.ts';
import { errorTypeFor, HttpError } from './http/openai-error.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerDashboardRoutes } from './routes/dashboard.ts';
import { registerInferenceRoutes } from './routes/inference.ts';

/** Request ids longer than this from the client are replaced (they end up in logs and headers). */
const MAX_CLIENT_REQUEST_ID = 128;

/**
 * The Fastify app of one router replica (no listen: the caller decides). Bodies are read raw
 * (Buffer) for every content type and parsed by the inference handler, so a body that is not
 * rewritten is forwarded byte for byte. Every error the router produces itself is OpenAI-shaped.
 * `listener: 'admin'` builds the separate operator listener (server.adminPort; auth/admin-guard.ts).
 */
export function buildRouter(deps: RouterDeps, listener: ListenerRole = 'main'): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One access line per request is written by the inference handler; Fastify's two are off.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    // req.log's pino child is built only if the request writes a line at an enabled level.
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: deps.config.server.bodyLimitBytes,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && given.length > 0 && given.length <= MAX_CLIENT_REQUEST_ID ? given : randomUUID();
    },
    keepAliveTimeout: deps.config.server.keepAliveTimeoutMs,
    // Slow clients (slowloris): whole request and headers must arrive in time; header size capped.
    requestTimeout: deps.config.server.requestTimeoutMs,
    http: {
      maxHeaderSize: deps.config.server.maxHeaderSizeBytes,
      headersTimeout: deps.config.server.headersTimeoutMs,
      // Node checks the two timeouts on this period (default 30 s): keep it well under them.
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(deps.config.server.headersTimeoutMs / 4))),
    },
    clientErrorHandler: clientErrorHandler(deps.metrics),
    return503OnClosing: true,
    // close() runs after the graceful drain: whatever is still open by then is cut.
    forceCloseConnections: true,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError | HttpError, req, reply) => {
    if (error instanceof HttpError) {
      void reply.code(error.status).headers({ ...error.headers, 'x-request-id': String(req.id), 'x-sluice-replica': deps.replicaId }).send(error.body());
      return;
    }
    const status = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 413 : typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) req.log.error({ err: error }, 'request failed');
    const message = status === 413 ? `The request body exceeds the limit of ${deps.config.server.bodyLimitBytes} bytes.` : status >= 500 ? 'Internal router error.' : error.message;
    void reply
      .code(status)
      .header('x-request-id', String(req.id))
      .send({ error: { message, type: errorTypeFor(status), param: null, code: status === 413 ? 'request_too_large' : (error.code ?? null) } });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { message: `No route for ${req.method} ${req.url}`, type: 'not_found_error', param: null, code: 'route_not_found' } });
  });

  registerAdminGuard(app, { auth: deps.config.auth, metrics: deps.metrics, tenants: deps.auth, role: listener, separateAdminListener: deps.config.server.adminPort !== null });
  registerInferenceRoutes(app, deps);
  registerAdminRoutes(app, deps);
  registerDashboardRoutes(app, deps);
  return app;
}

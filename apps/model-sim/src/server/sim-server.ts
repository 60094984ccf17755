import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyLiveUpdate, ConfigError, liveConfigView, type SimConfig } from '../config.ts';
import { createSystemClock, type Clock } from '../engine/clock.ts';
import type { EngineConfig } from '../engine/engine-config.ts';
import { Engine } from '../engine/engine.ts';
import { EngineLoop } from '../engine/engine-loop.ts';
import { drawOutputLength } from '../engine/output-length.ts';
import { mix32, SeededRandom } from '../engine/rng.ts';
import { Sequence } from '../engine/sequence.ts';
import { hashString } from '../engine/block-hash.ts';
import { parseJsonObject, readBody } from './body.ts';
import { HttpError, sendError } from './errors.ts';
import { SimMetrics } from './metrics.ts';
import { chatTokensOf, parseGenerationRequest, promptTokensOf, resolveModel, type Endpoint, type ModelCatalog } from './openai-request.ts';
import { JsonResponder, StreamResponder, type StreamFault } from './responders.ts';
import { traceSequence, type SimTracing } from './engine-tracing.ts';

const KNOWN_PATHS = new Set(['/v1/chat/completions', '/v1/completions', '/health', '/health/ready', '/metrics', '/v1/models', '/tokenize', '/admin/config', '/admin/stats']);

export interface SimServer {
  /** Base URL, e.g. http://127.0.0.1:8000 (no trailing slash). */
  url: string;
  port: number;
  server: Server;
  engine: Engine;
  loop: EngineLoop;
  metrics: SimMetrics;
  /** Current configuration (changes with POST /admin/config). */
  config(): SimConfig;
  close(): Promise<void>;
}

/** Engine settings derived from a SimConfig (the object is mutated in place on live updates). */
function engineConfigOf(config: SimConfig): EngineConfig {
  return {
    model: config.model,
    blockSize: config.blockSize,
    kvCacheTokens: config.kvCacheTokens,
    maxNumSeqs: config.maxNumSeqs,
    maxNumBatchedTokens: config.maxNumBatchedTokens,
    maxLoras: config.maxLoras,
    loraLoadMs: config.loraLoadMs,
    timeScale: config.timeScale,
    cost: { t0Ms: config.t0Ms, prefillMsPerToken: config.prefillMsPerToken, seqMs: config.seqMs, ctxMsPer1k: config.ctxMsPer1k, jitter: config.jitter },
  };
}

/**
 * Starts the OpenAI-compatible simulator on config.host:config.port (port 0 = any free port). With
 * `tracing`, every generation request gets an `engine.generate` span under its `traceparent`.
 */
export async function startSimServer(initial: SimConfig, clock: Clock = createSystemClock(), tracing: SimTracing | null = null): Promise<SimServer> {
  let config = initial;
  const engineConfig = engineConfigOf(config);
  const metrics = new SimMetrics(config.model, config.loraModules.length > 0);
  const engine = new Engine(engineConfig, new SeededRandom(config.seed), metrics);
  const loop = new EngineLoop(engine, clock, {
    frontendOverheadMs: () => config.frontendOverheadMs,
    fixedLatency: () => (config.latencyMode === 'fixed' ? { ttftMs: config.ttftMs, itlMs: config.itlMs } : null),
  });
  metrics.attach({ engine, config: () => config });
  const faultRng = new SeededRandom(mix32(config.seed, 1));
  const lengthRng = new SeededRandom(mix32(config.seed, 2));
  const adapters = new Set(config.loraModules.map((m) => m.name));
  const createdAt = Math.floor(Date.now() / 1000);
  let nextSequenceId = 1;
  let port = config.port;
  const catalog = (): ModelCatalog => ({ baseModel: config.model, adapters, maxModelLen: config.maxModelLen });

  const commonHeaders = (): Record<string, string> => ({ 'x-inference-pod': config.podName, 'x-inference-port': String(port) });

  const sendJson = (res: ServerResponse, status: number, value: unknown): void => {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const handleGeneration = async (endpoint: Endpoint, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const arrivalMs = clock.now();
    const body = parseJsonObject(await readBody(req, config.maxBodyBytes));
    const request = parseGenerationRequest(endpoint, body, catalog());
    const faults = config.faults;
    const draw = faultRng.next();
    if (draw < faults.error500) throw new HttpError(500, 'Injected fault: internal server error');
    if (draw < faults.error500 + faults.error429) throw new HttpError(429, 'Injected fault: too many requests, please retry later');
    const target = drawOutputLength(lengthRng, request.maxTokens, request.explicitMaxTokens, request.ignoreEos);
    let fault: StreamFault | null = null;
    const midStream = faultRng.next();
    const afterTokens = 1 + Math.floor(faultRng.next() * Math.max(1, target - 1));
    if (midStream < faults.reset) fault = { kind: 'reset', afterTokens };
    else if (midStream < faults.reset + faults.stall) fault = { kind: 'stall', afterTokens };

    const id = nextSequenceId++;
    const seq = new Sequence({
      id,
      promptTokens: request.promptTokens,
      maxTokens: request.maxTokens,
      targetOutputTokens: target,
      stop: request.stop,
      lora: request.lora,
      wordSeed: mix32(config.seed, id),
    });
    seq.arrivalMs = arrivalMs;
    const responderInit = {
      res,
      endpoint,
      id: `${endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replaceAll('-', '')}`,
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      includeUsage: request.includeUsage,
      fault,
    };
    if (request.stream) {
      const responder = new StreamResponder(responderInit);
      seq.listener = responder;
      responder.open(commonHeaders());
    } else {
      seq.listener = new JsonResponder(responderInit, commonHeaders());
    }
    res.on('close', () => {
      if (seq.state !== 'finished') loop.abort(seq);
    });
    if (tracing !== null) traceSequence(tracing, req, res, seq, { endpoint, model: request.model, maxTokens: request.maxTokens, podName: config.podName, timeScale: config.timeScale });
    loop.submit(seq);
  };

  const handleTokenize = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = parseJsonObject(await readBody(req, config.maxBodyBytes));
    resolveModel(body, catalog());
    const tokens = body.messages !== undefined ? chatTokensOf(body.messages) : promptTokensOf(body.prompt);
    sendJson(res, 200, { count: tokens.length, max_model_len: config.maxModelLen, tokens: tokens.map((t) => hashString(t) % 151_936), token_strs: tokens });
  };

  const handleModels = (res: ServerResponse): void => {
    const base = { id: config.model, object: 'model', created: createdAt, owned_by: 'vllm', root: config.model, parent: null, max_model_len: config.maxModelLen, permission: [] };
    const loras = config.loraModules.map((m) => ({ id: m.name, object: 'model', created: createdAt, owned_by: 'vllm', root: m.path, parent: config.model, max_model_len: null, permission: [] }));
    sendJson(res, 200, { object: 'list', data: [base, ...loras] });
  };

  const handleAdminConfig = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'POST') {
      const body = parseJsonObject(await readBody(req, config.maxBodyBytes));
      try {
        config = applyLiveUpdate(config, body);
      } catch (error) {
        if (error instanceof ConfigError) throw new HttpError(400, error.message);
        throw error;
      }
      Object.assign(engineConfig, engineConfigOf(config));
    }
    sendJson(res, 200, liveConfigView(config));
  };

  const handleStats = (res: ServerResponse): void => {
    sendJson(res, 200, {
      pid: process.pid,
      cpuUsage: process.cpuUsage(),
      memoryRss: process.memoryUsage.rss(),
      running: engine.numRunning,
      waiting: engine.numWaiting,
      kvUsage: engine.kv.usage(),
      freeBlocks: engine.kv.numFreeBlocks,
      stats: engine.stats,
    });
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const query = rawUrl.indexOf('?');
    const path = query < 0 ? rawUrl : rawUrl.slice(0, query);
    const method = req.method ?? 'GET';
    if (method === 'POST' && path === '/v1/chat/completions') return await handleGeneration('chat', req, res);
    if (method === 'POST' && path === '/v1/completions') return await handleGeneration('completions', req, res);
    if (method === 'GET' && (path === '/health' || path === '/health/ready')) {
      res.writeHead(200, { 'content-length': 0 });
      res.end();
      return;
    }
    if (method === 'GET' && path === '/metrics') {
      const text = await metrics.render();
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (method === 'GET' && path === '/v1/models') return handleModels(res);
    if (method === 'POST' && path === '/tokenize') return await handleTokenize(req, res);
    if ((method === 'GET' || method === 'POST') && path === '/admin/config') return await handleAdminConfig(req, res);
    if (method === 'GET' && path === '/admin/stats') return handleStats(res);
    if (KNOWN_PATHS.has(path)) throw new HttpError(405, `Method ${method} not allowed for ${path}`);
    throw new HttpError(404, `No route for ${method} ${path}`);
  };

  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, (req, res) => {
    res.setHeader('x-inference-pod', config.podName);
    res.setHeader('x-inference-port', String(port));
    route(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) sendError(res, error.status, error.message, error.param);
      else sendError(res, 500, error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: config.host, port: config.port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${config.host}:${port}`,
    port,
    server,
    engine,
    loop,
    metrics,
    config: () => config,
    close: async () => {
      loop.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

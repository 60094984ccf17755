import type { ServerResponse } from 'node:http';

/** A request the server rejects with an OpenAI-style error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** OpenAI error `type` for an HTTP status, as vLLM and the llm-d sim name them. */
export function errorType(status: number): string {
  if (status === 400 || status === 413) return 'BadRequestError';
  if (status === 401) return 'AuthenticationError';
  if (status === 404) return 'NotFoundError';
  if (status === 429) return 'RateLimitError';
  if (status >= 500) return 'InternalServerError';
  return 'BadRequestError';
}

/** `{"error":{"message","type","param","code"}}` */
export function errorBody(status: number, message: string, param: string | null = null): string {
  return JSON.stringify({ error: { message, type: errorType(status), param, code: status } });
}

/** Sends an error response (no-op if headers already went out). */
export function sendError(res: ServerResponse, status: number, message: string, param: string | null = null): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(status, message, param);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

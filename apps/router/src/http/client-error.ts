import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { SluiceMetrics } from '@sluice/telemetry';
import { errorTypeFor } from './openai-error.ts';

/**
 * Answers HTTP parser errors (before any route runs) with an OpenAI-style body, then closes the
 * socket: 408 when the client was too slow to send its request (server.requestTimeout /
 * headersTimeout), 431 for headers above server.maxHeaderSize, else 400.
 */
export function clientErrorHandler(metrics: SluiceMetrics): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    let status = 400;
    let message = 'The HTTP request could not be parsed.';
    let code = 'bad_request';
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      message = 'The request was not received in time.';
      code = 'request_timeout';
    } else if (error.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      message = 'The request headers are too large.';
      code = 'headers_too_large';
    }
    metrics.inputRejected.inc({ reason: code });
    const body = JSON.stringify({ error: { message, type: errorTypeFor(status), param: null, code } });
    if (socket.writable) {
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
    }
    socket.destroy();
  };
}

import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress, PRIVATE_TARGET } from './target.js';

export interface DeliveryOptions {
  allowPrivate: boolean;
  /** The whole exchange, connection to answer. */
  timeoutMs: number;
}

/**
 * POSTs JSON to the URL once and resolves with the HTTP status of the answer (any status: the caller
 * judges it); rejects with the reason when there was none (refused target, DNS, timeout, connection).
 * Redirects are not followed: a 3xx is the answer.
 */
export function postJson(target: string, body: unknown, options: DeliveryOptions): Promise<number> {
  const url = new URL(target);
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal is connected to without a lookup: it is checked here instead.
  if (isIP(literal) && !options.allowPrivate && isPrivateAddress(literal))
    return Promise.reject(new Error(PRIVATE_TARGET));
  const payload = Buffer.from(JSON.stringify(body));
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          'user-agent': 'l4d2web-alerts',
        },
        lookup: guardedLookup(options.allowPrivate),
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        // The body is not read for its content; draining it frees the socket.
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', (error: Error) =>
      reject(
        new Error(
          error.name === 'AbortError' || error.name === 'TimeoutError'
            ? `no answer within ${options.timeoutMs / 1000} s`
            : error.message,
        ),
      ),
    );
    request.end(payload);
  });
}

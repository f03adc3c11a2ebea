import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * One streamed HTTP download to a file: never held in memory, hashed and counted on the way, cut off
 * as soon as it grows past the size announced. The caller checks the result and renames the file into
 * the store; on any failure the partial file is gone.
 */

const MAX_REDIRECTS = 5;
const CONNECT_TIMEOUT_MS = 20_000;
/** A download that sends nothing for this long has stalled. */
const IDLE_TIMEOUT_MS = 60_000;

export class DownloadError extends Error {
  /** Bytes had arrived when it failed: what came is not the file announced (cut short or too long). */
  partial = false;
}

export interface DownloadProgress {
  received: number;
  total: number;
}

export interface DownloadOptions {
  url: string;
  /** Bytes announced (Steam's `file_size`): receiving more stops the download. */
  expectedSize: number;
  file: string;
  /** Called whenever the whole percentage changes, and once at the end. */
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

export interface Downloaded {
  size: number;
  sha256: string;
  /** The first bytes of the file (up to 4), for a signature check without reading it again. */
  head: Buffer;
}

function get(url: URL, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
    if (client === null) return reject(new DownloadError(`unsupported download URL scheme ${url.protocol}`));
    const request = client.get(url, { signal, timeout: CONNECT_TIMEOUT_MS }, resolve);
    request.once('timeout', () => request.destroy(new DownloadError('no answer in time')));
    request.once('error', (error) => reject(new DownloadError(reasonOf(error))));
  });
}

/** GET that follows a few redirects; answers the final response, which must be 200. */
async function open(url: string, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await get(current, signal);
    const location = response.headers.location;
    if (
      response.statusCode !== undefined &&
      response.statusCode >= 300 &&
      response.statusCode < 400 &&
      location
    ) {
      response.resume();
      current = new URL(location, current);
      continue;
    }
    if (response.statusCode !== 200) {
      response.resume();
      throw new DownloadError(`HTTP ${response.statusCode}`);
    }
    return response;
  }
  throw new DownloadError('too many redirects');
}

/** Downloads `url` into `file`. Throws DownloadError (the file removed) when it could not. */
export async function download(options: DownloadOptions): Promise<Downloaded> {
  const { expectedSize, onProgress } = options;
  const hash = createHash('sha256');
  let received = 0;
  let percent = -1;
  let head = Buffer.alloc(0);
  const report = () => {
    const now = expectedSize > 0 ? Math.floor((received / expectedSize) * 100) : 100;
    if (now !== percent) {
      percent = now;
      onProgress?.({ received, total: expectedSize });
    }
  };
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > expectedSize) return done(new DownloadError('more bytes than announced'));
      if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4 - head.length)]);
      hash.update(chunk);
      report();
      done(null, chunk);
    },
  });
  try {
    const response = await open(options.url, options.signal);
    response.setTimeout(IDLE_TIMEOUT_MS, () => response.destroy(new DownloadError('the download stalled')));
    await pipeline(response, counter, createWriteStream(options.file, { mode: 0o600 }), {
      signal: options.signal,
    });
  } catch (error) {
    await rm(options.file, { force: true });
    const failure = error instanceof DownloadError ? error : new DownloadError(reasonOf(error));
    failure.partial = received > 0;
    throw failure;
  }
  report();
  return { size: received, sha256: hash.digest('hex'), head };
}

function reasonOf(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if ((error as Error).name === 'AbortError') return 'cancelled';
  return code ?? message;
}

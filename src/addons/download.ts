import { createHash } from 'node:crypto';
import { type FileHandle, open as openFile, rm } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

/**
 * One streamed HTTP download to a file: never held in memory, hashed and counted on the way, cut off
 * as soon as it grows past the size announced. The caller checks the result and renames the file into
 * the store; on any failure the partial file is gone.
 */

const MAX_REDIRECTS = 5;
const CONNECT_TIMEOUT_MS = 20_000;
/** A download that sends nothing for this long has stalled. */
const IDLE_TIMEOUT_MS = 60_000;
const WRITE_BATCH_BYTES = 1024 * 1024;

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

/**
 * Where a redirect leads: `location` read against the current URL. A download that began over https
 * stays on https: a redirect to plain http would let anyone on the path swap the file.
 */
export function redirectTarget(current: URL, location: string): URL {
  const next = new URL(location, current);
  if (current.protocol === 'https:' && next.protocol !== 'https:')
    throw new DownloadError(`redirect from https to ${next.protocol} refused`);
  return next;
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
      current = redirectTarget(current, location);
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
  let file: FileHandle | undefined;
  try {
    const response = await open(options.url, options.signal);
    response.setTimeout(IDLE_TIMEOUT_MS, () => response.destroy(new DownloadError('the download stalled')));
    file = await openFile(options.file, 'w', 0o600);
    // Chunks are written a batch at a time (one writev per ~1 MB): fewer system calls and awaits than
    // a stream per socket read, and never more than a batch in memory.
    let batch: Buffer[] = [];
    let batched = 0;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > expectedSize) throw new DownloadError('more bytes than announced');
      if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4 - head.length)]);
      hash.update(chunk);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BATCH_BYTES) {
        await writeAll(file, batch, batched);
        batch = [];
        batched = 0;
      }
      report();
    }
    await writeAll(file, batch, batched);
    await file.close();
    file = undefined;
  } catch (error) {
    await file?.close().catch(() => undefined);
    await rm(options.file, { force: true });
    const failure = error instanceof DownloadError ? error : new DownloadError(reasonOf(error));
    failure.partial = received > 0;
    throw failure;
  }
  report();
  return { size: received, sha256: hash.digest('hex'), head };
}

async function writeAll(file: FileHandle, chunks: Buffer[], bytes: number): Promise<void> {
  if (bytes === 0) return;
  const { bytesWritten } = await file.writev(chunks);
  // A regular file takes it all unless the disk is full.
  if (bytesWritten !== bytes)
    throw new DownloadError(`short write (${bytesWritten} of ${bytes} bytes): is the disk full?`);
}

function reasonOf(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if ((error as Error).name === 'AbortError') return 'cancelled';
  return code ?? message;
}

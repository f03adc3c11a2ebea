import Docker from 'dockerode';
import type { EngineAddress } from '../config/runtime.js';

export function connectEngine(address: EngineAddress): Docker {
  return new Docker({ ...address, timeout: 0 });
}

const clients = new Map<string, Docker>();

/** One client per address for the routes that read the engine (GET /nodes). */
export function sharedEngine(address: EngineAddress): Docker {
  const key = JSON.stringify(address);
  let docker = clients.get(key);
  if (!docker) {
    docker = connectEngine(address);
    clients.set(key, docker);
  }
  return docker;
}

/** The Engine API's HTTP status on a failed call (404 no such container, 409 conflict...), if any. */
export function engineStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The engine's own message (`{"message": ...}`), else the error's; for last_error and logs. */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } }).json;
  if (json && typeof json.message === 'string') return json.message;
  const reason = (error as { reason?: unknown }).reason;
  const message = (error as Error).message ?? String(error);
  return typeof reason === 'string' && !message ? reason : message.replace(/^\(HTTP code \d+\) [^-]*- /, '');
}

/**
 * What went wrong talking to the engine, for last_error: the engine's own answer, or that it could not
 * be reached (no statusCode: the socket is missing, the daemon stopped...).
 */
export function engineProblem(error: unknown): string {
  if (engineStatus(error) !== undefined) return `the Docker engine refused: ${engineMessage(error)}`;
  return `cannot reach the Docker engine (DOCKER_HOST): ${engineMessage(error)}`;
}

/** Reads a progress stream (import, pull) to its end; rejects with the first error it reports. */
export function followProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: unknown[]) => {
      if (error) return reject(error);
      const failed = output.find((item) => typeof (item as { error?: unknown }).error === 'string');
      if (failed) return reject(new Error((failed as { error: string }).error));
      resolve(output);
    });
  });
}

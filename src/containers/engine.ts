import Docker from 'dockerode';

/** The Engine API endpoint DOCKER_HOST names, in the form dockerode takes. */
export type EngineAddress = { socketPath: string } | { protocol: 'http'; host: string; port: number };

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/**
 * Parses DOCKER_HOST as the docker CLI writes it: `unix:///path/docker.sock` or `tcp://host:port`
 * (plain HTTP: an engine's TCP socket without TLS is as good as root on that host, so keep it on a
 * private network or use the unix socket). Returns null for anything else.
 */
export function parseDockerHost(value: string): EngineAddress | null {
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    return socketPath.startsWith('/') ? { socketPath } : null;
  }
  if (!value.startsWith('tcp://') || !URL.canParse(value)) return null;
  const url = new URL(value);
  const extra = url.username || url.password || url.search || url.hash || !['', '/'].includes(url.pathname);
  if (!url.hostname || extra) return null;
  return { protocol: 'http', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 2375) };
}

export function describeDockerHost(address: EngineAddress): string {
  return 'socketPath' in address ? `unix://${address.socketPath}` : `tcp://${address.host}:${address.port}`;
}

export function connectEngine(address: EngineAddress): Docker {
  return new Docker({ ...address, timeout: 0 });
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

import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A new body per request (e.g. a fresh server name and port). */
  body?: () => string;
  seconds: number;
  connections: number;
}

/** Drives one endpoint with autocannon from this process and returns its figures. */
export async function measure(options: LoadOptions): Promise<LoadResult> {
  const makeBody = options.body;
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    duration: options.seconds,
    connections: options.connections,
    ...(makeBody && { requests: [{ setupRequest: (request) => ({ ...request, body: makeBody() }) }] }),
  });
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

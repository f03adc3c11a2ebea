import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** One request of a sequence each connection repeats (e.g. POST then DELETE of what it made). */
export type LoadRequest = NonNullable<autocannon.Options['requests']>[number];

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  /** The sequence each connection sends over and over; a plain GET of url without it. */
  requests?: LoadRequest[];
  seconds: number;
  connections: number;
}

/** Drives one endpoint with autocannon from this process and returns its figures. */
export async function measure(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    headers: options.headers,
    duration: options.seconds,
    connections: options.connections,
    ...(options.requests && { requests: options.requests }),
  });
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** The panel's helmet settings. */
export const helmetOptions: HelmetOptions = {
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  // Not helmet's no-referrer: under it a browser sends `Origin: null` with its own same-origin form
  // posts, which the CSRF check (rightly) refuses. same-origin still tells other sites nothing.
  referrerPolicy: { policy: 'same-origin' },
  // HSTS for this host only: includeSubDomains would force HTTPS on every sibling site for a year.
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
};

/**
 * The headers helmet sets with these options, in its order, worked out once: they depend on nothing
 * in the request (no nonces, no functions), and helmet (through @fastify/helmet) rebuilt them on
 * every request.
 */
export function securityHeaders(options: HelmetOptions = helmetOptions): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const recorder = {
    setHeader: (name: string, value: string) => headers.push([name, String(value)]),
    removeHeader: () => {},
  };
  helmet(options)(
    {} as Parameters<ReturnType<typeof helmet>>[0],
    recorder as unknown as Parameters<ReturnType<typeof helmet>>[1],
    (error?: unknown) => {
      if (error) throw error;
    },
  );
  return headers;
}

/** onRequest hook: sets the security headers on every answer, as @fastify/helmet did. */
export function sendSecurityHeaders(options?: HelmetOptions) {
  const headers = securityHeaders(options);
  return (_request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const raw = reply.raw;
    for (const [name, value] of headers) raw.setHeader(name, value);
    done();
  };
}

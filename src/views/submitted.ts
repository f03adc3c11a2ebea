/**
 * The user's input as they sent it, whatever its types, for re-rendering a form: each field of
 * `fallback` as `asText` reads it from the body, or the fallback's when it cannot.
 */
export function submittedValues<Values extends Record<keyof Values, string>>(
  body: unknown,
  fallback: Values,
  asText: (value: unknown) => string | undefined,
): Values {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const entries = Object.entries(fallback).map(([name, otherwise]) => [
    name,
    asText(fields[name]) ?? otherwise,
  ]);
  return Object.fromEntries(entries) as Values;
}

/** One field of a submitted form as the user typed it, or '' when it was not text. */
export function typedText(body: unknown, field: string): string {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : '';
}

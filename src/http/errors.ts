/** An error a user caused, with the status and message the contract gives it. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Per-field reasons, for 400s: {"port": "must be ..."}. */
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

/** A 400 naming the first bad field in its message and every bad field in `fields`. */
export function invalidFields(fields: Record<string, string>): AppError {
  const [name, reason] = Object.entries(fields)[0] ?? ['input', 'is invalid'];
  return new AppError(400, `${name}: ${reason}`, fields);
}

export const notFound = (what: string) => new AppError(404, `${what} not found`);
export const conflict = (message: string) => new AppError(409, message);

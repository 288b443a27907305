/**
 * Errors a handler throws to answer with a status and a stable machine-readable code. The error
 * handler in app.ts turns them into `{ error, message }`.
 */
export class HttpError extends Error {
  override name = "HttpError";
  readonly statusCode: number;
  readonly code: string;
  readonly details: unknown;
  constructor(statusCode: number, code: string, message: string, details?: unknown) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
  }
}

/** Outside the caller's scope and not existing look the same: no probing of other tenants' ids. */
export const notFound = (what = "resource") => new HttpError(404, "not-found", `${what} not found`);
export const unauthorized = (message = "sign in first") => new HttpError(401, "unauthorized", message);
export const forbidden = (message = "your role does not allow this") =>
  new HttpError(403, "forbidden", message);
export const badRequest = (message: string, details?: unknown) =>
  new HttpError(400, "bad-request", message, details);
export const conflict = (message: string) => new HttpError(409, "conflict", message);

/** An error with an HTTP status and a stable machine-readable code, safe to show to a client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The JSON body of every error answer: {"error":{"code","message"}}. */
export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const badRequest = (code: string, message: string) => new HttpError(400, code, message);

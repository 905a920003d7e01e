/**
 * The service's error model. Every error response is
 * `{ "error": { "code", "message", "details"?, "requestId"? } }` with a stable code.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ERROR_CODES = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  invalid_rule_pack: 422,
  unauthorized: 401,
  webhook_signature_invalid: 401,
  webhook_stale: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  report_pruned: 410,
  oauth_state_invalid: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  config_invalid: 500,
  upstream_error: 502,
  upstream_rate_limited: 503,
  not_configured: 503,
  queue_unavailable: 503,
  capacity_exceeded: 507,
} as const satisfies Record<string, ContentfulStatusCode>;
export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  override readonly name = "AppError";
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_CODES[code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; requestId?: string };
}

export function errorBody(code: ErrorCode, message: string, details?: unknown, requestId?: string): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }), ...(requestId ? { requestId } : {}) } };
}

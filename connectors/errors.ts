/**
 * Known connector failures, with a code from a fixed set. The sync pipeline
 * decides what to do from the code alone: retry later, stop the connection,
 * skip an item.
 */
export const CONNECTOR_ERROR_CODES = [
  "auth", // token invalid, expired beyond refresh, or revoked: stop, ask the user to reconnect
  "forbidden", // the grant does not reach this resource (app uninstalled from a repo, missing scope)
  "not-found",
  "rate-limited", // carries retryAt: wait until then, do not spin
  "upstream", // 5xx, timeout, network: retry with backoff
  "invalid-response", // the tracker answered something we cannot parse
  "invalid-request", // the tracker refused our request as invalid (an argument, a query too complex): change it, do not repeat it
] as const;
export type ConnectorErrorCode = (typeof CONNECTOR_ERROR_CODES)[number];

export class ConnectorError extends Error {
  override readonly name = "ConnectorError";
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    readonly details: {
      /** When a rate-limited request may be retried (epoch ms). */
      retryAt?: number;
      status?: number;
      /** The tracker's reason, e.g. `jira-per-issue-on-write`, `secondary`, `complexity`. */
      reason?: string;
      tracker?: string;
    } = {},
  ) {
    super(message);
  }

  /** Whether the pipeline should try again later (as opposed to stopping). */
  get retryable(): boolean {
    return this.code === "rate-limited" || this.code === "upstream";
  }
}

export function isConnectorError(e: unknown): e is ConnectorError {
  return e instanceof ConnectorError || (e instanceof Error && e.name === "ConnectorError" && "code" in e);
}

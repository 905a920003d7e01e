/** Hono context typing shared by every route. */
import type { Env } from "./env";
import type { Logger } from "./log";
import type { Deps } from "./deps";

export interface AppVariables {
  requestId: string;
  log: Logger;
  deps: Deps;
  /** CSP nonce for inline styles on HTML pages. */
  secureHeadersNonce?: string;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };

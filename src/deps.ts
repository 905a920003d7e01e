/**
 * Injected dependencies: the outbound fetch and the clock. Production uses the
 * runtime's; tests and the sandbox pass their own. Nothing patches globals.
 */
import type { FetchLike } from "../connectors/types";

export interface Deps {
  fetch: FetchLike;
  now: () => number;
}

export function defaultDeps(): Deps {
  return { fetch: (input, init) => fetch(input, init), now: () => Date.now() };
}

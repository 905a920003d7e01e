/**
 * Injected dependencies: the outbound fetch and the clock. Production uses the
 * runtime's; tests and the sandbox pass their own. The one place a global is
 * touched is `callWithFetch` (connectors/linear/sdk-transport.ts): `@linear/sdk`
 * reads `globalThis.fetch`, so it is swapped for the synchronous stretch of one
 * call and put back; this wrapper looks the global up when called, so it always
 * reaches the real one.
 */
import type { FetchLike } from "../connectors/types";

export interface Deps {
  fetch: FetchLike;
  now: () => number;
}

export function defaultDeps(): Deps {
  return { fetch: (input, init) => fetch(input, init), now: () => Date.now() };
}

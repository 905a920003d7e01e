/**
 * Giving an SDK that reads `globalThis.fetch` the connector's injected fetch.
 *
 * `@linear/sdk`'s `LinearGraphQLClient.rawRequest` has no fetch option: its body runs synchronously
 * up to `await fetch$1(...)`, and `fetch$1 = globalThis.fetch` is read in that synchronous part
 * (v98, `dist/index.mjs`, `rawRequest`). So `callWithFetch` swaps the global for exactly that
 * synchronous stretch:
 *
 * - it saves what `globalThis.fetch` is (its own property descriptor, if any: in workerd `fetch` is
 *   read-only, so the swap redefines it) and installs a ONE-SHOT function which, when the SDK calls
 *   it, first puts the original back, then calls the injected fetch. Anything the injected fetch looks up on the
 *   global afterwards (the Worker's default deps `(i, init) => fetch(i, init)`, msw in the pipeline
 *   harness) sees the real global fetch: no recursion, no capture;
 * - it calls `call()` synchronously and restores the original in `finally` (also when `call` throws);
 * - if the one-shot function was not called by the time `call()` returned, the SDK no longer reads
 *   fetch synchronously (an upgrade changed `rawRequest`): that throws here, so the tests fail loudly
 *   instead of the request escaping to the network through the real global later.
 *
 * Concurrency: JavaScript runs one thing at a time on the isolate's thread and nothing here awaits
 * between the swap and the restore, so no other code (another request's `callWithFetch`, a timer, a
 * promise callback) can run while the global is swapped. Two interleaved calls therefore each reach
 * their own fetch (`test/unit/connectors/linear/sdk-transport.test.ts`).
 */
import { ConnectorError } from "../errors";
import type { FetchLike } from "../types";

type Fetch = typeof globalThis.fetch;

/**
 * Install and remove a value for `globalThis.fetch`. In workerd `fetch` is a read-only data property
 * (plain assignment throws "Cannot assign to read only property 'fetch'"), so the swap defines an own
 * property and the restore puts back exactly what was there: the original own descriptor, or no own
 * property (the inherited one shows again). A global that cannot be redefined at all is refused.
 */
function globalFetchSwap(tracker: string): { install: (f: Fetch) => void; restore: () => void; prev: Fetch } {
  const g = globalThis as { fetch: Fetch };
  const prev = g.fetch;
  const own = Object.getOwnPropertyDescriptor(globalThis, "fetch");
  if (own && !own.configurable) {
    if (!own.writable)
      throw new ConnectorError(
        "invalid-response",
        `${tracker}: globalThis.fetch is neither writable nor configurable, so the SDK cannot be given the injected fetch`,
        {
          tracker,
          reason: "sdk-transport",
        },
      );
    return { prev, install: (f) => (g.fetch = f), restore: () => (g.fetch = prev) };
  }
  return {
    prev,
    install: (f) => Object.defineProperty(globalThis, "fetch", { value: f, writable: true, configurable: true, enumerable: own?.enumerable ?? false }),
    restore: () => {
      if (own) Object.defineProperty(globalThis, "fetch", own);
      else delete (globalThis as { fetch?: Fetch }).fetch;
    },
  };
}

export function callWithFetch<T>(fetch: FetchLike, call: () => Promise<T>, tracker = "linear"): Promise<T> {
  const swap = globalFetchSwap(tracker);
  let swapped = false;
  const putBack = () => {
    if (swapped) {
      swapped = false;
      swap.restore();
    }
  };
  let used = false;
  const oneShot = ((input: Request | string | URL, init?: RequestInit) => {
    putBack();
    used = true;
    return fetch(input, init);
  }) as Fetch;
  swap.install(oneShot);
  swapped = true;
  let pending: Promise<T>;
  try {
    pending = call();
  } finally {
    putBack();
  }
  if (!used) {
    // The SDK will read the global later, outside the swap: its request is abandoned (and its outcome ignored).
    pending.catch(() => {});
    throw new ConnectorError(
      "invalid-response",
      `${tracker}: the SDK no longer reads fetch synchronously when a request starts, so the injected fetch cannot be given to it (check the SDK version's rawRequest)`,
      { tracker, reason: "sdk-transport" },
    );
  }
  return pending;
}

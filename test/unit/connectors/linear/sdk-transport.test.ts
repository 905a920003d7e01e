/**
 * `callWithFetch`: the injected fetch reaches an SDK that reads `globalThis.fetch` synchronously when a
 * request starts (`@linear/sdk`'s `rawRequest`), without leaking the swap.
 */
import { LinearGraphQLClient } from "@linear/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../../../../connectors/errors";
import { callWithFetch } from "../../../../connectors/linear/sdk-transport";
import type { FetchLike } from "../../../../connectors/types";

const original = globalThis.fetch;
const originalDescriptor = Object.getOwnPropertyDescriptor(globalThis, "fetch");
afterEach(() => {
  if (originalDescriptor) Object.defineProperty(globalThis, "fetch", originalDescriptor);
  else delete (globalThis as { fetch?: unknown }).fetch;
});

const answering =
  (tag: string, seen: string[]): FetchLike =>
  async (input) => {
    seen.push(`${tag} ${input instanceof Request ? input.url : String(input)}`);
    await new Promise((r) => setTimeout(r, 5));
    return new Response(JSON.stringify({ data: { who: tag } }), { status: 200, headers: { "content-type": "application/json" } });
  };

describe("callWithFetch", () => {
  it("two interleaved SDK calls each reach their own fetch, and the global is back at once", async () => {
    const seen: string[] = [];
    const client = new LinearGraphQLClient("https://api.linear.test/graphql");
    const a = callWithFetch(answering("a", seen), () => client.rawRequest<{ who: string }, Record<string, unknown>>("{ a }", {}));
    expect(globalThis.fetch).toBe(original);
    const b = callWithFetch(answering("b", seen), () => client.rawRequest<{ who: string }, Record<string, unknown>>("{ b }", {}));
    expect(globalThis.fetch).toBe(original);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.data).toEqual({ who: "a" });
    expect(rb.data).toEqual({ who: "b" });
    expect(seen).toEqual(["a https://api.linear.test/graphql", "b https://api.linear.test/graphql"]);
    expect(globalThis.fetch).toBe(original);
  });

  it("restores the global when the call throws synchronously", () => {
    expect(() =>
      callWithFetch(answering("x", []), () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(globalThis.fetch).toBe(original);
  });

  it("restores the global when the SDK's request fails", async () => {
    const failing: FetchLike = async () => {
      throw new ConnectorError("upstream", "down", { tracker: "linear" });
    };
    const client = new LinearGraphQLClient("https://api.linear.test/graphql");
    await expect(callWithFetch(failing, () => client.rawRequest("{ a }", {}))).rejects.toMatchObject({ code: "upstream" });
    expect(globalThis.fetch).toBe(original);
  });

  it("one-shot: a global lookup inside the injected fetch sees the original global (no recursion)", async () => {
    const calls: string[] = [];
    const real = (async () => {
      calls.push("real global");
      return new Response(JSON.stringify({ data: { ok: true } }), { status: 200, headers: { "content-type": "application/json" } });
    }) as typeof fetch;
    globalThis.fetch = real;
    // The Worker's default deps: a wrapper that looks the global up when called.
    const viaGlobal: FetchLike = (input, init) => {
      calls.push(globalThis.fetch === real ? "wrapper sees the real global" : "wrapper sees the swap");
      return fetch(input, init);
    };
    const client = new LinearGraphQLClient("https://api.linear.test/graphql");
    const res = await callWithFetch(viaGlobal, () => client.rawRequest<{ ok: boolean }, Record<string, unknown>>("{ ok }", {}));
    expect(res.data).toEqual({ ok: true });
    expect(calls).toEqual(["wrapper sees the real global", "real global"]);
    expect(globalThis.fetch).toBe(real);
  });

  it("guard: a call that does not read fetch synchronously fails loudly, and the global is restored", async () => {
    let lateCalls = 0;
    const late = async () => {
      await Promise.resolve();
      lateCalls++;
      return "too late";
    };
    expect(() => callWithFetch(answering("x", []), late)).toThrow(/no longer reads fetch synchronously/);
    expect(globalThis.fetch).toBe(original);
    await new Promise((r) => setTimeout(r, 0));
    expect(lateCalls).toBe(1);
    expect(globalThis.fetch).toBe(original);
  });

  it("a read-only global fetch (as in workerd) is swapped and its descriptor put back as it was", async () => {
    const readOnly = (async () => new Response("{}")) as typeof fetch;
    Object.defineProperty(globalThis, "fetch", { value: readOnly, writable: false, configurable: true, enumerable: true });
    expect(() => {
      (globalThis as { fetch: unknown }).fetch = () => {};
    }).toThrow(TypeError);
    const seen: string[] = [];
    const client = new LinearGraphQLClient("https://api.linear.test/graphql");
    const res = await callWithFetch(answering("a", seen), () => client.rawRequest<{ who: string }, Record<string, unknown>>("{ a }", {}));
    expect(res.data).toEqual({ who: "a" });
    expect(Object.getOwnPropertyDescriptor(globalThis, "fetch")).toEqual({ value: readOnly, writable: false, configurable: true, enumerable: true });
  });
});

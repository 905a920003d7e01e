/**
 * The Linear simulator checks variable values against their declared GraphQL types, as a GraphQL
 * server does: a wrong type, a missing required variable or an unknown input field is refused, so a
 * connector bug of that kind fails the tests instead of passing the lenient simulator.
 */
import { describe, expect, it } from "vitest";
import { ISSUES_PAGE, LABEL_STATE, labelLookupFilter } from "../../../../connectors/linear/queries";
import { setup } from "./setup";

async function gql(c: ReturnType<typeof setup>, query: string, variables: unknown) {
  const res = await c.fetch("http://sandbox.test/linear/api/graphql", {
    method: "POST",
    headers: { authorization: `Bearer ${c.auth.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: Array<{ message: string; extensions: { code: string } }> } };
}

describe("Linear variable types", () => {
  it.each([
    ["`first` as a string", { teamId: "t", first: "250", after: null, since: "1970-01-01T00:00:00.000Z", labelsAfter: null }, /Int/],
    ["`teamId` missing (ID!)", { first: 250, after: null, since: "1970-01-01T00:00:00.000Z", labelsAfter: null }, /teamId/],
    ["`first` as a float", { teamId: "t", first: 2.5, after: null, since: "1970-01-01T00:00:00.000Z", labelsAfter: null }, /Int/],
  ])("the issues page with %s is refused 400 BAD_USER_INPUT", async (_name, variables, message) => {
    const c = setup();
    const r = await gql(c, ISSUES_PAGE, variables);
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(r.body.errors?.[0]?.message).toMatch(message);
  });

  it("an unknown field in an input object is refused; the connector's own filter is accepted", async () => {
    const c = setup();
    const id = c.sandbox.seedIssues(1)[0]!;
    const bad = await gql(c, LABEL_STATE, { id, labelFilter: { name: { eqIgnoreCaseTypo: "x" } } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.message).toMatch(/eqIgnoreCaseTypo/);
    const good = await gql(c, LABEL_STATE, { id, labelFilter: labelLookupFilter(c.team.id, ["constraint:reliability"]) });
    expect(good.status).toBe(200);
  });
});

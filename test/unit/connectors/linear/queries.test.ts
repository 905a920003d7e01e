import { buildSchema, parse, validate, type GraphQLSchema } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { ALL_DOCUMENTS, ISSUES_PAGE, ISSUES_WITH_NEEDS } from "../../../../connectors/linear/queries";
import { LINEAR_PAGE_SIZE } from "../../../../connectors/linear";
import { complexity, prepare } from "../../../../sandbox/linear/graphql";
import { readSchemaText } from "./sdl-gen";

let schema: GraphQLSchema;
let schemaText: string;
beforeAll(() => {
  schemaText = readSchemaText();
  schema = buildSchema(schemaText);
});

const errorsOf = (s: GraphQLSchema, doc: string) => validate(s, parse(doc)).map((e) => e.message);

describe("every GraphQL document the Linear connector sends", () => {
  it.each(Object.entries(ALL_DOCUMENTS))("%s validates against Linear's schema", (_name, doc) => {
    expect(errorsOf(schema, doc)).toEqual([]);
  });

  it("a document with a renamed field fails", () => {
    const broken = ISSUES_PAGE.replace("priorityLabel", "priorityName");
    expect(errorsOf(schema, broken)).toEqual([expect.stringContaining('Cannot query field "priorityName" on type "Issue"')]);
  });

  it("a schema where Linear renamed a field we use fails our document", () => {
    const start = schemaText.indexOf("type Issue implements Node {");
    const end = schemaText.indexOf("\n}", start);
    const issueType = schemaText.slice(start, end).replace("\n  labelIds: [String!]!", "\n  labelIdentifiers: [String!]!");
    const renamed = buildSchema(schemaText.slice(0, start) + issueType + schemaText.slice(end));
    expect(errorsOf(renamed, ISSUES_PAGE)).toEqual([expect.stringContaining('Cannot query field "labelIds"')]);
  });

  it(`the sync page stays well under Linear's 10,000 complexity cap at first: ${LINEAR_PAGE_SIZE}`, () => {
    const p = prepare(ISSUES_PAGE);
    if ("errors" in p) throw new Error("invalid");
    const cost = complexity(p, { teamId: "t", first: LINEAR_PAGE_SIZE, since: "1970-01-01T00:00:00.000Z" });
    expect(cost).toBeGreaterThan(4_000);
    // Customer requests through `withNeeds` (≈ 470) instead of inline on every issue (≈ 2,050); see queries.ts.
    expect(cost).toBeLessThan(6_200);
    // 40 such pages (a 10,000-issue first sync) fit one hour of the conservative 250,000-point budget.
    expect(40 * cost).toBeLessThan(250_000);
  });

  it("customer requests cost what the issues that have them cost, not what every issue would", () => {
    const p = prepare(ISSUES_WITH_NEEDS);
    if ("errors" in p) throw new Error("invalid");
    expect(complexity(p, {})).toBeLessThan(500);
  });
});

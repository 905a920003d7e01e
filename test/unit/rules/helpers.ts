import { IssueSchema, type Issue, type IssueInput } from "../../../domain/types";
import { compilePack, loadPackFromString, type CompiledPack } from "../../../rules";

export function issue(over: Partial<IssueInput> = {}): Issue {
  return IssueSchema.parse({
    tracker: "github",
    externalId: "1",
    key: "o/r#1",
    title: "",
    createdAt: "2026-01-01T00:00:00Z",
    updatedAt: "2026-01-01T00:00:00Z",
    ...over,
  });
}

/** Compiles a one-rule pack voting reliability when `when` holds. */
export function oneRule(when: unknown, extra = ""): CompiledPack {
  const src = `version: 1\nthreshold: 0.1\n${extra}rules:\n  - id: r\n    when: ${JSON.stringify(when)}\n    then: { vote: { constraint: reliability, weight: 3 } }\n`;
  return compilePack(loadPackFromString(src, "t.yaml"));
}

/**
 * The facts a rule can test, read off an `Issue`. The body is cleaned lazily,
 * at most once per issue and only if asked; the compiled pack caches each
 * text fact per issue in its slots, so nothing else is memoized here.
 */
import type { Issue } from "../../domain/types";
import { cleanBody, normalizeHeading, type CleanedBody } from "./clean-text";

export type FactValue = string | number | boolean | string[] | null;

const sectionKeys = new Map<string, string>();
function sectionKey(fact: string): string {
  let k = sectionKeys.get(fact);
  if (k === undefined) sectionKeys.set(fact, (k = normalizeHeading(fact.slice(8))));
  return k;
}

export class IssueFacts {
  private cleaned: CleanedBody | undefined;
  constructor(readonly issue: Issue) {}

  private body(): CleanedBody {
    this.cleaned ??= cleanBody(this.issue.body ?? "");
    return this.cleaned;
  }

  /** Does the cleaned body have any section (a heading with content)? */
  hasSections(): boolean {
    return this.body().sections.size > 0;
  }

  /** The fact as text (lists joined by newlines), or null when the issue has none. */
  text(fact: string): string | null {
    if (fact === "title") return this.issue.title;
    if (fact === "body") return this.body().text;
    // Sections are two map lookups away: no per-issue cache needed.
    if (fact.startsWith("section:")) {
      // Most bodies have no sections: no key lookups then.
      const sections = this.body().sections;
      return sections.size === 0 ? null : (sections.get(sectionKey(fact)) ?? null);
    }
    // Not cached here: the compiled pack caches every text fact per issue by slot.
    const v = this.value(fact);
    return v === null ? null : Array.isArray(v) ? v.join("\n") : String(v);
  }

  /** The fact as a value for `in`, `equals`, `range` and `exists`. */
  value(fact: string): FactValue {
    const i = this.issue;
    switch (fact) {
      case "title":
        return i.title;
      case "body":
      case "text":
        return this.body().text;
      case "labels":
        return i.labels;
      case "components":
        return i.components;
      case "type":
        return i.type;
      case "priority":
        return i.priority === 0 ? null : i.priority;
      case "state":
        return i.state;
      case "stateCategory":
        return i.stateCategory;
      case "estimate":
        return i.estimate;
      case "iteration":
        return i.iteration?.state ?? null;
      case "reactions":
        return i.reactions;
      case "commentCount":
        return i.commentCount;
      case "duplicateCount":
        return i.duplicateCount;
      case "tracker":
        return i.tracker;
      case "project":
        return i.project;
    }
    if (fact.startsWith("section:")) return this.text(fact);
    if (fact.startsWith("custom:")) {
      const v = i.customFields[fact.slice(7)];
      return v === undefined ? null : v;
    }
    return null;
  }
}

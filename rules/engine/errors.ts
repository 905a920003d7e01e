/** One problem in a rule pack, located in its source. */
export interface RulePackIssue {
  file: string;
  /** 1-based line in the pack source, or null when it has no place (e.g. size). */
  line: number | null;
  /** Dotted path into the pack: `rules.3.when.all.0.regex`. */
  path: string;
  message: string;
}

/**
 * A rule pack that cannot be loaded. Carries every issue found, not just the
 * first; `file`, `line`, `path` and `message` describe the first one.
 *
 * @example
 * try { loadPackFromString(src, "team.yaml") } catch (e) {
 *   if (e instanceof RulePackError) for (const i of e.issues) console.error(formatIssue(i));
 * }
 */
export class RulePackError extends Error {
  readonly file: string;
  readonly line: number | null;
  readonly path: string;
  readonly issues: RulePackIssue[];
  constructor(issues: RulePackIssue[]) {
    const first = issues[0] ?? { file: "?", line: null, path: "", message: "invalid rule pack" };
    super(issues.map(formatIssue).join("\n"));
    this.name = "RulePackError";
    this.file = first.file;
    this.line = first.line;
    this.path = first.path;
    this.issues = issues;
  }
}

/** `file:line: path: message`, the way compilers print errors. */
export function formatIssue(i: RulePackIssue): string {
  return `${i.file}${i.line !== null ? `:${i.line}` : ""}: ${i.path ? `${i.path}: ` : ""}${i.message}`;
}

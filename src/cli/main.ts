/**
 * The `backlog-audit` command line: classify, rules check/test, audit.
 * Node-only (reads files and stdin); the engine it drives is runtime-neutral.
 */
import { parseArgs } from "node:util";
import { formatIssue, RulePackError } from "../../rules";
import { IMPORT_FORMATS, type ImportFormat } from "../core/import";
import { CONSTRAINTS, type Constraint } from "../core/types";
import { runAuditCommand } from "./audit-command";
import { runClassify } from "./classify-command";
import { loadPackFile } from "./load-pack";
import { runRulesCheck, runRulesTest } from "./rules-command";

const USAGE = `usage:
  backlog-audit classify [--rules PACK] [FILE|-]          JSONL in, JSONL verdicts out
  backlog-audit rules check PACK                          validate a rule pack
  backlog-audit rules test PACK --labelled FILE [--folds 10] [--cv] [--no-model] [--json]
  backlog-audit audit FILE [--format md|json|csv] [--rules PACK] [--input jsonl|gh|jira-csv|linear-csv]
                           [--focus CONSTRAINT [--focus-since DATE]] [--window DAYS]`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rules: { type: "string" },
      labelled: { type: "string" },
      folds: { type: "string", default: "10" },
      cv: { type: "boolean", default: false },
      "no-model": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      format: { type: "string", default: "md" },
      input: { type: "string" },
      focus: { type: "string" },
      "focus-since": { type: "string" },
      window: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case "classify":
      return runClassify(loadPackFile(values.rules), rest[0]);
    case "rules": {
      const [sub, pack] = rest;
      if (sub === "check" && pack) return runRulesCheck(pack);
      if (sub === "test" && values.labelled) {
        const folds = Number(values.folds);
        if (!Number.isInteger(folds) || folds < 2) throw new UsageError("--folds must be an integer ≥ 2");
        return runRulesTest(pack, { labelled: values.labelled, folds, cv: values.cv, json: values.json, noModel: values["no-model"] });
      }
      throw new UsageError("rules needs `check PACK` or `test PACK --labelled FILE`");
    }
    case "audit": {
      const file = rest[0];
      if (!file) throw new UsageError("audit needs a FILE (or - for stdin)");
      const format = values.format;
      if (format !== "md" && format !== "json" && format !== "csv") throw new UsageError("--format is md, json or csv");
      const input = values.input;
      if (input !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(input)) throw new UsageError(`--input is one of ${IMPORT_FORMATS.join(", ")}`);
      const focus = values.focus;
      if (focus !== undefined && !(CONSTRAINTS as readonly string[]).includes(focus)) throw new UsageError(`--focus is one of ${CONSTRAINTS.join(", ")}`);
      const since = values["focus-since"];
      if (since !== undefined && (!focus || !Number.isFinite(Date.parse(since)))) throw new UsageError("--focus-since needs --focus and a date (YYYY-MM-DD)");
      const windowDays = values.window === undefined ? undefined : Number(values.window);
      if (windowDays !== undefined && !(Number.isInteger(windowDays) && windowDays >= 7 && windowDays <= 730)) throw new UsageError("--window is a whole number of days, 7–730");
      return runAuditCommand(loadPackFile(values.rules), file, {
        format,
        input: input as ImportFormat | undefined,
        focus: focus as Constraint | undefined,
        focusSince: since,
        windowDays,
      });
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof RulePackError) for (const i of e.issues) console.error(formatIssue(i));
    else if (e instanceof UsageError || (e as { code?: string })?.code?.startsWith?.("ERR_PARSE_ARGS")) console.error(`${(e as Error).message}\n${USAGE}`);
    else console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);

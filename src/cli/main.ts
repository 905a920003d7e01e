/**
 * The `backlog-audit` command line: classify, rules check/test, audit.
 * Node-only (reads files and stdin); the engine it drives is runtime-neutral.
 *
 * This entry imports nothing but `node:` built-ins: each command loads its own
 * module on demand, so `--version` and `--help` start in a few milliseconds.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const USAGE = `usage:
  backlog-audit classify [--rules PACK] [FILE|-]          JSONL in, JSONL verdicts out
  backlog-audit rules check PACK                          validate a rule pack
  backlog-audit rules test PACK --labelled FILE[,FILE…] [--folds 10] [--cv] [--no-model] [--no-curve] [--json]
  backlog-audit audit FILE [--input jsonl|gh|jira-csv|linear-csv]       audit an export
  backlog-audit audit github:OWNER/REPO | linear:TEAMKEY | jira:SITE/PROJECT
                                                          audit a live tracker (read-only)
      [--format md|json|csv|html] [--out FILE] [--rules PACK] [--cache DIR] [--no-cache]
      [--focus CONSTRAINT [--focus-since DATE]] [--window DAYS]
                                                          declared focus (and since when: the 30/60/90 follow-up), flow window

  live audits read GITHUB_TOKEN, LINEAR_API_KEY, or JIRA_EMAIL + JIRA_API_TOKEN (or JIRA_ACCESS_TOKEN);
  GITHUB_API_BASE, LINEAR_API_BASE and JIRA_API_BASE override the endpoints. The cache
  (default .backlog-audit/) makes the next run fetch only what changed.
  exit codes: 0 ok, 1 failure (network, tracker), 2 usage or missing credentials,
  3 credentials refused, 4 repository/team/project not found
  backlog-audit --version | --help`;

/** The package version, read from package.json (two levels up from both src/cli/ and dist/cli/). */
function version(): string {
  return (JSON.parse(readFileSync(fileURLToPath(import.meta.resolve("../../package.json")), "utf8")) as { version: string }).version;
}

export class UsageError extends Error {}

const FORMATS = ["md", "json", "csv", "html"] as const;
type Format = (typeof FORMATS)[number];

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rules: { type: "string" },
      labelled: { type: "string", multiple: true },
      "no-curve": { type: "boolean", default: false },
      folds: { type: "string", default: "10" },
      cv: { type: "boolean", default: false },
      "no-model": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      format: { type: "string", default: "md" },
      input: { type: "string" },
      out: { type: "string", short: "o" },
      focus: { type: "string" },
      "focus-since": { type: "string" },
      window: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
      cache: { type: "string" },
      "no-cache": { type: "boolean", default: false },
      version: { type: "boolean", short: "V", default: false },
    },
  });
  if (values.version) {
    console.log(version());
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const loadPack = async () => (await import("./load-pack")).loadPackFile(values.rules);
  switch (command) {
    case "classify": {
      const { runClassify } = await import("./classify-command");
      return runClassify(await loadPack(), rest[0]);
    }
    case "rules": {
      const [sub, pack] = rest;
      const rules = await import("./rules-command");
      if (sub === "check" && pack) return rules.runRulesCheck(pack);
      if (sub === "test" && values.labelled?.length) {
        const folds = Number(values.folds);
        if (!Number.isInteger(folds) || folds < 2) throw new UsageError("--folds must be an integer ≥ 2");
        const labelled = values.labelled.flatMap((v) => v.split(",")).filter((v) => v !== "");
        return rules.runRulesTest(pack, { labelled, folds, cv: values.cv, json: values.json, noModel: values["no-model"], noCurve: values["no-curve"] });
      }
      throw new UsageError("rules needs `check PACK` or `test PACK --labelled FILE`");
    }
    case "audit": {
      const source = rest[0];
      if (!source) throw new UsageError("audit needs a FILE (or - for stdin), or a tracker: github:OWNER/REPO, linear:TEAMKEY, jira:SITE/PROJECT");
      const format = values.format as Format;
      if (!FORMATS.includes(format)) throw new UsageError(`--format is ${FORMATS.join(", ")}`);
      const { CONSTRAINTS } = await import("../../domain/types");
      const focus = values.focus;
      if (focus !== undefined && !(CONSTRAINTS as readonly string[]).includes(focus)) throw new UsageError(`--focus is one of ${CONSTRAINTS.join(", ")}`);
      const since = values["focus-since"];
      if (since !== undefined && (!focus || !Number.isFinite(Date.parse(since)))) throw new UsageError("--focus-since needs --focus and a date (YYYY-MM-DD)");
      const windowDays = values.window === undefined ? undefined : Number(values.window);
      if (windowDays !== undefined && !(Number.isInteger(windowDays) && windowDays >= 7 && windowDays <= 730))
        throw new UsageError("--window is a whole number of days, 7–730");
      const output = { format, out: values.out, focus: focus as (typeof CONSTRAINTS)[number] | undefined, focusSince: since, windowDays };
      const live = /^(github|linear|jira):(.+)$/.exec(source);
      if (live) {
        if (values.input !== undefined) throw new UsageError("--input applies to export files, not to a live tracker");
        const { parseLiveSource, runLiveAudit } = await import("./live-audit");
        const target = parseLiveSource(live[1] as "github" | "linear" | "jira", live[2]!);
        if (typeof target === "string") throw new UsageError(target);
        const cacheDir = values["no-cache"] ? null : (values.cache ?? ".backlog-audit");
        return runLiveAudit(await loadPack(), target, { ...output, cacheDir, env: process.env });
      }
      const { IMPORT_FORMATS } = await import("../core/import");
      const input = values.input;
      if (input !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(input)) throw new UsageError(`--input is one of ${IMPORT_FORMATS.join(", ")}`);
      const { runAuditCommand } = await import("./audit-command");
      return runAuditCommand(await loadPack(), source, { ...output, input: input as (typeof IMPORT_FORMATS)[number] | undefined });
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Prints a known failure as one line (no stack trace) and returns the exit code. */
async function report(e: unknown): Promise<number> {
  if (e instanceof UsageError || (e as { code?: string })?.code?.startsWith?.("ERR_PARSE_ARGS")) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (e instanceof Error && e.name === "RulePackError") {
    const { formatIssue, RulePackError } = await import("../../rules");
    if (e instanceof RulePackError) for (const i of e.issues) console.error(formatIssue(i));
    return 1;
  }
  if (e instanceof Error && e.name === "CliError") {
    console.error(`backlog-audit: ${e.message}`);
    return (e as Error & { exitCode?: number }).exitCode ?? 1;
  }
  console.error(`backlog-audit: ${e instanceof Error ? e.message : String(e)}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    process.exitCode = await report(e);
  },
);

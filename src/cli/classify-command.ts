/**
 * `backlog-audit classify [--rules PACK] [FILE|-]`: JSONL in, JSONL out, one
 * output line per input line, streaming (memory stays flat with file size).
 * Blank lines are skipped; every other line gets exactly one output line.
 */
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { Writable } from "node:stream";
import { classify, compilePack, scoreIssue, type RulePack } from "../../rules";
import { issueFromJsonl } from "../core/import";

export interface ClassifyIo {
  input: NodeJS.ReadableStream;
  stdout: Writable;
  stderr: Writable;
}

function write(out: Writable, s: string): Promise<void> | void {
  if (!out.write(s)) return new Promise((resolve) => out.once("drain", () => resolve()));
}

function describeError(e: unknown): { code: string; message: string } {
  if (e instanceof SyntaxError) return { code: "invalid_json", message: e.message };
  if (e && typeof e === "object" && "issues" in e && Array.isArray((e as { issues: unknown[] }).issues)) {
    const issues = (e as { issues: Array<{ path: PropertyKey[]; message: string }> }).issues;
    return { code: "invalid_issue", message: issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("; ") };
  }
  return { code: "error", message: e instanceof Error ? e.message : String(e) };
}

/**
 * Yields the lines of a byte stream. Pulling chunks with `for await` keeps backpressure:
 * only one chunk and one partial line are held at a time (readline's async iterator queues
 * every line it has read ahead of a slow consumer).
 */
export async function* readLines(input: NodeJS.ReadableStream): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const text = rest + (typeof chunk === "string" ? chunk : decoder.write(chunk));
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      yield text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest !== "") yield rest.endsWith("\r") ? rest.slice(0, -1) : rest;
}

/** Returns the number of failed lines. */
export async function classifyStream(pack: RulePack, io: ClassifyIo): Promise<number> {
  const compiled = compilePack(pack);
  let lineNo = 0;
  let failed = 0;
  for await (const line of readLines(io.input)) {
    lineNo++;
    if (line.trim() === "") continue;
    let out: string;
    try {
      const issue = issueFromJsonl(JSON.parse(line));
      const c = classify(compiled, issue);
      const scores = scoreIssue(compiled, issue, c, { dominant: null });
      out = JSON.stringify({ id: issue.key, constraint: c.constraint, confidence: c.confidence, runnerUp: c.runnerUp, decidedBy: c.decidedBy, scores, reasons: c.reasons });
    } catch (e) {
      failed++;
      const error = describeError(e);
      await write(io.stderr, `line ${lineNo}: ${error.code}: ${error.message}\n`);
      out = JSON.stringify({ id: null, line: lineNo, error });
    }
    await write(io.stdout, out + "\n");
  }
  return failed;
}

export async function runClassify(pack: RulePack, file: string | undefined): Promise<number> {
  const input = !file || file === "-" ? process.stdin : createReadStream(file);
  const failed = await classifyStream(pack, { input, stdout: process.stdout, stderr: process.stderr });
  return failed > 0 ? 1 : 0;
}

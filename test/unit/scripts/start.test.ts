/**
 * `npm start` as a person runs it: on a busy port it names the port and how to choose others (no
 * stack trace, exit 1, nothing left running); a normal start prints no error stack traces; Ctrl+C
 * (SIGINT to its process group) stops every process it started.
 * Run: npx vitest run --project unit test/unit/scripts/start.test.ts
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

const listening: Server[] = [];
const started: ChildProcess[] = [];
afterEach(async () => {
  for (const s of listening.splice(0)) await new Promise((r) => s.close(r));
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) process.kill(-p.pid!, "SIGKILL");
});

function listen(port: number): Promise<Server | null> {
  return new Promise((r) => {
    const s = createServer();
    s.once("error", () => r(null));
    s.listen({ port, host: "127.0.0.1", exclusive: true }, () => r(s));
  });
}

/** Two consecutive free ports (the Worker's and the sandbox's). */
async function freePorts(): Promise<[number, number]> {
  for (let i = 0; i < 50; i++) {
    const p = 20_000 + Math.floor(Math.random() * 9_000);
    const a = await listen(p);
    const b = await listen(p + 1);
    await Promise.all([a, b].map((s) => (s ? new Promise((r) => s.close(r)) : null)));
    if (a && b) return [p, p + 1];
  }
  throw new Error("no two free ports");
}

function npmStart(args: string[]): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = "";
  const proc = spawn("npm", ["start", "--", ...args], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  started.push(proc);
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return { proc, output: () => out, exited };
}

/** Every live process descended from `pid` (through /proc), including those in other process groups. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(d), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  for (const [p] of parent) {
    for (let q = parent.get(p); q !== undefined && q > 1; q = parent.get(q)) {
      if (q === pid) {
        out.push(p);
        break;
      }
    }
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
};

async function until<T>(what: string, check: () => T | null | undefined | false, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("npm start", () => {
  it.each(["worker", "sandbox"] as const)(
    "on a busy %s port: names the port and how to choose others, exits 1, no stack trace",
    async (which) => {
      const [port, sandboxPort] = await freePorts();
      const busy = which === "worker" ? port : sandboxPort;
      listening.push((await listen(busy))!);
      const run = npmStart(["--port", String(port), "--sandbox-port", String(sandboxPort)]);
      const code = await Promise.race([run.exited, new Promise<"still running">((r) => setTimeout(() => r("still running"), 60_000))]);
      const out = run.output();
      expect(code, out).toBe(1);
      expect(out).toContain(`port ${busy}`);
      expect(out).toContain("is already in use");
      expect(out).toMatch(/npm start -- --port \d+ --sandbox-port \d+/);
      expect(out).not.toMatch(STACK_LINE);
      expect(out).not.toContain("EADDRINUSE");
    },
    90_000,
  );

  it("starts without error stack traces and stops on Ctrl+C leaving no process behind", async () => {
    const [port, sandboxPort] = await freePorts();
    const persist = mkdtempSync(join(tmpdir(), "ba-start-"));
    try {
      const run = npmStart(["--port", String(port), "--sandbox-port", String(sandboxPort), "--persist-to", persist]);
      await until("the start to finish", () => run.output().includes("Press Ctrl+C to stop.") || run.proc.exitCode !== null, 150_000);
      const out = run.output();
      expect(run.proc.exitCode, out).toBeNull();
      expect(out).toContain(`Backlog Auditor is running on http://127.0.0.1:${port}`);
      expect(out).toContain(`Sandbox trackers: http://127.0.0.1:${sandboxPort}`);
      expect(out, "no error stack traces on a normal start").not.toMatch(STACK_LINE);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

      const tree = descendants(run.proc.pid!);
      expect(tree.length, "npm, the launcher, the sandbox, wrangler and workerd").toBeGreaterThanOrEqual(4);
      process.kill(-run.proc.pid!, "SIGINT"); // Ctrl+C: the terminal signals the foreground process group
      await Promise.race([run.exited, new Promise((r) => setTimeout(r, 30_000))]);
      const left = await until(
        "every started process to exit",
        () => {
          const l = tree.filter(alive);
          return l.length === 0 ? [] : null;
        },
        15_000,
      ).catch(() => tree.filter(alive));
      expect(left, "processes left behind").toEqual([]);
      expect(await listen(port).then((s) => (s ? (s.close(), true) : false)), "the Worker's port is free again").toBe(true);
      expect(await listen(sandboxPort).then((s) => (s ? (s.close(), true) : false)), "the sandbox's port is free again").toBe(true);
    } finally {
      rmSync(persist, { recursive: true, force: true });
    }
  }, 240_000);
});

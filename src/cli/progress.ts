/**
 * Progress of a live read on stderr: a one-line bar redrawn in place when stderr
 * is a terminal; plain lines otherwise (at most one a second, plus the summary),
 * so logs and CI output stay readable. Rate-limit waits are always said.
 */
export interface Progress {
  start(cachedIssues: number, incremental: boolean): void;
  page(fetched: number, total: number, skipped: number): void;
  waiting(ms: number, until: number): void;
  done(fetched: number, total: number): void;
}

const n = (x: number) => x.toLocaleString("en-US");

export function createProgress(what: string, out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }): Progress {
  const tty = !!out.isTTY;
  let pages = 0;
  let fetched = 0;
  let waits = 0;
  let total = 0;
  let lastLine = 0;
  const status = () =>
    `${what}: ${n(fetched)} issues fetched · ${n(pages)} page${pages === 1 ? "" : "s"} · ${n(total)} in cache${waits ? ` · ${waits} rate-limit wait${waits === 1 ? "" : "s"}` : ""}`;
  const draw = () => {
    const spin = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"[pages % 10];
    const line = `${spin} ${status()}`;
    out.write(`\r${line.slice(0, (out.columns ?? 100) - 1)}\x1b[K`);
  };
  const say = (line: string) => {
    if (tty) out.write(`\r\x1b[K`);
    out.write(`${line}\n`);
    if (tty) draw();
  };
  return {
    start(cached, incremental) {
      total = cached;
      say(
        incremental
          ? `${what}: ${n(cached)} issues in the local cache; fetching what changed since the last run…`
          : `${what}: fetching every issue (first run)…`,
      );
    },
    page(got, t, skipped) {
      pages++;
      fetched += got;
      total = t;
      if (skipped) say(`${what}: skipped ${skipped} malformed item${skipped === 1 ? "" : "s"} on page ${pages}`);
      if (tty) draw();
      else if (Date.now() - lastLine >= 1000) {
        lastLine = Date.now();
        out.write(`${status()}\n`);
      }
    },
    waiting(ms, until) {
      waits++;
      say(`${what}: rate limited by the tracker; waiting ${Math.ceil(ms / 1000)} s (until ${new Date(until).toISOString().slice(11, 19)} UTC)…`);
    },
    done(got, t) {
      fetched = got;
      total = t;
      if (tty) out.write(`\r\x1b[K`);
      out.write(`${what}: done, ${n(got)} issue${got === 1 ? "" : "s"} fetched in ${n(pages)} page${pages === 1 ? "" : "s"}, ${n(t)} in all\n`);
    },
  };
}

/**
 * Shared steps of the connector request-cost benchmarks (github-, linear-, jira-sync.mjs):
 * page through a scope, and run one write-back round, counting the sandbox's requests.
 */

/**
 * Lists every issue of `scope` from `cursor` to the end. Returns the final cursor, the issues,
 * and the sandbox's request counts for this walk. `onPage` runs after each page.
 */
export async function drainSync({ connector, auth, scope, sandbox, onPage }, cursor) {
  sandbox.resetStats();
  const issues = [];
  for (;;) {
    const page = await connector.listIssues(auth, scope, cursor);
    onPage?.(page);
    for (const issue of page.issues) issues.push(issue);
    cursor = page.cursor;
    if (!page.hasMore) return { cursor, issues, count: issues.length, ...sandbox.stats };
  }
}

/**
 * One write-back round: a `constraint:<c>` label and one bot comment on each ref (c cycles over
 * three constraints). Returns the sandbox's writes and requests for the round.
 */
export async function writeBackRound({ connector, auth, sandbox }, refs, definitionsFor = () => []) {
  sandbox.resetStats();
  for (const [k, ref] of refs.entries()) {
    const c = ["reliability", "adoption", "throughput"][k % 3];
    await connector.ensureLabels(auth, ref, { desired: [`constraint:${c}`], isOwned: (l) => l.startsWith("constraint:"), definitions: definitionsFor(c) });
    await connector.ensureComment(auth, ref, "bench", `### Backlog Auditor\n**${c}** — confidence 0.8\n- evidence: title`);
  }
  return { writes: sandbox.stats.writes, requests: sandbox.stats.requests };
}

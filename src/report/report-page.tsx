/** @jsxImportSource hono/jsx */
import type { FC } from "hono/jsx";
import { CONSTRAINT_GUIDE } from "../core/audit/constraints";
import type { AuditReport, AuditSummary } from "../core/audit/schema";
import { DistributionChart, DriftGauge, PressureChart, TrendChart, type TrendChartPoint } from "./charts";
import { safeHref } from "./escape";
import { withDiagnosis } from "./stored";
import { sharePoints } from "./points";
import { IssueLink, IssueTable } from "./issue-table";
import { Layout, type NavLink } from "./layout";

const pct = (x: number | null) => (x === null ? "n/a" : `${Math.round(x * 100)}%`);
const num = (x: number) => String(Math.round(x * 100) / 100);

export interface ReportLinks {
  nav?: NavLink[];
  /** Download links for the same report. */
  csv?: string;
  markdown?: string;
  json?: string;
}

export interface ReportPageProps {
  report: AuditReport;
  /** Previous audits, newest first (the trend chart adds the current one). */
  history?: AuditSummary[];
  workspaceName: string;
  links?: ReportLinks;
  nonce?: string;
}

/**
 * The full HTML audit report, server-rendered with hono/jsx. All issue text is
 * escaped by hono; links to trackers are http(s) only.
 *
 * @example
 * app.get("/audits/:id", async (c) => c.html(<ReportPage report={report} history={history} workspaceName="Acme" nonce={c.get("nonce")} />));
 */
export const ReportPage: FC<ReportPageProps> = ({ report: stored, history = [], workspaceName, links = {}, nonce }) => {
  const report = withDiagnosis(stored);
  const d = report.dominant;
  const dx = report.diagnosis;
  const guide = d.constraint ? CONSTRAINT_GUIDE[d.constraint] : null;
  const unclear = !d.constraint && (dx.verdict === "thin" || dx.verdict === "split");
  const notInferred = unclear ? "no clear bottleneck" : "not inferred";
  const points: TrendChartPoint[] = [...history]
    .filter((h) => h.at !== report.at)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
    .map((h) => ({ at: h.at, drift: h.drift, level: h.driftLevel }));
  points.push({ at: report.at, drift: report.drift.value, level: report.drift.level });
  const downloads = (
    [
      ["csv", "CSV"],
      ["markdown", "Markdown"],
      ["json", "JSON"],
    ] as const
  ).filter(([k]) => links[k]);

  return (
    <Layout title={`Backlog audit: ${workspaceName}`} nonce={nonce} nav={links.nav}>
      <section aria-labelledby="summary-h">
        <h1 id="summary-h">Backlog audit: {workspaceName}</h1>
        <p class="muted">
          Audited <time datetime={report.at}>{report.at.slice(0, 10)}</time> · {report.totals.open} open issues, {report.totals.planned} planned
        </p>
        <p class="headline">{report.headline}</p>
        <dl class="facts">
          <div>
            <dt>Bottleneck</dt>
            <dd data-testid="headline-dominant">{d.constraint ?? notInferred}</dd>
          </div>
          <div>
            <dt>Drift</dt>
            <dd data-testid="drift-percent">{pct(report.drift.value)}</dd>
          </div>
          <div>
            <dt>Level</dt>
            <dd>
              <span class={`level level-${report.drift.level}`} data-testid="drift-level">
                {report.drift.level}
              </span>
            </dd>
          </div>
          <div>
            <dt>Wish-list items</dt>
            <dd>{report.wishList.total}</dd>
          </div>
          <div>
            <dt>Missing from the plan</dt>
            <dd>{report.missingFromPlan.total}</dd>
          </div>
        </dl>
        <p data-testid="trend-sentence">{report.trend.sentence}</p>
        {downloads.length > 0 && (
          <p>
            Download:{" "}
            {downloads.map(([k, label], i) => (
              <>
                {i > 0 && " · "}
                <a href={safeHref(links[k]) ?? "#"}>{label}</a>
              </>
            ))}
          </p>
        )}
      </section>

      {report.followUp && (
        <section aria-labelledby="follow-h" data-testid="follow-up">
          <h2 id="follow-h">
            Follow-up on {report.followUp.constraint}: day {report.followUp.days}
            {report.followUp.days < 90 ? " of 90" : ""}
          </h2>
          <p data-testid="follow-up-sentence">{report.followUp.sentence}</p>
          <dl class="facts">
            <div>
              <dt>Shipped since {report.followUp.since.slice(0, 10)}</dt>
              <dd>{report.followUp.shipped}</dd>
            </div>
            <div>
              <dt>Customer-reported a month, before → since</dt>
              <dd>
                {report.followUp.customerPerMonthBefore} → {report.followUp.customerPerMonthAfter}
              </dd>
            </div>
            <div>
              <dt>Decision</dt>
              <dd data-testid="follow-up-decision">{report.followUp.decision}</dd>
            </div>
          </dl>
        </section>
      )}

      <section aria-labelledby="recs-h">
        <h2 id="recs-h">Recommendations</h2>
        <ol class="recs" data-testid="recommendations">
          {report.recommendations.map((r) => (
            <li>
              <strong>{r.title}</strong>
              <p>{r.text}</p>
              {r.steps.length > 0 && (
                <ul>
                  {r.steps.map((s) => (
                    <li>
                      <strong>
                        Days {s.days}: {s.title}.
                      </strong>{" "}
                      {s.text}
                    </li>
                  ))}
                </ul>
              )}
              {r.steps.length === 0 && r.issues.length > 0 && (
                <p>
                  See{" "}
                  {r.issues.map((x, i) => (
                    <>
                      {i > 0 && ", "}
                      <IssueLink key_={x.key} url={x.url} />
                    </>
                  ))}
                </p>
              )}
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="bottleneck-h">
        <h2 id="bottleneck-h">Bottleneck: {guide ? guide.label : notInferred}</h2>
        {guide && d.constraint ? (
          <p>
            {guide.label} has {pct(d.share)} of the evidence pressure
            {d.runnerUp ? `, ${sharePoints(d.margin)} ahead of ${d.runnerUp} (${pct(d.runnerUpShare)})` : ""}. It looks like {guide.looksLike}. Improve first:{" "}
            {guide.improveFirst}.
          </p>
        ) : unclear ? null : (
          <p>No open issue has a constraint, so there is no evidence to weigh yet.</p>
        )}
        <div data-testid="diagnosis">
          <p class="diagnosis" data-testid="diagnosis-sentence">
            {dx.sentence}
          </p>
          {dx.decidingEvidence.length > 0 && (
            <>
              <h3>What would decide it</h3>
              <ul data-testid="deciding-evidence">
                {dx.decidingEvidence.map((x) => (
                  <li>{x}</li>
                ))}
              </ul>
            </>
          )}
          <figure>
            <PressureChart pressures={d.pressures} dominant={d.constraint} />
            <figcaption>
              What moved each constraint's pressure over the last {dx.windowDays} days (since {dx.from.slice(0, 10)}). The number of open issues adds nothing
              {dx.byVolume ? `; by count alone, ${dx.byVolume} would lead` : ""}.
            </figcaption>
          </figure>
          <h3>Evidence by constraint</h3>
          <dl class="evidence" data-testid="evidence-by-constraint">
            {d.pressures.map((p) => (
              <div data-testid={`evidence-${p.constraint}`}>
                <dt>
                  {p.constraint} <span class="muted">{pct(p.share)} of the pressure</span>
                </dt>
                <dd>
                  {p.summary.length ? (
                    <ul>
                      {p.summary.map((x) => (
                        <li>{x}</li>
                      ))}
                    </ul>
                  ) : (
                    <span class="muted">No open or recent work.</span>
                  )}
                </dd>
              </div>
            ))}
          </dl>
          {dx.coverage.some((c) => c.missing.length > 0) && (
            <details data-testid="coverage">
              <summary>What the data could not tell us</summary>
              <ul>{dx.coverage.flatMap((c) => c.missing.map((m) => <li>{`${c.tracker} (${c.issues} issues): ${m}`}</li>))}</ul>
            </details>
          )}
        </div>
        {report.focus.declared && (
          <div class={report.focus.agrees === false ? "focus-disagrees" : ""} data-testid="focus">
            <dl class="facts">
              <div>
                <dt>Declared focus</dt>
                <dd>{report.focus.declared}</dd>
              </div>
              <div>
                <dt>Inferred from evidence</dt>
                <dd>{report.focus.inferred ?? "none"}</dd>
              </div>
            </dl>
            <p>{report.focus.message}</p>
          </div>
        )}
        <figure>
          <DistributionChart pressures={d.pressures} dominant={d.constraint} plannedEffort={report.planned.effort} />
          <figcaption>Share of evidence pressure and of planned effort, by constraint.</figcaption>
        </figure>
        <div class="table-wrap">
          <table>
            <caption>Evidence pressure by constraint</caption>
            <thead>
              <tr>
                <th scope="col">Constraint</th>
                <th scope="col" class="num">
                  Share
                </th>
                <th scope="col" class="num">
                  Open
                </th>
                <th scope="col" class="num">
                  Customer
                </th>
                <th scope="col" class="num">
                  Severity
                </th>
                <th scope="col" class="num">
                  Growth
                </th>
                <th scope="col" class="num">
                  Aging
                </th>
                <th scope="col" class="num">
                  Reopened
                </th>
                <th scope="col" class="num">
                  Carry-over
                </th>
                <th scope="col" class="num">
                  Delivery
                </th>
                <th scope="col" class="num">
                  Planned effort
                </th>
              </tr>
            </thead>
            <tbody>
              {d.pressures.map((p) => (
                <tr>
                  <th scope="row">{p.constraint}</th>
                  <td class="num">{pct(p.share)}</td>
                  <td class="num">{p.openCount}</td>
                  <td class="num">{num(p.breakdown.customer)}</td>
                  <td class="num">{num(p.breakdown.severity)}</td>
                  <td class="num">{num(p.breakdown.growth)}</td>
                  <td class="num">{num(p.breakdown.aging)}</td>
                  <td class="num">{num(p.breakdown.reopened)}</td>
                  <td class="num">{num(p.breakdown.carryOver)}</td>
                  <td class="num">{num(p.breakdown.delivery)}</td>
                  <td class="num">{num(p.plannedEffort)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {d.constraint && (
          <IssueTable
            rows={d.evidence}
            total={d.evidence.length}
            caption={`Top evidence behind ${d.constraint}`}
            testId="evidence-table"
            columns={["planned", "scores"]}
            empty="No evidence issues."
          />
        )}
      </section>

      <section aria-labelledby="drift-h">
        <h2 id="drift-h">Drift</h2>
        <div class="charts">
          <figure>
            <DriftGauge drift={report.drift.value} level={report.drift.level} thresholds={report.drift.thresholds} />
            <figcaption>
              Share of planned effort off the bottleneck: aligned ≤ {pct(report.drift.thresholds.alignedMax)}, watch ≤ {pct(report.drift.thresholds.watchMax)}.
            </figcaption>
          </figure>
          <figure>
            <TrendChart points={points} thresholds={report.drift.thresholds} />
            <figcaption>Drift over time, with the level bands.</figcaption>
          </figure>
        </div>
        <p>
          Planned effort {num(report.planned.effort)} across {report.planned.count} issues: {num(report.drift.onConstraintEffort)} on the bottleneck,{" "}
          {num(report.drift.offConstraintEffort)} elsewhere
          {report.drift.unclassifiedEffort > 0 ? ` (${num(report.drift.unclassifiedEffort)} unclassified)` : ""}. Effort basis:{" "}
          <strong>{report.planned.basis}</strong>. {report.planned.note}
        </p>
      </section>

      <section aria-labelledby="wish-h">
        <h2 id="wish-h">Wish list</h2>
        <p>Planned work off the bottleneck whose evidence is weak.</p>
        <IssueTable
          rows={report.wishList.rows}
          total={report.wishList.total}
          caption="Wish-list items in the plan"
          testId="wishlist-table"
          columns={["constraint", "effort", "scores"]}
          empty="No wish-list items in the plan."
        />
      </section>

      <section aria-labelledby="missing-h">
        <h2 id="missing-h">Missing from the plan</h2>
        <p>Strong-evidence open work on the bottleneck that nobody has planned.</p>
        <IssueTable
          rows={report.missingFromPlan.rows}
          total={report.missingFromPlan.total}
          caption="Strong evidence, not planned"
          testId="missing-table"
          columns={["evidence", "scores"]}
          empty="Nothing strong on the bottleneck is waiting outside the plan."
        />
      </section>

      <section aria-labelledby="flags-h">
        <h2 id="flags-h">Flags</h2>
        <IssueTable
          rows={report.flags.highPriorityWeakEvidence.rows}
          total={report.flags.highPriorityWeakEvidence.total}
          caption="Urgent or high priority with weak evidence"
          testId="hp-weak-table"
          columns={["constraint", "planned", "scores"]}
          empty="No urgent or high-priority item lacks evidence."
        />
        <IssueTable
          rows={report.flags.unclassifiedPlanned.rows}
          total={report.flags.unclassifiedPlanned.total}
          caption="Planned work with no constraint"
          testId="unclassified-table"
          columns={["effort"]}
          empty="All planned work has a constraint."
        />
      </section>
    </Layout>
  );
};

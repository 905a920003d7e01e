/** @jsxImportSource hono/jsx */
import type { FC } from "hono/jsx";
import type { AuditRow } from "../core/audit/schema";
import { safeUrl } from "./escape";

export const IssueLink: FC<{ key_: string; url: string | null }> = ({ key_, url }) => {
  const href = safeUrl(url);
  return href ? (
    <a href={href} rel="noopener noreferrer">
      {key_}
    </a>
  ) : (
    <span>{key_}</span>
  );
};

/** The "why" disclosure for one issue: reasons, rules with matched text, and score signals. */
export const Why: FC<{ row: AuditRow }> = ({ row }) => (
  <details>
    <summary>{row.reasons[0] ?? "Why"}</summary>
    {row.reasons.length > 1 && (
      <ul>
        {row.reasons.slice(1).map((r) => (
          <li>{r}</li>
        ))}
      </ul>
    )}
    <p>
      Constraint: <strong>{row.constraint ?? "unclassified"}</strong> (confidence {Math.round(row.classificationConfidence * 100)}%)
    </p>
    {row.explanation.classification.length > 0 && (
      <ul aria-label="Rules that matched">
        {row.explanation.classification.map((r) => (
          <li>
            <code>{r.ruleId}</code> ({r.source}
            {r.constraint ? `, ${r.constraint}` : ""}, weight {r.weight}) matched “{r.match}” in {r.field}
          </li>
        ))}
      </ul>
    )}
    {row.scores && (
      <p>
        Scores: impact {row.scores.impact}, evidence {row.scores.evidence}, confidence {row.scores.confidence}, timing {row.scores.timing}
      </p>
    )}
    {row.explanation.scores.length > 0 && (
      <ul aria-label="Score signals">
        {row.explanation.scores.map((s) => (
          <li>
            {s.dimension} {s.delta >= 0 ? "+" : ""}
            {s.delta}: {s.signal}
            {s.match ? ` (“${s.match}”)` : ""}
          </li>
        ))}
      </ul>
    )}
  </details>
);

export type Column = "constraint" | "effort" | "scores" | "evidence" | "planned";

/** A captioned table of report rows with links to the tracker and a "why" per row. */
export const IssueTable: FC<{ rows: AuditRow[]; total: number; caption: string; testId?: string; columns: Column[]; empty: string }> = ({
  rows,
  total,
  caption,
  testId,
  columns,
  empty,
}) => {
  if (rows.length === 0) {
    return (
      <p class="muted" data-testid={testId}>
        {empty}
      </p>
    );
  }
  return (
    <div class="table-wrap">
      <table data-testid={testId}>
        <caption>
          {caption}
          {total > rows.length ? ` (top ${rows.length} of ${total})` : ` (${total})`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Issue</th>
            <th scope="col">Title</th>
            {columns.includes("constraint") && <th scope="col">Constraint</th>}
            {columns.includes("planned") && <th scope="col">Planned</th>}
            {columns.includes("effort") && (
              <th scope="col" class="num">
                Effort
              </th>
            )}
            {columns.includes("evidence") && (
              <th scope="col" class="num">
                Evidence
              </th>
            )}
            {columns.includes("scores") && (
              <th scope="col">
                <abbr title="impact / evidence / confidence / timing">I/E/C/T</abbr>
              </th>
            )}
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>
                <IssueLink key_={r.key} url={r.url} />
              </td>
              <td>{r.title}</td>
              {columns.includes("constraint") && <td>{r.constraint ?? "unclassified"}</td>}
              {columns.includes("planned") && <td>{r.planned ? "yes" : "no"}</td>}
              {columns.includes("effort") && <td class="num">{r.effort === null ? "–" : String(Math.round(r.effort * 100) / 100)}</td>}
              {columns.includes("evidence") && <td class="num">{r.scores ? `${r.scores.evidence}/5` : "–"}</td>}
              {columns.includes("scores") && <td>{r.scores ? `${r.scores.impact}/${r.scores.evidence}/${r.scores.confidence}/${r.scores.timing}` : "–"}</td>}
              <td>
                <Why row={r} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};

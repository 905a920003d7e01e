/**
 * Report renderers: Markdown (for tracker comments and docs), CSV (for
 * spreadsheets), and the server-rendered HTML page (hono/jsx).
 *
 * @example
 * import { renderMarkdown, renderCsv, ReportPage } from "../report";
 * const md = renderMarkdown(report, { workspaceName: "Acme" });
 * const html = await ReportPage({ report, history, workspaceName: "Acme" })!.toString();
 */
export { renderMarkdown } from "./markdown";
export { renderCsv, CSV_COLUMNS } from "./csv";
export { csvCell, csvRow, mdText, mdLink, safeUrl, safeHref } from "./escape";
export { ReportPage, type ReportPageProps, type ReportLinks } from "./report-page";
export { Layout, type LayoutProps, type NavLink } from "./layout";
export { DriftGauge, DistributionChart, TrendChart } from "./charts";

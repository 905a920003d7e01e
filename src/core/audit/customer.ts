/**
 * Customer evidence from the trackers' own structures: Linear customer requests
 * (with revenue, size and tier), Jira votes and watchers, GitHub reactions and
 * duplicates, and links to support and incident tools. A keyword counts too,
 * but for less than any structure: a request with revenue behind it outweighs
 * the word "customer" in a description.
 */
import type { CustomerRequest, Issue } from "../../../domain/types";

/** Support and sales tools: a link to one is a customer asking. */
const SUPPORT_HOSTS =
  /(?:^|[./])(zendesk\.com|intercom\.com|intercom\.io|frontapp\.com|front\.com|freshdesk\.com|helpscout\.net|helpscout\.com|hubspot\.com|salesforce\.com|force\.com|gorgias\.com|kustomer\.com|gong\.io|plain\.com|pylon\.com|canny\.io|productboard\.com)$/i;
/** Error-tracking and incident tools: a link to one is production pain. */
const INCIDENT_HOSTS =
  /(?:^|[./])(sentry\.io|pagerduty\.com|opsgenie\.com|incident\.io|firehydrant\.(?:io|com)|rootly\.com|datadoghq\.(?:com|eu)|rollbar\.com|bugsnag\.com|honeybadger\.io|statuspage\.io|status\.io|raygun\.com|newrelic\.com)$/i;
/** Bodies are scanned for links up to here (links to tickets sit near the top). */
const BODY_SCAN_CHARS = 4000;
const URL_RE = /https?:\/\/([a-z0-9.-]+)/gi;
/** Tiers that mark a customer the business cannot lose. */
const KEY_TIER = /enterprise|strategic|platinum|premium|tier ?1|key account|vip/i;

export interface CustomerEvidence {
  /** 0..6: this issue's customer pain, revenue-weighted. */
  weight: number;
  requests: number;
  revenue: number;
  customers: string[];
  supportLinks: number;
  incidentLinks: number;
  /** A customer word or label, and nothing structured. */
  keywordOnly: boolean;
}

export const hostKind = (host: string): "support" | "incident" | null => (SUPPORT_HOSTS.test(host) ? "support" : INCIDENT_HOSTS.test(host) ? "incident" : null);

/** Counts support and incident links among attachments/remote links and in the body. */
export function countToolLinks(issue: Issue): { support: number; incident: number } {
  let support = 0;
  let incident = 0;
  const seen = new Set<string>();
  const add = (url: string, host: string) => {
    if (seen.has(url)) return;
    seen.add(url);
    const k = hostKind(host);
    if (k === "support") support++;
    else if (k === "incident") incident++;
  };
  for (const l of issue.links ?? []) {
    const m = /^https?:\/\/([^/?#]+)/i.exec(l.url);
    if (m) add(l.url, m[1]!.toLowerCase());
  }
  if (issue.body.length > 0 && issue.body.includes("http")) {
    const body = issue.body.length > BODY_SCAN_CHARS ? issue.body.slice(0, BODY_SCAN_CHARS) : issue.body;
    URL_RE.lastIndex = 0;
    for (let m = URL_RE.exec(body); m; m = URL_RE.exec(body)) {
      const end = body.indexOf(" ", m.index);
      add(body.slice(m.index, end < 0 ? undefined : end), m[1]!.toLowerCase());
    }
  }
  return { support, incident };
}

/** Weight of one customer request: 1, plus up to 2 for revenue (log-scaled), 0.5 for size, 0.5 for a key tier, 0.5 if marked important. */
export function requestWeight(r: CustomerRequest): number {
  let w = 1;
  if (r.revenue !== null && r.revenue > 0) w += Math.min(2, Math.log10(1 + r.revenue / 10_000));
  if (r.size !== null && r.size > 0) w += Math.min(0.5, Math.log10(1 + r.size) / 6);
  if (r.tier !== null && KEY_TIER.test(r.tier)) w += 0.5;
  if (r.important) w += 0.5;
  return w;
}

const MAX_WEIGHT = 6;

/**
 * Reads one issue's customer evidence.
 *
 * @example
 * readCustomer(issue, null, newCustomerEvidence()).weight; // 3.5 for one $1M enterprise-tier request
 */
export function readCustomer(issue: Issue, keywordMatch: string | null, out: CustomerEvidence): CustomerEvidence {
  let w = 0;
  let revenue = 0;
  const customers: string[] = [];
  for (const r of issue.customerRequests ?? []) {
    w += requestWeight(r);
    if (r.revenue) revenue += r.revenue;
    if (r.customer && !customers.includes(r.customer)) customers.push(r.customer);
  }
  const links = (issue.links ?? []).length > 0 || issue.body.includes("http") ? countToolLinks(issue) : { support: 0, incident: 0 };
  w += Math.min(3, links.support) + Math.min(3, links.incident);
  if (issue.reactions > 0) w += Math.min(1, Math.log2(1 + issue.reactions) / 5);
  if ((issue.watchers ?? 0) > 0) w += Math.min(0.5, Math.log2(1 + (issue.watchers ?? 0)) / 10);
  if (issue.duplicateCount > 0) w += Math.min(1.5, issue.duplicateCount * 0.5);
  const structured = w > 0;
  if (keywordMatch !== null) w += keywordMatch.startsWith("label") ? 0.75 : 0.5;
  out.weight = Math.min(MAX_WEIGHT, w);
  out.requests = (issue.customerRequests ?? []).length;
  out.revenue = revenue;
  out.customers = customers;
  out.supportLinks = links.support;
  out.incidentLinks = links.incident;
  out.keywordOnly = !structured && keywordMatch !== null;
  return out;
}

export const newCustomerEvidence = (): CustomerEvidence => ({
  weight: 0,
  requests: 0,
  revenue: 0,
  customers: [],
  supportLinks: 0,
  incidentLinks: 0,
  keywordOnly: false,
});

/**
 * Site-specific custom fields. Story points and sprint live under ids that
 * differ per site (`customfield_10016` on one, `customfield_10028` on
 * another), so they are discovered from `GET /rest/api/3/field` once per site
 * and cached in the sync cursor.
 *
 * @example
 * const map = discoverFields(await client.fields(auth));
 * map.sprint; // "customfield_10020"
 * searchFields(map); // the explicit `fields` list for search/jql
 */
import type { JiraField } from "./schema";

export const SPRINT_CUSTOM_TYPE = "com.pyxis.greenhopper.jira:gh-sprint";
export const FLOAT_CUSTOM_TYPE = "com.atlassian.jira.plugin.system.customfieldtypes:float";
const STORY_POINT_NAMES = ["story points", "story point estimate"];

export interface FieldMap {
  /** Candidate story-point fields, in preference order (a site can have both "Story Points" and "Story point estimate"). */
  storyPoints: string[];
  sprint: string | null;
  /** Display names of the discovered custom fields, by id. */
  names: Record<string, string>;
}

export function discoverFields(fields: JiraField[]): FieldMap {
  const byName = (f: JiraField) => STORY_POINT_NAMES.indexOf(f.name.trim().toLowerCase());
  const points = fields
    .filter((f) => byName(f) >= 0 && (f.schema?.type === "number" || f.schema?.custom === FLOAT_CUSTOM_TYPE))
    .sort((a, b) => Number(b.schema?.custom === FLOAT_CUSTOM_TYPE) - Number(a.schema?.custom === FLOAT_CUSTOM_TYPE) || byName(a) - byName(b));
  const sprint = fields.find((f) => f.schema?.custom === SPRINT_CUSTOM_TYPE) ?? null;
  const names: Record<string, string> = {};
  for (const f of [...points, ...(sprint ? [sprint] : [])]) names[f.id] = f.name;
  return { storyPoints: points.map((f) => f.id), sprint: sprint?.id ?? null, names };
}

/** System fields the connector normalizes. */
export const SYSTEM_FIELDS = [
  "summary",
  "description",
  "status",
  "priority",
  "issuetype",
  "labels",
  "components",
  "votes",
  "watches",
  "comment",
  "project",
  "assignee",
  "created",
  "updated",
  "resolutiondate",
  "resolution",
] as const;

/** The explicit `fields` list for search/jql and GET issue: never `*all`. */
export function searchFields(map: FieldMap): string[] {
  return [...SYSTEM_FIELDS, ...map.storyPoints, ...(map.sprint ? [map.sprint] : [])];
}

/**
 * Content hashing for change detection: an issue is reclassified only when the
 * fields that can change its verdict or scores change. Pure and fast (this runs
 * for every synced issue), not a security hash.
 */
import type { Issue } from "../../domain/types";

/** cyrb53 (a public-domain 53-bit string hash): fast, well-mixed, not cryptographic. */
function cyrb53(input: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < input.length; i++) {
    const ch = input.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A 106-bit hex digest (two seeds of cyrb53): collisions are negligible for change detection. */
export function stableHash(input: string): string {
  return cyrb53(input, 0x9e3779b9).toString(16).padStart(14, "0") + cyrb53(input, 0x85ebca6b).toString(16).padStart(14, "0");
}

/** The fields that feed classification and scoring, in a stable order. */
export function contentHash(issue: Issue): string {
  return stableHash(
    JSON.stringify([
      issue.title,
      issue.body,
      [...issue.labels].sort(),
      issue.type,
      [...issue.components].sort(),
      issue.state,
      issue.stateCategory,
      issue.priority,
      issue.estimate,
      issue.iteration ? [issue.iteration.kind, issue.iteration.id, issue.iteration.state] : null,
      issue.assignees.length > 0,
      issue.reactions,
      issue.commentCount,
      issue.duplicateCount,
      issue.customFields,
    ]),
  );
}

/**
 * What every sandbox tracker simulator offers. A simulator is a stateful
 * fetch handler that speaks its tracker's real wire format under a base path
 * (`/github`, `/linear`, `/jira`), so one process can serve all three.
 */
import type { Tracker } from "../../domain/types";
import type { FaultInjector } from "./faults";
import type { Outbox } from "./outbox";

export interface SandboxStats {
  /** Every request the simulator answered (API, OAuth). */
  requests: number;
  /** Reads (GET, GraphQL queries) and writes (POST/PUT/PATCH/DELETE, GraphQL mutations). */
  reads: number;
  writes: number;
  /** By a route label such as `GET /repos/:o/:r/issues`. */
  byRoute: Record<string, number>;
}

export interface SandboxTracker {
  readonly tracker: Tracker;
  /** The path prefix it serves, e.g. `/github`. */
  readonly basePath: string;
  fetch(req: Request): Promise<Response>;
  readonly faults: FaultInjector;
  readonly outbox: Outbox;
  readonly stats: SandboxStats;
  resetStats(): void;
}

export function emptyStats(): SandboxStats {
  return { requests: 0, reads: 0, writes: 0, byRoute: {} };
}

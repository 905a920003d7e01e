/**
 * The one-database guard (docs/scaling.md). A D1 database holds at most 10 GB and has one
 * writer: as it fills, the product logs an alert (from the cron), and past a higher mark it
 * refuses to create new workspaces with 507 `capacity_exceeded`, so existing tenants keep
 * working while a new database (shard) is added.
 */
import type { Env } from "../env";
import { databaseBytes } from "../db/health";
import { AppError } from "../errors";

/** D1's maximum database size on Workers Paid (developers.cloudflare.com/d1/platform/limits). */
export const D1_MAX_BYTES = 10_000_000_000;

export interface CapacityMarks {
  /** Log an alert from this size on. */
  alertBytes: number;
  /** Refuse new workspaces from this size on. */
  refuseBytes: number;
}

/** `DB_ALERT_BYTES` (default 70% of 10 GB) and `DB_REFUSE_TENANTS_BYTES` (default 80%). */
export function capacityMarks(env: Pick<Env, "DB_ALERT_BYTES" | "DB_REFUSE_TENANTS_BYTES">): CapacityMarks {
  const bytes = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v !== undefined && v !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return { alertBytes: bytes(env.DB_ALERT_BYTES, 0.7 * D1_MAX_BYTES), refuseBytes: bytes(env.DB_REFUSE_TENANTS_BYTES, 0.8 * D1_MAX_BYTES) };
}

export type CapacityState = { bytes: number | null; level: "ok" | "alert" | "full"; marks: CapacityMarks };

export async function capacityState(env: Env): Promise<CapacityState> {
  const marks = capacityMarks(env);
  const bytes = await databaseBytes(env.DB);
  const level = bytes === null ? "ok" : bytes >= marks.refuseBytes ? "full" : bytes >= marks.alertBytes ? "alert" : "ok";
  return { bytes, level, marks };
}

/**
 * Throws 507 `capacity_exceeded` when the database is past the refuse mark: called before a new
 * workspace is created. Existing workspaces are not affected.
 * @example
 * await ensureRoomForNewTenant(c.env); // throws AppError("capacity_exceeded") when full
 */
export async function ensureRoomForNewTenant(env: Env): Promise<void> {
  const s = await capacityState(env);
  if (s.level === "full")
    throw new AppError(
      "capacity_exceeded",
      "This service is not taking new workspaces right now: its database is near capacity. Existing workspaces are not affected; try again later.",
      {
        databaseBytes: s.bytes,
        limitBytes: s.marks.refuseBytes,
      },
    );
}

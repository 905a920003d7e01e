/** Workspaces, their members and their settings. */
import { z } from "zod";
import { ConstraintSchema, type Constraint } from "../../domain/types";
import { newId } from "../security/ids";

export interface Workspace {
  id: string;
  name: string;
  isDemo: boolean;
  createdAt: string;
}

export const WRITE_MODES = ["off", "dry-run", "on"] as const;
export type WriteMode = (typeof WRITE_MODES)[number];

export interface WorkspaceSettings {
  workspaceId: string;
  rulePack: string | null;
  rulePackHash: string;
  writeMode: WriteMode;
  commentsEnabled: boolean;
  focusConstraint: Constraint | null;
  labelPrefix: string;
  maxWritesPerRun: number;
  auditSettings: Record<string, unknown>;
  updatedAt: string;
}

type WorkspaceRow = { id: string; name: string; is_demo: number; created_at: string };
const toWorkspace = (r: WorkspaceRow): Workspace => ({ id: r.id, name: r.name, isDemo: r.is_demo === 1, createdAt: r.created_at });

export async function createWorkspace(db: D1Database, p: { name: string; isDemo?: boolean; id?: string; now?: Date }): Promise<Workspace> {
  const id = p.id ?? newId("ws");
  const at = (p.now ?? new Date()).toISOString();
  await db.batch([
    db.prepare("INSERT INTO workspaces (id, name, is_demo, created_at) VALUES (?, ?, ?, ?)").bind(id, p.name, p.isDemo ? 1 : 0, at),
    db.prepare("INSERT INTO workspace_settings (workspace_id, updated_at) VALUES (?, ?)").bind(id, at),
  ]);
  return { id, name: p.name, isDemo: !!p.isDemo, createdAt: at };
}

export async function getWorkspace(db: D1Database, id: string): Promise<Workspace | null> {
  const r = await db.prepare("SELECT id, name, is_demo, created_at FROM workspaces WHERE id = ?").bind(id).first<WorkspaceRow>();
  return r ? toWorkspace(r) : null;
}

/** Every workspace id (the cron audits each one). */
export async function listWorkspaceIds(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare("SELECT id FROM workspaces").all<{ id: string }>();
  return results.map((r) => r.id);
}

export async function findDemoWorkspace(db: D1Database): Promise<Workspace | null> {
  const r = await db.prepare("SELECT id, name, is_demo, created_at FROM workspaces WHERE is_demo = 1 ORDER BY created_at LIMIT 1").first<WorkspaceRow>();
  return r ? toWorkspace(r) : null;
}

export async function listWorkspacesForUser(db: D1Database, userId: string): Promise<Array<Workspace & { role: "admin" | "member" }>> {
  const { results } = await db
    .prepare(
      "SELECT w.id, w.name, w.is_demo, w.created_at, m.role FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id WHERE m.user_id = ? ORDER BY w.created_at",
    )
    .bind(userId)
    .all<WorkspaceRow & { role: "admin" | "member" }>();
  return results.map((r) => ({ ...toWorkspace(r), role: r.role }));
}

export async function addMember(db: D1Database, workspaceId: string, userId: string, role: "admin" | "member", now = new Date()): Promise<void> {
  await db
    .prepare(
      "INSERT INTO workspace_members (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(workspaceId, userId, role, now.toISOString())
    .run();
}

export async function getMemberRole(db: D1Database, workspaceId: string, userId: string): Promise<"admin" | "member" | null> {
  const r = await db
    .prepare("SELECT role FROM workspace_members WHERE workspace_id = ? AND user_id = ?")
    .bind(workspaceId, userId)
    .first<{ role: "admin" | "member" }>();
  return r?.role ?? null;
}

export async function deleteWorkspace(db: D1Database, id: string): Promise<void> {
  // Tables without a foreign key to workspaces are erased explicitly.
  await db.batch([
    db.prepare("DELETE FROM writeback_ledger WHERE workspace_id = ?").bind(id),
    db.prepare("DELETE FROM writeback_runs WHERE workspace_id = ?").bind(id),
    db.prepare("DELETE FROM classifications WHERE workspace_id = ?").bind(id),
    db.prepare("DELETE FROM issues WHERE workspace_id = ?").bind(id),
    db.prepare("DELETE FROM label_overrides WHERE workspace_id = ?").bind(id),
    db.prepare("DELETE FROM sync_state WHERE workspace_id = ?").bind(id),
    db.prepare("DELETE FROM sync_failures WHERE workspace_id = ?").bind(id),
    db.prepare("DELETE FROM workspaces WHERE id = ?").bind(id),
  ]);
}

type SettingsRow = {
  workspace_id: string;
  rule_pack: string | null;
  rule_pack_hash: string;
  write_mode: WriteMode;
  comments_enabled: number;
  focus_constraint: string | null;
  label_prefix: string;
  max_writes_per_run: number;
  audit_settings: string;
  updated_at: string;
};

export async function getSettings(db: D1Database, workspaceId: string): Promise<WorkspaceSettings | null> {
  const r = await db.prepare("SELECT * FROM workspace_settings WHERE workspace_id = ?").bind(workspaceId).first<SettingsRow>();
  if (!r) return null;
  const focus = ConstraintSchema.safeParse(r.focus_constraint);
  return {
    workspaceId: r.workspace_id,
    rulePack: r.rule_pack,
    rulePackHash: r.rule_pack_hash,
    writeMode: r.write_mode,
    commentsEnabled: r.comments_enabled === 1,
    focusConstraint: focus.success ? focus.data : null,
    labelPrefix: r.label_prefix,
    maxWritesPerRun: r.max_writes_per_run,
    auditSettings: z.record(z.string(), z.unknown()).catch({}).parse(safeJson(r.audit_settings)),
    updatedAt: r.updated_at,
  };
}

export type SettingsPatch = Partial<
  Pick<WorkspaceSettings, "writeMode" | "commentsEnabled" | "focusConstraint" | "labelPrefix" | "maxWritesPerRun" | "auditSettings">
> & {
  rulePack?: { source: string | null; hash: string };
};

export async function updateSettings(db: D1Database, workspaceId: string, patch: SettingsPatch, now = new Date()): Promise<void> {
  const sets: string[] = [];
  const args: unknown[] = [];
  const set = (col: string, v: unknown) => {
    sets.push(`${col} = ?`);
    args.push(v);
  };
  if (patch.writeMode !== undefined) set("write_mode", patch.writeMode);
  if (patch.commentsEnabled !== undefined) set("comments_enabled", patch.commentsEnabled ? 1 : 0);
  if (patch.focusConstraint !== undefined) set("focus_constraint", patch.focusConstraint);
  if (patch.labelPrefix !== undefined) set("label_prefix", patch.labelPrefix);
  if (patch.maxWritesPerRun !== undefined) set("max_writes_per_run", patch.maxWritesPerRun);
  if (patch.auditSettings !== undefined) set("audit_settings", JSON.stringify(patch.auditSettings));
  if (patch.rulePack !== undefined) {
    set("rule_pack", patch.rulePack.source);
    set("rule_pack_hash", patch.rulePack.hash);
  }
  set("updated_at", now.toISOString());
  await db
    .prepare(`UPDATE workspace_settings SET ${sets.join(", ")} WHERE workspace_id = ?`)
    .bind(...args, workspaceId)
    .run();
}

export function safeJson(s: string | null | undefined): unknown {
  if (s == null) return null;
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/**
 * The workspace's compiled rule pack, compiled once per pack hash per isolate.
 * A pack saved in settings is validated before storage; here it only loads.
 */
import { compilePack, loadDefaultPack, loadPackFromString, type CompiledPack } from "../../rules";
import { DEFAULT_MODEL_JSON, DEFAULT_PACK_SOURCE } from "../../rules/default-pack.generated";
import { stableHash } from "../core/hash";
import type { WorkspaceSettings } from "../db/workspaces";

let defaultHash: string | null = null;
/** Identifies the built-in pack's exact content, so a new release reclassifies. */
export function defaultPackHash(): string {
  defaultHash ??= `default@${stableHash(DEFAULT_PACK_SOURCE + (DEFAULT_MODEL_JSON ? JSON.stringify(DEFAULT_MODEL_JSON).length : 0))}`;
  return defaultHash;
}

export function packHashForSource(source: string): string {
  return `custom@${stableHash(source)}@${defaultPackHash()}`;
}

const compiled = new Map<string, CompiledPack>();

export function compiledPackFor(settings: Pick<WorkspaceSettings, "rulePack">): { compiled: CompiledPack; hash: string } {
  const hash = settings.rulePack ? packHashForSource(settings.rulePack) : defaultPackHash();
  let c = compiled.get(hash);
  if (!c) {
    c = compilePack(settings.rulePack ? loadPackFromString(settings.rulePack, "workspace-pack.yaml") : loadDefaultPack());
    if (compiled.size > 20) compiled.clear();
    compiled.set(hash, c);
  }
  return { compiled: c, hash };
}

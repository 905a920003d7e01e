/** Node-side pack loading: reads the pack file and its model from disk. */
import { readFileSync } from "node:fs";
import { loadDefaultPack, loadPackFromString, type RulePack } from "../../rules";

/**
 * Loads a pack file (YAML or JSON), or the built-in default when `path` is undefined.
 *
 * @example
 * const pack = loadPackFile("rules/team.yaml");
 */
export function loadPackFile(path: string | undefined): RulePack {
  if (!path) return loadDefaultPack();
  const source = readFileSync(path, "utf8");
  return loadPackFromString(source, path, { readModel: (p) => JSON.parse(readFileSync(p, "utf8")) as unknown });
}

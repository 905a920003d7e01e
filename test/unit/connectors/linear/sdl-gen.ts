/**
 * Builds the description-free SDL that the sandbox imports
 * (`sandbox/linear/schema/sdl.ts`) from the schema copy. Used by
 * `schema.test.ts` to check the module is current, and to regenerate it:
 * `UPDATE_LINEAR_SDL=1 npx vitest run --project unit test/unit/connectors/linear/schema.test.ts`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, print, visit } from "graphql";

export const SCHEMA_PATH = new URL("../../../../sandbox/linear/schema/linear.graphql", import.meta.url);
export const SDL_MODULE_PATH = new URL("../../../../sandbox/linear/schema/sdl.ts", import.meta.url);

export function readSchemaText(): string {
  return readFileSync(fileURLToPath(SCHEMA_PATH.href), "utf8");
}

export function compactSdl(schemaText: string): string {
  const doc = visit(parse(schemaText), {
    enter(node) {
      if ("description" in node && node.description) return { ...node, description: undefined };
      return undefined;
    },
  });
  return print(doc);
}

export function sdlModule(sdl: string): string {
  return [
    "// Generated from linear.graphql (descriptions stripped) by test/unit/connectors/linear/sdl-gen.ts. Do not edit.",
    "// Source: the linear/linear repository (MIT), see README.md.",
    `export const LINEAR_SDL: string = ${JSON.stringify(sdl)};`,
    "",
  ].join("\n");
}

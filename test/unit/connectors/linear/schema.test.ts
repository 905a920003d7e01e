import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LINEAR_SDL } from "../../../../sandbox/linear/schema/sdl";
import { compactSdl, readSchemaText, sdlModule, SDL_MODULE_PATH } from "./sdl-gen";

describe("the sandbox's compact Linear SDL", () => {
  it("matches the schema copy (regenerate with UPDATE_LINEAR_SDL=1)", () => {
    const fresh = compactSdl(readSchemaText());
    if (process.env.UPDATE_LINEAR_SDL === "1" && fresh !== LINEAR_SDL) writeFileSync(fileURLToPath(SDL_MODULE_PATH.href), sdlModule(fresh));
    else expect(fresh === LINEAR_SDL, "sandbox/linear/schema/sdl.ts is stale").toBe(true);
  });
});

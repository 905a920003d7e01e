/** Builds the CLI into dist/cli once per run: the CLI tests run the compiled bin, as users do. */
// @ts-expect-error -- a plain .mjs build script without type declarations
import { buildCli } from "../../../scripts/build-cli.mjs";

export default async function setup(): Promise<void> {
  await buildCli({ quiet: true });
}

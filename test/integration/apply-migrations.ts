import { applyD1Migrations, env, type D1Migration } from "cloudflare:test";
import type { Env as AppEnvBindings } from "../../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends AppEnvBindings {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

// Setup files run outside per-test storage isolation; applyD1Migrations only applies what is missing.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

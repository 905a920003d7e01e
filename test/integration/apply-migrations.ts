import { applyD1Migrations, env } from "cloudflare:test";

declare module "cloudflare:test" {
  interface ProvidedEnv {
    DB: D1Database;
    SYNC_QUEUE: Queue;
    TEST_MIGRATIONS: D1Migration[];
  }
}

// Setup files run outside per-test storage isolation; applyD1Migrations only applies what is missing.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

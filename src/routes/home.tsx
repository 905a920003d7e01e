/** The landing page. Later issues hang the onboarding flow and the report off it. */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { findDemoWorkspace } from "../db/workspaces";

/** A small SVG mark: a bar chart whose tallest bar is the constraint. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f3a5f"/><rect x="3" y="9" width="2" height="4" fill="#9fb8d6"/><rect x="7" y="3" width="2" height="10" fill="#ffb347"/><rect x="11" y="7" width="2" height="6" fill="#9fb8d6"/></svg>`;

const favicon = (c: import("hono").Context<AppEnv>) => c.body(FAVICON, 200, { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" });

export const homeRoutes = new Hono<AppEnv>()
  .get("/favicon.ico", favicon)
  .get("/favicon.svg", favicon)
  .get("/", async (c) => {
    const demo = await findDemoWorkspace(c.env.DB);
    const nonce = c.get("secureHeadersNonce");
    return c.html(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Backlog Auditor</title>
          <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
          <style
            nonce={nonce}
          >{`body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}h1{font-size:1.8rem}a{color:#0b57d0}`}</style>
        </head>
        <body>
          <main>
            <h1>Backlog Auditor</h1>
            <p>Is your backlog working on your real bottleneck, or has it drifted into a wish list?</p>
            {demo ? (
              <p data-testid="demo-workspace">
                Demo workspace: <strong>{demo.name}</strong>
              </p>
            ) : (
              <p data-testid="no-demo">
                No demo workspace yet: run <code>npm start</code> to seed one.
              </p>
            )}
            <p>
              <a href="/health">Service health</a>
            </p>
          </main>
        </body>
      </html>,
    );
  });

/**
 * Launches Debian's Chromium headless through playwright-core, with the flags
 * this closed network needs. Playwright gives every launch a fresh temporary
 * profile (its own --user-data-dir), so no state leaks between runs.
 */
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export const ARTIFACTS = join(process.cwd(), "test-artifacts");

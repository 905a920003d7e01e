/** @jsxImportSource hono/jsx */
import type { Child, FC } from "hono/jsx";
import { raw } from "hono/html";
import { REPORT_CSS } from "./styles";

export interface NavLink {
  href: string;
  label: string;
  current?: boolean;
}

export interface LayoutProps {
  title: string;
  /** CSP nonce for the single inline `<style>`. */
  nonce?: string;
  /** Links for the header nav. */
  nav?: NavLink[];
  /** Extra header content (e.g. a sign-out form), right of the nav. */
  headerSlot?: Child;
  footer?: Child;
  /** Extra CSS (static text only, never user input). */
  css?: string;
  children?: Child;
}

/**
 * The page shell every server-rendered page can reuse: doctype, head with one
 * nonce'd `<style>`, a skip link, header with nav, `<main>` and a footer.
 *
 * @example
 * c.html(<Layout title="Settings" nonce={nonce} nav={[{ href: "/", label: "Audits" }]}><h1>Settings</h1></Layout>)
 */
export const Layout: FC<LayoutProps> = ({ title, nonce, nav = [], headerSlot, footer, css = "", children }) => (
  <>
    {raw("<!DOCTYPE html>")}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        {/* Static CSS only: no issue text ever reaches this string. */}
        <style nonce={nonce} dangerouslySetInnerHTML={{ __html: REPORT_CSS + css }} />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site-header">
          <a class="brand" href="/">
            Backlog Auditor
          </a>
          {nav.length > 0 && (
            <nav aria-label="Main">
              <ul>
                {nav.map((l) => (
                  <li>
                    <a href={l.href} aria-current={l.current ? "page" : undefined}>
                      {l.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {headerSlot}
        </header>
        <main id="main">{children}</main>
        <footer class="site-footer">{footer ?? <p>Backlog Auditor: is your backlog working on your real bottleneck?</p>}</footer>
      </body>
    </html>
  </>
);

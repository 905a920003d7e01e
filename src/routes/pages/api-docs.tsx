/** @jsxImportSource hono/jsx */
/**
 * `/api/docs`: a readable API reference rendered on the server from the same
 * OpenAPI document as `/openapi.json` (built once per isolate). No script.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { createApi, openApiDocument } from "../api/index";
import { renderPage } from "./shell";

type Json = Record<string, unknown>;
type Doc = ReturnType<typeof openApiDocument>;

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

let cached: { version: string; doc: Doc } | null = null;

/** The OpenAPI document for this version, built on first use and kept for the isolate's life. */
export function apiDocument(version: string): Doc {
  if (!cached || cached.version !== version) cached = { version, doc: openApiDocument(createApi(), version) };
  return cached.doc;
}

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A short name for a schema: the component name of a `$ref`, `Name[]` for
 * arrays, the type (with enum values) otherwise.
 *
 * @example
 * schemaName({ $ref: "#/components/schemas/Settings" }); // "Settings"
 */
export function schemaName(s: unknown): string {
  if (!isObj(s)) return "any";
  if (typeof s.$ref === "string") return s.$ref.split("/").pop() ?? s.$ref;
  if (s.type === "array") return `${schemaName(s.items)}[]`;
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.type === "object" && isObj(s.properties)) return `{ ${Object.keys(s.properties).join(", ")} }`;
  if (Array.isArray(s.type)) return s.type.join(" | ");
  if (typeof s.type === "string") return s.type;
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) return ((s.anyOf ?? s.oneOf) as unknown[]).map(schemaName).join(" | ");
  return "object";
}

interface Operation {
  method: string;
  path: string;
  tag: string;
  summary: string;
  parameters: Array<{ name: string; in: string; required: boolean; type: string; description: string }>;
  body: Array<{ contentType: string; schema: string }>;
  responses: Array<{ code: string; description: string; schemas: string[] }>;
}

export function operationsOf(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!isObj(op)) continue;
      const params = (Array.isArray(op.parameters) ? op.parameters : []).filter(isObj);
      const body = isObj(op.requestBody) && isObj(op.requestBody.content) ? op.requestBody.content : {};
      const responses = isObj(op.responses) ? op.responses : {};
      out.push({
        method,
        path,
        tag: Array.isArray(op.tags) && typeof op.tags[0] === "string" ? op.tags[0] : "other",
        summary: typeof op.summary === "string" ? op.summary : "",
        parameters: params.map((p) => ({
          name: String(p.name ?? ""),
          in: String(p.in ?? ""),
          required: p.required === true,
          type: schemaName(p.schema),
          description:
            typeof p.description === "string" ? p.description : isObj(p.schema) && typeof p.schema.description === "string" ? p.schema.description : "",
        })),
        body: Object.entries(body).map(([contentType, m]) => ({ contentType, schema: isObj(m) ? schemaName(m.schema) : "any" })),
        responses: Object.entries(responses).map(([code, r]) => ({
          code,
          description: isObj(r) && typeof r.description === "string" ? r.description : "",
          schemas: isObj(r) && isObj(r.content) ? Object.entries(r.content).map(([t, m]) => `${t}: ${isObj(m) ? schemaName(m.schema) : "any"}`) : [],
        })),
      });
    }
  }
  return out;
}

/** Description text with its `code` spans as `<code>` (text only, escaped by hono/jsx). */
export function Described({ text }: { text: string }) {
  return <>{text.split("`").map((part, i) => (i % 2 === 1 ? <code>{part}</code> : part))}</>;
}

const anchor = (o: Operation) => `${o.method}-${o.path}`.replace(/[^A-Za-z0-9]+/g, "-").replace(/-+$/, "");

function OperationView({ o }: { o: Operation }) {
  return (
    <article class="op" id={anchor(o)} data-testid="api-operation">
      <h3>
        <span class="method">{o.method}</span> <code>{o.path}</code>
      </h3>
      <p>
        <Described text={o.summary} />
      </p>
      {o.parameters.length > 0 && (
        <table>
          <caption>Parameters</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">In</th>
              <th scope="col">Type</th>
              <th scope="col">Required</th>
              <th scope="col">Description</th>
            </tr>
          </thead>
          <tbody>
            {o.parameters.map((p) => (
              <tr>
                <td>
                  <code>{p.name}</code>
                </td>
                <td>{p.in}</td>
                <td>{p.type}</td>
                <td>{p.required ? "yes" : "no"}</td>
                <td>
                  <Described text={p.description} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {o.body.length > 0 && (
        <p>
          Request body:{" "}
          {o.body.map((b, i) => (
            <>
              {i > 0 ? ", " : ""}
              <code>{b.schema}</code> <span class="muted">({b.contentType})</span>
            </>
          ))}
        </p>
      )}
      <table>
        <caption>Responses</caption>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Description</th>
            <th scope="col">Body</th>
          </tr>
        </thead>
        <tbody>
          {o.responses.map((r) => (
            <tr>
              <td>{r.code}</td>
              <td>{r.description}</td>
              <td>{r.schemas.join("; ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

/** GET /api/docs */
export function apiDocsPage(c: Context<AppEnv>) {
  const doc = apiDocument(c.env.APP_VERSION ?? "dev");
  const ops = operationsOf(doc);
  const tags = [...new Set(ops.map((o) => o.tag))];
  const schemas = isObj(doc.components) && isObj(doc.components.schemas) ? Object.entries(doc.components.schemas as Json) : [];
  return renderPage(c, {
    title: "API reference",
    children: (
      <>
        <h1>API reference</h1>
        <p>
          {doc.info.title} {doc.info.version}. <Described text={doc.info.description ?? ""} />
        </p>
        <p>
          Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Authenticate with an API token from a workspace's API tokens page, sent as{" "}
          <code>Authorization: Bearer ba_…</code>; a browser session works too, with the <code>x-csrf-token</code> header on changes.
        </p>
        <nav aria-label="API sections">
          <ul>
            {tags.map((t) => (
              <li>
                <a href={`#tag-${t}`}>{t}</a>
              </li>
            ))}
            <li>
              <a href="#schemas">Schemas</a>
            </li>
          </ul>
        </nav>
        {tags.map((t) => (
          <section aria-labelledby={`tag-${t}`}>
            <h2 id={`tag-${t}`}>{t}</h2>
            {ops
              .filter((o) => o.tag === t)
              .map((o) => (
                <OperationView o={o} />
              ))}
          </section>
        ))}
        <section aria-labelledby="schemas">
          <h2 id="schemas">Schemas</h2>
          {schemas.map(([name, s]) => (
            <details>
              <summary>
                <code>{name}</code>
              </summary>
              {isObj(s) && isObj(s.properties) ? (
                <ul>
                  {Object.entries(s.properties).map(([k, p]) => (
                    <li>
                      <code>{k}</code>: {schemaName(p)}
                      {isObj(p) && typeof p.description === "string" ? (
                        <span class="muted">
                          {" — "}
                          <Described text={p.description} />
                        </span>
                      ) : null}
                    </li>
                  ))}
                </ul>
              ) : (
                <p>{schemaName(s)}</p>
              )}
            </details>
          ))}
        </section>
      </>
    ),
  });
}

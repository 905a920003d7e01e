/**
 * Serves fetch-style handlers (the sandbox trackers) over Node's HTTP server,
 * for `npm start` and the benchmarks. Node-only: never imported by the Worker.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export type FetchHandler = (req: Request) => Promise<Response> | Response;

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = chunks.length ? Buffer.concat(chunks) : undefined;
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
    else if (v !== undefined) headers.set(k, v);
  }
  const method = req.method ?? "GET";
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : body,
  });
}

async function writeResponse(res: ServerResponse, r: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  r.headers.forEach((v, k) => {
    if (k === "set-cookie") return;
    headers[k] = v;
  });
  const cookies = r.headers.getSetCookie?.() ?? [];
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(r.status, headers);
  res.end(Buffer.from(await r.arrayBuffer()));
}

/** Start a server on host:port that routes every request to `handler`. */
export function serve(handler: FetchHandler, port: number, host = "127.0.0.1"): Promise<Server> {
  const origin = `http://${host}:${port}`;
  const server = createServer(async (req, res) => {
    try {
      await writeResponse(res, await handler(await toRequest(req, origin)));
    } catch (e) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "sandbox_error", message: (e as Error).message } }));
    }
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

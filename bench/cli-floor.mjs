/**
 * The parse-only floor for `backlog-audit classify`: the same streaming I/O as the CLI
 * (64 KiB reads, lines split per chunk, one write per chunk), and per line only
 * `JSON.parse` and writing `{"id","constraint":null}`.
 *   node bench/cli-floor.mjs FILE > out.jsonl
 */
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

const decoder = new StringDecoder("utf8");
const out = process.stdout;
let rest = "";
for await (const chunk of createReadStream(process.argv[2], { highWaterMark: 1 << 16 })) {
  const text = rest + decoder.write(chunk);
  let start = 0;
  let buf = "";
  for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
    const line = text.slice(start, nl);
    start = nl + 1;
    if (line.trim() === "") continue;
    buf += JSON.stringify({ id: JSON.parse(line).id, constraint: null }) + "\n";
  }
  rest = text.slice(start);
  if (buf && !out.write(buf)) await new Promise((resolve) => out.once("drain", resolve));
}

import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readLines } from "../../../src/cli/classify-command";

async function collect(chunks: Array<string | Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of readLines(Readable.from(chunks))) out.push(line);
  return out;
}

describe("readLines", () => {
  it.each([
    ["one chunk", ["a\nb\n"], ["a", "b"]],
    ["no trailing newline", ["a\nb"], ["a", "b"]],
    ["CRLF", ["a\r\nb\r\n"], ["a", "b"]],
    ["line split across chunks", ["ab", "c\nd", "e\n"], ["abc", "de"]],
    ["CRLF split across chunks", ["a\r", "\nb"], ["a", "b"]],
    ["blank lines kept", ["a\n\nb\n"], ["a", "", "b"]],
  ] as const)("%s", async (_n, chunks, lines) => {
    expect(await collect([...chunks])).toEqual(lines);
  });

  it("decodes UTF-8 split inside a character", async () => {
    const bytes = Buffer.from("é\n");
    expect(await collect([bytes.subarray(0, 1), bytes.subarray(1)])).toEqual(["é"]);
  });
});

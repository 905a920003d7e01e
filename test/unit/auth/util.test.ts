import { describe, expect, it } from "vitest";
import { safeRedirectPath, timingSafeEqual } from "../../../src/auth/util";

describe("safeRedirectPath", () => {
  it.each([
    ["/w/ws_1", "/w/ws_1"],
    ["/w/ws_1/members?tab=1#x", "/w/ws_1/members?tab=1#x"],
    ["/invite/bai_abc", "/invite/bai_abc"],
    ["/a/../b", "/b"],
    ["//evil.example", null],
    ["/\\evil.example", null],
    ["https://evil.example/", null],
    ["javascript:alert(1)", null],
    ["w/relative", null],
    ["/a\nb", null],
    ["/a\tb", null],
    ["", null],
    [null, null],
    [undefined, null],
    ["/" + "a".repeat(1001), null],
  ])("%j → %j", (input, expected) => {
    expect(safeRedirectPath(input)).toBe(expected);
  });
});

describe("timingSafeEqual", () => {
  it.each([
    ["abc", "abc", true],
    ["abc", "abd", false],
    ["abc", "abcd", false],
    ["", "", true],
    ["", "a", false],
    ["a", "", false],
    ["é", "e", false],
  ])("%j vs %j → %s", (a, b, expected) => {
    expect(timingSafeEqual(a, b)).toBe(expected);
  });
});

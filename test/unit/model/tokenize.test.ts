import { describe, expect, it } from "vitest";
import { cleanBody, normalizeWord, stem, tokenize } from "../../../rules/model/index";

describe("stem", () => {
  it.each([
    ["onboarding", "onboard"],
    ["upgrade", "upgrad"],
    ["upgraded", "upgrad"],
    ["upgrades", "upgrad"],
    ["upgrading", "upgrad"],
    ["queries", "query"],
    ["users", "user"],
    ["processes", "process"],
    ["stopped", "stop"],
    ["slowly", "slow"],
    ["status", "status"],
    ["access", "access"],
    ["bug", "bug"],
  ])("%s -> %s", (word, expected) => {
    expect(stem(word)).toBe(expected);
  });
});

describe("normalizeWord", () => {
  it.each([
    ["the", null],
    ["would", null],
    ["please", null],
    ["123", null],
    ["v2", null],
    ["deadbeef01", null],
    ["abc123def", null],
    ["x", null],
    ["add_to_log", null],
    ["cant", "not"],
    ["never", "not"],
    ["doesn", "not"], // "doesn't" arrives split at the apostrophe
    ["didn", "not"],
    ["signing", "sign"],
  ])("%s -> %s", (word, expected) => {
    expect(normalizeWord(word)).toBe(expected);
  });
});

describe("tokenize", () => {
  it("lowercases, stems and drops stopwords", () => {
    expect(tokenize("The Dashboards are Loading SLOWLY")).toEqual(["dashboard", "load", "slow"]);
  });

  it("drops URLs, e-mails, mentions, paths, numbers, hex and ids", () => {
    const text =
      "See https://example.com/a/b and www.example.org, write to jane@example.com or @bob, " +
      "file /home/self-hosted/.env and src/lib/util.ts, build 1234 sha 9f8e7d6c id ABC-123 [image] crash";
    expect(tokenize(text)).toEqual(["writ", "file", "build", "sha", "id", "abc", "crash"]);
  });

  it("keeps single-slash words such as CI/CD", () => {
    expect(tokenize("Improve CI/CD")).toEqual(["improv", "ci", "cd"]);
  });

  it("splits words like the rules engine does: at apostrophes, and keeps accented words whole", () => {
    expect(tokenize("Doesn't load the café's menü")).toEqual(["not", "load", "café", "menü"]);
  });

  it("skips the parts of snake_case identifiers but not _emphasis_", () => {
    expect(tokenize("set max_retry_count for _retries_")).toEqual(["set", "retry"]);
  });
});

describe("cleanBody", () => {
  it.each([
    ["fenced code block", "Broken.\n```js\nconst onboarding = 1;\n```\nCrash", ["broken", "crash"]],
    ["Jira noformat block", "Broken {noformat}at org.Foo.bar(Foo.java:1){noformat} crash", ["broken", "crash"]],
    ["stack trace lines", "Crash on save\n    at com.acme.Save.run(Save.java:42)\nCaused by: java.lang.NullPointerException: boom", ["crash", "save"]],
    ["Python traceback", 'Crash\nTraceback (most recent call last):\n  File "app.py", line 3, in <module>', ["crash"]],
    ["log lines", "Slow\n2024-05-01 12:00:01 INFO upgrading schema\n[ERROR] pipeline failed", ["slow"]],
    ["quoted replies", "Confirmed.\n> onboarding is hard\n> very hard", ["confirm"]],
    ["HTML comments", "<!-- Please describe your onboarding problem -->Timeout", ["timeout"]],
    ["template checkboxes", "- [X] I have searched the existing issues\n- [ ] Onboarding\nSignup fails", ["signup", "fail"]],
  ])("strips %s", (_name, body, expected) => {
    expect(tokenize(cleanBody(body))).toEqual(expected);
  });
});

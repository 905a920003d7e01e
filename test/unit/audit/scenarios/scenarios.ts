/**
 * Twelve backlogs, each with the answer a seasoned product leader would give
 * and the reason, written beside it. Texts are real issues (texts.jsonl); the
 * flows around them are written to tell one story each.
 */
import { ago, Backlog, customer, link, spread, type Scenario } from "./build";

const zendesk = (n: number) => link(`https://acme.zendesk.com/agent/tickets/${40_000 + n}`);
const intercom = (n: number) => link(`https://app.intercom.com/a/inbox/acme/inbox/conversation/${9_000 + n}`);
const sentry = (n: number) => link(`https://acme.sentry.io/issues/${5_100_000 + n}/`);
const pagerduty = (n: number) => link(`https://acme.pagerduty.com/incidents/Q${1000 + n}`);
const cycle = (state: "active" | "closed" = "active", n = 30) => ({
  kind: "cycle" as const,
  id: `cy-${n}`,
  name: `Cycle ${n}`,
  state,
  startsAt: ago(7),
  endsAt: ago(-7),
});
const sprint = (n = 41) => ({ kind: "sprint" as const, id: `sp-${n}`, name: `Sprint ${n}`, state: "active" as const, startsAt: ago(5), endsAt: ago(-9) });
const milestone = { kind: "milestone" as const, id: "m-7", name: "v2.7", state: "active" as const, startsAt: null, endsAt: ago(-20) };

/** 1. A reliability fire behind a feature-heavy backlog. */
function reliabilityFire(): Scenario {
  const b = new Backlog("linear");
  b.add("adoption", 120, { created: spread(120, 5, 400) }); // the wish list: quiet feature requests, filed steadily
  b.add("adoption", 8, { created: spread(8, 10, 60), iteration: cycle(), estimate: 3 }); // what the cycle is spent on
  b.add("reliability", 12, {
    created: spread(12, 3, 70),
    each: (i) => ({ priority: i < 4 ? 1 : 2, links: [sentry(i), ...(i % 2 ? [zendesk(i)] : [])], reactions: 2 + i }),
  });
  b.add("reliability", 4, { created: spread(4, 20, 80), closedAfter: 6, each: (i) => ({ reopenedCount: i < 2 ? 1 : 0 }) });
  b.add("reliability", 2, { created: 30, iteration: cycle(), estimate: 2, priority: 1, links: [pagerduty(1)] });
  return {
    name: "reliability fire behind a feature-heavy backlog",
    kind: "reliability fire",
    expect: { constraint: "reliability", drift: "drifted" },
    reason:
      "Eighteen reliability issues against 128 feature requests, but the bugs are urgent, linked to Sentry, PagerDuty and Zendesk, arriving faster than they close, and two fixes reopened. The features have no customer behind them. The fire is reliability; a cycle spent 86% on features has drifted.",
    rows: b.rows,
  };
}

/** 2. Volume says adoption; customers hurt at activation. */
function activationHurts(): Scenario {
  const b = new Backlog("linear");
  b.add("adoption", 90, { created: spread(90, 2, 300), each: (i) => ({ reactions: i % 10 === 0 ? 2 : 0 }) });
  b.add("adoption", 3, { created: 40, iteration: cycle(), estimate: 3 });
  b.add("activation", 7, {
    created: spread(7, 4, 50),
    each: (i) => ({
      customerRequests: [
        customer(
          ["Initech", "Hooli", "Vandelay", "Pied Piper", "Globex", "Umbrella", "Stark"][i]!,
          [120_000, 80_000, 45_000, 200_000, 60_000, 30_000, 150_000][i]!,
          i % 3 === 0 ? "Enterprise trial" : "Trial",
        ),
      ],
      links: [intercom(i)],
    }),
  });
  b.add("activation", 5, { created: 20, iteration: cycle(), estimate: 3, links: [intercom(20)] });
  b.add("activation", 3, { created: spread(3, 60, 80), closedAfter: 25 });
  return {
    name: "adoption by volume, activation where customers hurt",
    kind: "volume is adoption, pain is activation",
    expect: { constraint: "activation", drift: "watch" },
    reason:
      "Ninety feature requests make adoption look big, but none has a customer asking. Seven trial accounts worth $685k in pipeline are stuck in setup and signup, each with an Intercom thread, and setup fixes take weeks to close. Activation is the bottleneck; the cycle leans toward it but three of eight items are still features, so watch.",
    rows: b.rows,
  };
}

/** 3. A team drowning in manual operations. */
function drowningInOps(): Scenario {
  const b = new Backlog("jira", "OPS");
  b.add("adoption", 40, { created: spread(40, 10, 360) });
  b.add("adoption", 2, { created: 30, iteration: sprint(), estimate: 3 });
  b.add("operations", 18, { created: spread(18, 2, 85), each: (i) => ({ links: [zendesk(100 + i)], watchers: 3 }) }); // still open
  b.add("operations", 8, { created: spread(8, 20, 85), closedAfter: 4, links: [zendesk(200)] }); // the few the team closed
  b.add("operations", 6, { created: 25, iteration: sprint(), estimate: 2, links: [zendesk(300)] });
  b.add("reliability", 6, { created: spread(6, 30, 200) });
  b.add("reliability", 4, { created: spread(4, 20, 80), closedAfter: 5 });
  return {
    name: "a team drowning in manual operations",
    kind: "manual operations",
    expect: { constraint: "operations", drift: "aligned" },
    reason:
      "Support keeps filing requests for manual fixes, imports and admin work, each tied to a Zendesk ticket: 32 arrived in 90 days and 8 closed, so the queue grows every week and ages past its usual four days. Operations is the constraint, and a sprint that is 75% operations tooling is aligned.",
    rows: b.rows,
  };
}

/** 4. Throughput collapses through carry-over. */
function carryOverCollapse(): Scenario {
  const b = new Backlog("jira", "PLAT");
  const sp = sprint(44);
  // Before: a team closing ~40 items a quarter in about four days each.
  b.add("adoption", 30, { created: spread(30, 100, 175), closedAfter: 6, startedBefore: 4 });
  b.add("reliability", 10, { created: spread(10, 100, 175), closedAfter: 5, startedBefore: 3 });
  // Now: fewer closes, each slower, and most sprint work carried from sprint to sprint.
  b.add("adoption", 12, { created: spread(12, 40, 85), closedAfter: 30, startedBefore: 14, carriedOver: 2 });
  b.add("adoption", 10, { created: spread(10, 20, 60), iteration: sp, estimate: 5, carriedOver: 2 });
  b.add("adoption", 2, { created: 10, iteration: sp, estimate: 3 });
  b.add("reliability", 3, { created: spread(3, 20, 50), iteration: sp, estimate: 3, carriedOver: 1 });
  b.add("throughput", 4, { created: spread(4, 60, 200) });
  b.add("adoption", 30, { created: spread(30, 10, 300) });
  return {
    name: "throughput collapses through carry-over",
    kind: "carry-over collapse",
    expect: { constraint: "throughput", drift: "drifted" },
    reason:
      "Nobody filed a ticket about it, but every sprint now carries most of its work into the next: 25 of 27 sprint items were carried, cycle time went from 4 to 14 days and closes fell from 40 to 12 a quarter. The constraint is the team's cost of change (throughput), and a sprint planned as features on top of it has drifted.",
    rows: b.rows,
  };
}

/** 5. A truly balanced backlog. */
function balanced(): Scenario {
  const b = new Backlog("linear");
  const constraints = ["activation", "adoption", "reliability", "operations", "throughput"] as const;
  constraints.forEach((c, k) => {
    b.add(c, 8, { created: spread(8, 5, 200) });
    b.add(c, 6, { created: spread(6, 15, 85), closedAfter: 8 });
    b.add(c, 1, { created: 20, priority: 2, links: [zendesk(500 + k)] });
    b.add(c, 1, { created: 12, iteration: cycle(), estimate: 3 });
  });
  return {
    name: "a truly balanced backlog",
    kind: "balanced: no clear bottleneck",
    expect: { constraint: null, drift: "unknown" },
    reason:
      "Every constraint has a little of everything: one high-priority item with a support ticket, work closing as fast as it arrives, nothing aging or carried. Nothing shouts. A product leader would not bet 90 days on any one constraint; they would say 'no clear bottleneck' and go find customer and usage evidence first.",
    rows: b.rows,
  };
}

/** 6. Declared focus contradicted by the evidence. */
function focusContradicted(): Scenario {
  const b = new Backlog("linear");
  b.add("adoption", 30, { created: spread(30, 5, 250) });
  b.add("adoption", 6, { created: 20, iteration: cycle(), estimate: 5 });
  b.add("reliability", 6, {
    created: spread(6, 3, 40),
    each: (i) => ({
      priority: 1,
      links: [pagerduty(10 + i), zendesk(600 + i)],
      customerRequests: [customer(["Acme Bank", "Northwind", "Contoso"][i % 3]!, 400_000, "Enterprise")],
    }),
  });
  b.add("reliability", 3, { created: spread(3, 30, 80), closedAfter: 5, reopenedCount: 1 });
  b.add("reliability", 1, { created: 15, iteration: cycle(), estimate: 3, priority: 1 });
  return {
    name: "declared focus (adoption) contradicted by the evidence",
    kind: "declared focus contradicted",
    settings: { focus: "adoption" },
    expect: { constraint: "reliability", drift: "drifted" },
    reason:
      "The team says its focus is adoption, and its cycle is 91% features. But three enterprise customers are escalating outages through PagerDuty and Zendesk, the fixes reopen, and none of that is planned. The evidence points to reliability; the report must say the declared focus disagrees, and the plan has drifted.",
    rows: b.rows,
  };
}

/** 7. A quiet wish list: nothing but feature requests, no evidence. */
function quietWishList(): Scenario {
  const b = new Backlog("github");
  b.add("adoption", 80, { created: spread(80, 3, 500) });
  b.add("reliability", 10, { created: spread(10, 10, 300) });
  b.add("adoption", 5, { created: 30, iteration: milestone, assignees: ["dev1"] });
  return {
    name: "a quiet wish list",
    kind: "thin evidence",
    expect: { constraint: null, drift: "unknown" },
    reason:
      "Ninety issues, no reactions, no duplicates, nothing urgent, nothing linked to a customer, nothing closing or aging against a norm. Counting them would crown adoption; a product leader would say the backlog cannot tell yet, and ask for customer and usage evidence.",
    rows: b.rows,
  };
}

/** 8. A team already on its bottleneck. */
function alignedReliability(): Scenario {
  const b = new Backlog("linear");
  b.add("reliability", 10, { created: spread(10, 5, 60), each: (i) => ({ priority: i < 3 ? 1 : 2, links: [sentry(100 + i)] }) });
  b.add("reliability", 6, { created: 15, iteration: cycle(), estimate: 3, priority: 2, links: [sentry(200)] });
  b.add("adoption", 20, { created: spread(20, 10, 300) });
  b.add("adoption", 1, { created: 25, iteration: cycle(), estimate: 3 });
  return {
    name: "a team already working on its bottleneck",
    kind: "aligned",
    expect: { constraint: "reliability", drift: "aligned" },
    reason:
      "Urgent, Sentry-linked reliability issues outweigh a quiet pile of feature ideas, and 18 of 21 planned points are reliability. The team is on its bottleneck: hold the line.",
    rows: b.rows,
  };
}

/** 9. Self-hosted install failures pile up (GitHub: reactions and duplicates). */
function installFailures(): Scenario {
  const b = new Backlog("github");
  b.add("adoption", 50, { created: spread(50, 5, 400), each: (i) => ({ reactions: i % 7 === 0 ? 1 : 0 }) });
  b.add("activation", 9, { created: spread(9, 5, 80), each: (i) => ({ reactions: 8 + 3 * i, duplicateCount: i % 3 === 0 ? 2 : 0 }) });
  b.add("activation", 3, { created: spread(3, 40, 85), closedAfter: 20 });
  b.add("activation", 2, { created: 15, iteration: milestone, assignees: ["dev1"] });
  b.add("adoption", 2, { created: 20, iteration: milestone, assignees: ["dev2"] });
  return {
    name: "self-hosted install failures pile up",
    kind: "volume is adoption, pain is activation (GitHub)",
    expect: { constraint: "activation", drift: "watch" },
    reason:
      "On GitHub there are no customer records, but the crowd votes: install and setup failures collect dozens of reactions and duplicate reports while feature ideas collect none, and they arrive faster than they are fixed. Activation is the bottleneck; a milestone split half and half deserves a watch.",
    rows: b.rows,
  };
}

/** 10. Adoption really is the bottleneck: revenue behind the feature asks, quiet bugs by volume. */
function adoptionWithRevenue(): Scenario {
  const b = new Backlog("linear");
  b.add("reliability", 70, { created: spread(70, 5, 400), priority: 4 }); // low-priority papercuts
  b.add("reliability", 20, { created: spread(20, 10, 85), closedAfter: 3 });
  b.add("adoption", 6, {
    created: spread(6, 10, 70),
    each: (i) => ({
      customerRequests: [
        customer(["Wayne Enterprises", "Tyrell", "Cyberdyne"][i % 3]!, 750_000, "Enterprise", 2000),
        customer(["Soylent", "Oscorp"][i % 2]!, 300_000, "Growth", 300),
      ],
    }),
  });
  b.add("adoption", 5, { created: 25, iteration: cycle(), estimate: 5, customerRequests: [customer("Wayne Enterprises", 750_000, "Enterprise")] });
  b.add("reliability", 1, { created: 12, iteration: cycle(), estimate: 2 });
  return {
    name: "adoption with revenue behind it, reliability by volume",
    kind: "structured customer evidence beats volume",
    expect: { constraint: "adoption", drift: "aligned" },
    reason:
      "Ninety reliability papercuts are filed and closed routinely within days; nobody escalates them. Meanwhile five expansion accounts worth $2.8M ask for the same workflow features. Adoption is the bottleneck and the cycle is on it.",
    rows: b.rows,
  };
}

/** 11. The 30/60/90 loop: reliability work shipped and the pain fell; time to move on. */
function moveOn(): Scenario {
  const b = new Backlog("linear");
  // Before the focus began (100 days ago): reliability pain arriving ~6 a month.
  b.add("reliability", 18, { created: spread(18, 105, 188), closedAfter: 10, each: (i) => ({ links: [zendesk(700 + i)] }) });
  // Since: shipped, and only a trickle of new reliability reports.
  b.add("reliability", 14, { created: spread(14, 40, 99), closedAfter: 8 });
  b.add("reliability", 2, { created: spread(2, 10, 50), links: [zendesk(800)] });
  b.add("reliability", 4, { created: 20, iteration: cycle(), estimate: 3 });
  // Now activation hurts: trials stuck in setup, arriving fast.
  b.add("activation", 8, {
    created: spread(8, 3, 45),
    each: (i) => ({ customerRequests: [customer(`Trial ${i + 1}`, 40_000, "Trial")], links: [intercom(50 + i)] }),
  });
  b.add("adoption", 25, { created: spread(25, 10, 300) });
  return {
    name: "the 30/60/90 loop says move on",
    kind: "follow-up: move on",
    settings: { focus: "reliability", focusSince: ago(100) },
    expect: { constraint: "activation", drift: "drifted" },
    reason:
      "The team chose reliability 100 days ago and shipped 16 fixes; customer-reported reliability issues fell from six a month to under one. Meanwhile trial accounts pile up in setup. At 90 days: move on to activation. The cycle is still all reliability, so it has drifted from the new bottleneck.",
    rows: b.rows,
  };
}

/** 12. Two constraints burning equally: split. */
function split(): Scenario {
  const b = new Backlog("jira", "APP");
  b.add("reliability", 5, { created: spread(5, 5, 60), priority: 2, links: [zendesk(900)] });
  b.add("activation", 5, { created: spread(5, 5, 60), priority: 2, links: [intercom(900)] });
  b.add("adoption", 40, { created: spread(40, 5, 300) });
  b.add("reliability", 2, { created: 10, iteration: sprint(), estimate: 3 });
  b.add("activation", 2, { created: 10, iteration: sprint(), estimate: 3 });
  return {
    name: "reliability and activation burn equally",
    kind: "split: no clear bottleneck",
    expect: { constraint: null, drift: "unknown" },
    reason:
      "Five support-linked, high-priority issues each on reliability and activation, arriving at the same pace. Picking one would be a coin toss; the honest answer is 'no clear bottleneck between reliability and activation', and the next step is finding which one customers feel more.",
    rows: b.rows,
  };
}

export const SCENARIOS: Scenario[] = [
  reliabilityFire(),
  activationHurts(),
  drowningInOps(),
  carryOverCollapse(),
  balanced(),
  focusContradicted(),
  quietWishList(),
  alignedReliability(),
  installFailures(),
  adoptionWithRevenue(),
  moveOn(),
  split(),
];

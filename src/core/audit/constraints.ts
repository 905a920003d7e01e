import type { Constraint } from "../../../domain/types";

/** The constraint table from the product brief: what it looks like and what to improve first. */
export const CONSTRAINT_GUIDE: Record<Constraint, { label: string; looksLike: string; improveFirst: string }> = {
  activation: {
    label: "Activation",
    looksLike: "users sign up but never reach first value",
    improveFirst: "onboarding, setup, empty states and time-to-value",
  },
  adoption: {
    label: "Adoption",
    looksLike: "users ignore the feature that should drive retention and expansion",
    improveFirst: "workflow clarity, discoverability, usage prompts and the pricing/upgrade path",
  },
  reliability: {
    label: "Reliability",
    looksLike: "the product is slow, fragile or inconsistent",
    improveFirst: "bugs, performance, observability, tests and data integrity",
  },
  operations: {
    label: "Operations",
    looksLike: "the team keeps customers moving by manual work",
    improveFirst: "internal and admin tools, automation and support escalation",
  },
  throughput: {
    label: "Throughput",
    looksLike: "every change costs coordination or tech debt",
    improveFirst: "architecture, modularity, CI/CD, QA and the release process",
  },
};

/**
 * Learning from one team: its labelled evidence, the review queue, its vocabulary (mappings),
 * a workspace model on top of the global pack, its backtest and its write threshold. Pure: the
 * service in `src/services/learning.ts` loads and persists.
 */
export * from "./model";
export * from "./backtest";
export * from "./review";
export * from "./mappings";

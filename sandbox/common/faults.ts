/**
 * Injectable faults for the sandbox trackers: a deterministic (seeded) source
 * of 5xx answers, timeouts, slow answers, 429s and malformed items, plus
 * explicit one-shot faults queued by a test ("the next request answers 502").
 */
import { seededRandom } from "../../domain/random";

export type FaultKind = "5xx" | "timeout" | "slow" | "429" | "malformed";

export interface FaultConfig {
  /** Probability (0..1) that a request gets a random fault. */
  rate: number;
  kinds: FaultKind[];
  seed: number;
  /** Delay for "slow" faults and the hang before a "timeout" (ms). */
  slowMs: number;
  /** Retry-after for injected 429s (seconds). */
  retryAfterSec: number;
}

export class FaultInjector {
  private config: FaultConfig = { rate: 0, kinds: [], seed: 1, slowMs: 50, retryAfterSec: 1 };
  private random = seededRandom(1);
  private queued: FaultKind[] = [];
  /** Faults actually injected, by kind. */
  readonly injected: Record<FaultKind, number> = { "5xx": 0, timeout: 0, slow: 0, "429": 0, malformed: 0 };

  configure(config: Partial<FaultConfig>): void {
    this.config = { ...this.config, ...config };
    this.random = seededRandom(this.config.seed);
  }

  /** Queue faults for the next requests, in order. */
  queue(...kinds: FaultKind[]): void {
    this.queued.push(...kinds);
  }

  clear(): void {
    this.queued = [];
    this.configure({ rate: 0, kinds: [] });
  }

  /** Decide the fault for the next request, if any. */
  next(): FaultKind | null {
    const q = this.queued.shift();
    if (q) return this.count(q);
    const { rate, kinds } = this.config;
    if (rate <= 0 || kinds.length === 0) return null;
    if (this.random() >= rate) return null;
    return this.count(kinds[Math.floor(this.random() * kinds.length)] ?? kinds[0]!);
  }

  get slowMs(): number {
    return this.config.slowMs;
  }
  get retryAfterSec(): number {
    return this.config.retryAfterSec;
  }

  private count(k: FaultKind): FaultKind {
    this.injected[k]++;
    return k;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

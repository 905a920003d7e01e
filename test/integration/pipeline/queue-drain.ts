/**
 * A deterministic stand-in for Cloudflare Queues around the real consumer:
 * the pipeline's `SYNC_QUEUE` pushes into an array, and `run()` feeds the
 * messages to `worker.queue` in FIFO order, honours `retry()` with
 * `attempts + 1`, dead-letters after wrangler.toml's `max_retries = 5` by
 * feeding the DLQ consumer, and records every delay instead of waiting it out.
 * Also: `faultyDb`, a D1 binding that fails chosen statements, and `countingDb`, one that records
 * every call (the real D1 still answers).
 *
 * @example
 * const q = new Drain();
 * await q.send({ type: "sync-start", connectionId, reason: "manual" });
 * const r = await q.run(); // { batches, delivered, acked, retried, deadLettered }
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import type { Env, QueueJob } from "../../../src/env";
import worker from "../../../src/index";

const baseEnv = env as unknown as Env;
export const QUEUE = "backlog-sync";
export const DLQ = "backlog-sync-dlq";
/** wrangler.toml: `max_retries = 5` → a message is delivered at most 6 times, then dead-lettered. */
export const MAX_RETRIES = 5;

export interface QueuedMessage {
  id: string;
  body: QueueJob;
  attempts: number;
}

/** Every message the pipeline handed to the queue, and every retry it asked for, with the delay it wanted. */
export interface QueueEvent {
  via: "send" | "retry" | "dead-letter";
  type: string;
  delaySeconds: number | undefined;
  attempts: number;
  body: QueueJob;
}

export interface DrainOptions {
  /** Messages per `worker.queue` batch (wrangler.toml: 10). */
  batchSize?: number;
  /** Replace the D1 binding the pipeline sees (e.g. a fault-injecting proxy). */
  db?: D1Database;
}

export interface DrainResult {
  batches: number;
  delivered: number;
  acked: number;
  retried: number;
  deadLettered: number;
}

/**
 * A deterministic stand-in for the queue: the pipeline's `SYNC_QUEUE` pushes
 * into an array, and `run()` feeds it to `worker.queue` in FIFO order.
 */
export class Drain {
  readonly pending: QueuedMessage[] = [];
  readonly events: QueueEvent[] = [];
  readonly deadLetters: QueuedMessage[] = [];
  readonly env: Env;
  private seq = 0;
  private readonly batchSize: number;

  constructor(opts: DrainOptions = {}) {
    this.batchSize = opts.batchSize ?? 10;
    const push = (body: QueueJob, delaySeconds?: number) => {
      this.events.push({ via: "send", type: String(body.type), delaySeconds, attempts: 0, body });
      this.pending.push({ id: `m${++this.seq}`, body: structuredClone(body), attempts: 1 });
    };
    const queue = {
      send: async (body: QueueJob, o?: { delaySeconds?: number }) => push(body, o?.delaySeconds),
      sendBatch: async (msgs: Iterable<{ body: QueueJob; delaySeconds?: number }>, o?: { delaySeconds?: number }) => {
        for (const m of msgs) push(m.body, m.delaySeconds ?? o?.delaySeconds);
      },
    };
    this.env = { ...baseEnv, DB: opts.db ?? baseEnv.DB, SYNC_QUEUE: queue as unknown as Queue<QueueJob> };
  }

  /** Enqueue a job as the app would. */
  async send(body: QueueJob): Promise<void> {
    await this.env.SYNC_QUEUE.send(body);
  }

  /** Sends of one job type (excluding retries). */
  sent(type: string): QueueEvent[] {
    return this.events.filter((e) => e.via === "send" && e.type === type);
  }

  /** Delivers one batch of exactly these messages (e.g. to run two batches concurrently). */
  async deliver(messages: QueuedMessage[], queue = QUEUE): Promise<{ acked: string[]; retried: Array<{ msgId: string; delaySeconds?: number }> }> {
    const batch = createMessageBatch(
      queue,
      messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts, body: m.body })),
    );
    // getQueueResult drops the retry delay, so each message's retry() is observed on the way through.
    const delays = new Map<string, number | undefined>();
    const observed = {
      queue: batch.queue,
      messages: batch.messages.map(
        (m) =>
          new Proxy(m, {
            get(t, p) {
              if (p === "retry") {
                return (o?: QueueRetryOptions) => {
                  delays.set(t.id, o?.delaySeconds);
                  t.retry(o);
                };
              }
              const v = Reflect.get(t, p, t) as unknown;
              return typeof v === "function" ? v.bind(t) : v;
            },
          }),
      ),
      ackAll: () => batch.ackAll(),
      retryAll: (o?: QueueRetryOptions) => batch.retryAll(o),
    };
    const ctx = createExecutionContext();
    await worker.queue(observed as unknown as MessageBatch<QueueJob>, this.env, ctx);
    const result = await getQueueResult(batch, ctx);
    return { acked: result.explicitAcks, retried: result.retryMessages.map((r) => ({ msgId: r.msgId, delaySeconds: delays.get(r.msgId) })) };
  }

  /** Feeds pending messages until the queue is empty (or `maxBatches`), honouring retries and the DLQ. */
  async run(opts: { maxBatches?: number; afterBatch?: (r: { acked: string[]; retried: unknown[] }) => void } = {}): Promise<DrainResult> {
    const max = opts.maxBatches ?? 2000;
    const out: DrainResult = { batches: 0, delivered: 0, acked: 0, retried: 0, deadLettered: 0 };
    while (this.pending.length) {
      if (out.batches >= max)
        throw new Error(
          `drain: still ${this.pending.length} message(s) after ${max} batches (a loop?): ${this.pending
            .slice(0, 3)
            .map((m) => m.body.type)
            .join(", ")}`,
        );
      const msgs = this.pending.splice(0, this.batchSize);
      const r = await this.deliver(msgs);
      out.batches++;
      out.delivered += msgs.length;
      out.acked += r.acked.length;
      opts.afterBatch?.(r);
      for (const retry of r.retried) {
        const m = msgs.find((x) => x.id === retry.msgId)!;
        if (m.attempts > MAX_RETRIES) {
          out.deadLettered++;
          this.events.push({ via: "dead-letter", type: String(m.body.type), delaySeconds: undefined, attempts: m.attempts, body: m.body });
          this.deadLetters.push(m);
          await this.deliver([m], DLQ);
        } else {
          out.retried++;
          this.events.push({ via: "retry", type: String(m.body.type), delaySeconds: retry.delaySeconds, attempts: m.attempts, body: m.body });
          this.pending.push({ ...m, attempts: m.attempts + 1 });
        }
      }
    }
    return out;
  }
}

/** A full sync of one connection through the drain loop. */
export async function syncThroughDrain(q: Drain, connectionId: string, reason: "manual" | "cron" | "connect" = "manual"): Promise<DrainResult> {
  await q.send({ type: "sync-start", connectionId, reason });
  return q.run();
}

/**
 * A D1 binding whose statements can be made to fail: `fails(sql, args)` is
 * asked at execution time (after `bind`), so a test can fail one precise
 * statement, or every statement from some point on (a crashed isolate: nothing
 * else lands). `batch` asks with the sql `"BATCH"`.
 */
export function faultyDb(inner: D1Database, fails: (sql: string, args: unknown[]) => boolean): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement, sql: string, args: unknown[]): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(s, p) {
        if (p === "bind") return (...a: unknown[]) => wrap(s.bind(...a), sql, a);
        if (p === "run" || p === "first" || p === "all" || p === "raw") {
          return async (...a: unknown[]) => {
            if (fails(sql, args)) throw new Error(`injected D1 failure on: ${sql.replace(/\s+/g, " ").slice(0, 80)}`);
            return (s[p] as (...x: unknown[]) => Promise<unknown>).apply(s, a);
          };
        }
        const v = Reflect.get(s, p, s) as unknown;
        return typeof v === "function" ? v.bind(s) : v;
      },
    });
    real.set(proxy, stmt);
    return proxy;
  };
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql), sql, []);
      if (prop === "batch") {
        return async (stmts: D1PreparedStatement[]) => {
          if (fails("BATCH", [])) throw new Error("injected D1 failure on a batch");
          return target.batch(stmts.map((x) => real.get(x) ?? x));
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** One D1 call a `countingDb` saw: a statement's SQL, or `BATCH` with the statements it carried. */
export interface D1Call {
  sql: string;
  statements?: string[];
}

/**
 * A D1 binding that records every call the pipeline makes (each `run`/`first`/`all`/`raw`, and
 * each `batch` as one call) and passes it to the real D1, which still answers. Counting, not mocking.
 */
export function countingDb(inner: D1Database, calls: D1Call[]): D1Database {
  const sqlOf = new WeakMap<object, string>();
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(s, p) {
        if (p === "bind") return (...a: unknown[]) => wrap(s.bind(...a), sql);
        if (p === "run" || p === "first" || p === "all" || p === "raw") {
          return async (...a: unknown[]) => {
            calls.push({ sql });
            return (s[p] as (...x: unknown[]) => Promise<unknown>).apply(s, a);
          };
        }
        const v = Reflect.get(s, p, s) as unknown;
        return typeof v === "function" ? v.bind(s) : v;
      },
    });
    sqlOf.set(proxy, sql);
    real.set(proxy, stmt);
    return proxy;
  };
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      if (prop === "batch") {
        return async (stmts: D1PreparedStatement[]) => {
          calls.push({ sql: "BATCH", statements: stmts.map((x) => sqlOf.get(x) ?? "?") });
          return target.batch(stmts.map((x) => real.get(x) ?? x));
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

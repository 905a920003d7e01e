/**
 * Webhook deliveries a sandbox tracker produces when its state changes. They
 * are queued, signed as the real tracker signs them, and either drained by a
 * test or posted to the service by `deliverAll`.
 */
import type { FetchLike } from "../../connectors/types";

export interface Delivery {
  id: string;
  url: string | null;
  headers: Record<string, string>;
  body: string;
  event: string;
  createdAt: number;
}

export class Outbox {
  private pending: Delivery[] = [];
  readonly sent: Array<Delivery & { status: number | null; error?: string }> = [];

  push(d: Delivery): void {
    this.pending.push(d);
  }

  /** Take every pending delivery (tests inspect or replay them). */
  drain(): Delivery[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  get size(): number {
    return this.pending.length;
  }

  /** POST every pending delivery to its target URL with the given fetch. */
  async deliverAll(fetch: FetchLike): Promise<number> {
    const batch = this.drain();
    for (const d of batch) {
      if (!d.url) continue;
      try {
        const res = await fetch(d.url, { method: "POST", headers: d.headers, body: d.body });
        await res.text().catch(() => "");
        this.sent.push({ ...d, status: res.status });
      } catch (e) {
        this.sent.push({ ...d, status: null, error: (e as Error).message });
      }
    }
    if (this.sent.length > 1000) this.sent.splice(0, this.sent.length - 1000);
    return batch.length;
  }
}

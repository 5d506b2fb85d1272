import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export type Handler = (req: Received, res: ServerResponse) => void | Promise<void>;

/**
 * A real webhook receiver on 127.0.0.1: records every request and answers with `handler` (200 by
 * default). `waitFor(n)` resolves once n requests have arrived; it never polls.
 */
export class Receiver {
  readonly requests: Received[] = [];
  handler: Handler = (_req, res) => {
    res.writeHead(200).end("ok");
  };
  /** Requests currently being answered (for concurrency checks) and the most seen at once. */
  open = 0;
  maxOpen = 0;
  private server: Server;
  private waiters: { n: number; resolve: () => void }[] = [];
  url = "";

  constructor() {
    this.server = createServer((req, res) => void this.onRequest(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    const rec: Received = {
      path: req.url ?? "",
      headers,
      body: Buffer.concat(chunks).toString("utf8"),
      at: Date.now(),
    };
    this.requests.push(rec);
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    res.on("close", () => {
      this.open--;
    });
    for (const w of this.waiters.filter((x) => this.requests.length >= x.n)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
    try {
      await this.handler(rec, res);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  }

  /** Resolves when at least `n` requests have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`receiver: waited for ${n} requests, got ${this.requests.length}`)),
        timeoutMs,
      );
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Resolves when `check` holds, re-checking after each of `s`'s worker events (bounded by timeout). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

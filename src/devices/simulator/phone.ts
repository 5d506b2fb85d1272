import { createHmac, randomUUID } from "node:crypto";
import { readEventStream } from "./sse.js";

export interface PhoneOptions {
  /** Server base URL, e.g. http://127.0.0.1:3000 (the protocol lives under /api/mobile/v1). */
  server: string;
  name?: string;
  simCards?: { slotIndex: number; simNumber: number; phoneNumber?: string }[];
  /** Delays before reporting Sent and then Delivered (ms). */
  sendDelayMs?: number;
  deliverDelayMs?: number;
  /** Report sent/delivered also as signed sms:sent / sms:delivered webhooks, as the real app does. */
  webhookReports?: boolean;
  onEvent?: (e: PhoneEvent) => void;
  /** Fault injection: the phone dies right after sending this many messages. */
  dieAfterSends?: number;
}

export type PhoneEvent =
  | { type: "registered"; deviceId: string }
  | { type: "connected" }
  | { type: "disconnected"; error?: string }
  | { type: "sse"; event: string; data: string; at: number }
  | { type: "fetched"; count: number }
  | { type: "sent"; messageId: string; to: string[]; text: string; simNumber?: number }
  | { type: "reported"; messageId: string; state: string }
  | { type: "inbound"; from: string; text: string; status: number };

interface MobileMessage {
  id: string;
  message?: string;
  textMessage?: { text: string };
  phoneNumbers: string[];
  simNumber?: number;
}

/**
 * A phone in a terminal (or a test): speaks the SMSGate private-server protocol the way the Android app
 * does. Registers, holds the event stream, pulls on connect and on MessageEnqueued, acknowledges
 * (Pending), "sends", then reports Sent and Delivered. `receive()` posts a signed `sms:received`.
 * Sending happens right after the acknowledgement, so a phone killed after acknowledging has sent.
 */
export class SimulatedPhone {
  deviceId = "";
  deviceToken = "";
  /** Every message this phone sent, in order (the phone-side count for exactly-once checks). */
  readonly sent: { id: string; to: string[]; text: string; simNumber?: number }[] = [];
  private readonly seen = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private abort = new AbortController();
  private dead = false;
  private pulling: Promise<void> | undefined;
  private pullAgain = false;
  private settings: { webhooks?: { signing_key?: string } } | undefined;
  private webhooks: { url: string; event: string }[] = [];

  constructor(private readonly o: PhoneOptions) {}

  get base(): string {
    return `${this.o.server.replace(/\/+$/, "")}/api/mobile/v1`;
  }

  /** POST /device with a pairing token (`Bearer`) or code (`Code`). */
  async register(
    credential: { token: string } | { code: string },
  ): Promise<{ id: string; token: string; login: string }> {
    const auth = "token" in credential ? `Bearer ${credential.token}` : `Code ${credential.code}`;
    const res = await this.call(
      "POST",
      "/device",
      { name: this.o.name ?? "Simulated phone", pushToken: null, simCards: this.o.simCards ?? [] },
      auth,
    );
    if (res.status !== 201) throw new Error(`registration refused: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { id: string; token: string; login: string };
    this.deviceId = body.id;
    this.deviceToken = body.token;
    this.emit({ type: "registered", deviceId: body.id });
    return body;
  }

  resume(deviceToken: string, deviceId = ""): void {
    this.deviceToken = deviceToken;
    this.deviceId = deviceId;
  }

  /** Load settings and webhooks, open the event stream and keep it open (reconnecting after 1 s). */
  async start(): Promise<void> {
    await this.refreshConfig();
    void this.streamLoop();
    await this.pull();
  }

  async refreshConfig(): Promise<void> {
    const s = await this.call("GET", "/settings");
    if (s.ok) this.settings = (await s.json()) as typeof this.settings;
    const w = await this.call("GET", "/webhooks");
    if (w.ok) this.webhooks = (await w.json()) as { url: string; event: string }[];
    if (!this.deviceId) {
      const d = await this.call("GET", "/device");
      const body = (await d.json()) as { device?: { id: string } };
      this.deviceId = body.device?.id ?? "";
    }
  }

  private async streamLoop(): Promise<void> {
    while (!this.dead) {
      try {
        await readEventStream(
          `${this.base}/events`,
          { headers: { authorization: `Bearer ${this.deviceToken}` }, signal: this.abort.signal },
          {
            open: () => {
              this.emit({ type: "connected" });
              void this.pull();
            },
            event: (event, data) => {
              this.emit({ type: "sse", event, data, at: performance.now() });
              if (event === "MessageEnqueued") void this.pull();
              if (event === "SettingsUpdated" || event === "WebhooksUpdated")
                this.refreshConfig().catch(() => undefined);
            },
          },
        );
        this.emit({ type: "disconnected" });
      } catch (e) {
        if (this.dead) return;
        this.emit({ type: "disconnected", error: (e as Error).message });
      }
      if (!this.dead) await new Promise((r) => this.later(r, 1000));
    }
  }

  /** GET /message; acknowledge and send each new one. Concurrent calls coalesce into one more round. */
  pull(): Promise<void> {
    if (this.pulling) {
      this.pullAgain = true;
      return this.pulling;
    }
    this.pulling = (async () => {
      do {
        this.pullAgain = false;
        const res = await this.call("GET", "/message?order=fifo");
        if (!res.ok) return;
        const list = (await res.json()) as MobileMessage[];
        this.emit({ type: "fetched", count: list.length });
        const fresh = list.filter((m) => !this.seen.has(m.id));
        if (fresh.length === 0) continue;
        for (const m of fresh) {
          // Acknowledge, then send at once: a phone that dies between two messages has sent exactly
          // the ones it acknowledged; the rest are only leased and go back to the queue.
          if (this.dead) return;
          this.seen.add(m.id);
          if (!(await this.report([{ id: m.id, state: "Pending" }])) || this.dead) return;
          this.send(m);
          if (this.o.dieAfterSends !== undefined && this.sent.length >= this.o.dieAfterSends) this.kill();
        }
      } while (this.pullAgain && !this.dead);
    })()
      .catch(() => undefined)
      .finally(() => {
        this.pulling = undefined;
      });
    return this.pulling;
  }

  private send(m: MobileMessage): void {
    const text = m.textMessage?.text ?? m.message ?? "";
    this.sent.push({ id: m.id, to: m.phoneNumbers, text, simNumber: m.simNumber });
    this.emit({ type: "sent", messageId: m.id, to: m.phoneNumbers, text, simNumber: m.simNumber });
    this.later(async () => {
      await this.report([{ id: m.id, state: "Sent" }]);
      if (this.o.webhookReports)
        await this.webhook("sms:sent", { messageId: m.id, sentAt: new Date().toISOString() });
      this.later(() => void this.report([{ id: m.id, state: "Delivered" }]), this.o.deliverDelayMs ?? 200);
    }, this.o.sendDelayMs ?? 100);
  }

  async report(items: { id: string; state: string; error?: string }[]): Promise<boolean> {
    if (this.dead) return false;
    const now = new Date().toISOString();
    const body = items.map((i) => ({
      id: i.id,
      state: i.state,
      recipients: [{ phoneNumber: "", state: i.state, ...(i.error ? { error: i.error } : {}) }],
      states: { [i.state]: now },
    }));
    // A killed phone's in-flight report is aborted: the report is lost, as on a real phone.
    const res = await this.call("PATCH", "/message", body).catch(() => undefined);
    if (!res) return false;
    await res.arrayBuffer().catch(() => undefined);
    for (const i of items) this.emit({ type: "reported", messageId: i.id, state: i.state });
    return res.status === 204;
  }

  /** An SMS arriving on this phone: posted as a signed `sms:received` webhook. Returns the HTTP status. */
  async receive(from: string, text: string, simNumber = 1): Promise<number> {
    const status = await this.webhook("sms:received", {
      messageId: randomUUID().slice(0, 21),
      phoneNumber: from,
      sender: from,
      simNumber,
      message: text,
      receivedAt: new Date().toISOString(),
    });
    this.emit({ type: "inbound", from, text, status });
    return status;
  }

  /** Post a webhook envelope the way the app signs it (HMAC-SHA256 over body + X-Timestamp). */
  async webhook(
    event: string,
    payload: Record<string, unknown>,
    opts: { timestamp?: number; id?: string } = {},
  ) {
    const hook = this.webhooks.find((w) => w.event === event);
    const key = this.settings?.webhooks?.signing_key;
    if (!hook || !key) throw new Error(`no webhook for ${event} (call start() or refreshConfig() first)`);
    const body = JSON.stringify({
      id: opts.id ?? randomUUID(),
      webhookId: event,
      event,
      deviceId: this.deviceId,
      payload,
    });
    const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const sig = createHmac("sha256", key)
      .update(body + ts)
      .digest("hex");
    const res = await fetch(hook.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-signature": sig, "x-timestamp": ts },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** Stop cleanly (close the stream, cancel pending reports). */
  async stop(): Promise<void> {
    this.kill();
  }

  /** Die at once, mid-whatever: no more requests, no more reports. */
  kill(): void {
    this.dead = true;
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private later(fn: (v?: unknown) => unknown, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      // A phone killed meanwhile aborts its requests: that is the fault being simulated, not a crash.
      if (!this.dead)
        void Promise.resolve()
          .then(fn)
          .catch(() => undefined);
    }, ms);
    this.timers.add(t);
  }

  private async call(method: string, path: string, body?: unknown, auth?: string): Promise<Response> {
    return fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: auth ?? `Bearer ${this.deviceToken}`,
        "user-agent": "me.capcom.smsgateway/simulator",
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: this.dead ? undefined : this.abort.signal,
    });
  }

  private emit(e: PhoneEvent): void {
    this.o.onEvent?.(e);
  }
}

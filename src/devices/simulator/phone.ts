import { createHmac, randomBytes } from "node:crypto";
import { type AppSettings, defaultSettings, importSettings, LIMIT_PERIOD_MS } from "./app-settings.js";
import { gsonStringify } from "./gson.js";
import { readEventStream } from "./sse.js";

export interface PhoneOptions {
  /** Server base URL, e.g. http://127.0.0.1:3000 (the protocol lives under /api/mobile/v1). */
  server: string;
  name?: string;
  simCards?: { slotIndex: number; simNumber: number; phoneNumber?: string }[];
  /** The app's version, sent in its User-Agent and health reports. */
  appVersion?: string;
  /**
   * Settings → Cloud server → Notification channel. `SSE_ONLY` is what myCRMSIM needs; `AUTO` (the
   * app's default) registers a Firebase token and never opens an event stream.
   */
  notificationChannel?: "SSE_ONLY" | "AUTO";
  /** Settings → Cloud server → Private token: what a "sign up" first start registers with. */
  privateToken?: string;
  /** The radio: from SmsManager taking an SMS to the SENT broadcast, and on to the delivery report (ms). */
  sendDelayMs?: number;
  deliverDelayMs?: number;
  /** Numbers the radio fails to send to (`Send result: RESULT_ERROR_GENERIC_FAILURE`). */
  failNumbers?: string[];
  /** Battery reported in `system:ping`. */
  battery?: { level: number; charging: boolean };
  onEvent?: (e: PhoneEvent) => void;
  /**
   * Fault injection: the phone dies the moment the radio took its Nth SMS, before it could report it
   * (the one window in which a message can go out twice: see README "Phones").
   */
  dieAfterSends?: number;
}

export type PhoneEvent =
  | { type: "registered"; deviceId: string }
  | { type: "registration_failed"; error: string; retryInMs: number }
  | { type: "connected" }
  | { type: "disconnected"; error?: string }
  | { type: "sse"; event: string; data: string; at: number }
  | { type: "fetched"; count: number }
  | { type: "settings"; ok: boolean; error?: string }
  | { type: "webhooks"; count: number }
  | { type: "sent"; messageId: string; to: string[]; text: string; simNumber?: number }
  | { type: "reported"; messageId: string; state: string; status: number }
  | { type: "expired"; messageId: string }
  | { type: "inbound"; from: string; text: string; status: number }
  | { type: "webhook"; event: string; status: number; attempt: number }
  | { type: "export"; count: number };

interface MobileMessage {
  id: string;
  message?: string;
  textMessage?: { text: string };
  phoneNumbers: string[];
  simNumber?: number;
  validUntil?: string;
  state?: string;
}

type LocalState = "Pending" | "Processed" | "Sent" | "Delivered" | "Failed" | "Cancelled";

interface LocalMessage {
  id: string;
  text: string;
  phoneNumbers: string[];
  simNumber?: number;
  validUntil?: number;
  state: LocalState;
  states: Partial<Record<LocalState, string>>;
  error?: string;
  seq: number;
}

interface InboxItem {
  kind: "sms" | "mms";
  address: string;
  date: number;
  simNumber: number;
  text: string;
  mms?: { body?: string; subject?: string; attachments: MmsPart[] };
  /** The app's "already processed" id (a content hash). */
  key: string;
}

export interface MmsPart {
  contentType: string;
  name?: string;
  data: Buffer;
}

const SSE_RECONNECT_MS = (attempt: number) => (attempt > 10 ? 60_000 : attempt > 5 ? 30_000 : 5_000);
const REPORT_RETRIES = 10;
const REPORT_BACKOFF_MS = 10_000;
const WEBHOOK_BACKOFF_MS = 5_000;
const PULL_PERIOD_MS = 15 * 60_000;
const CONFIG_PERIOD_MS = 24 * 3_600_000;

/**
 * The SMSGate Android app (v1.68.0) in private-server mode, as its source shows it behaves, for a
 * terminal or a test (see ../shared/research/smsgate-app-behaviour.md §1):
 * - start: registration ("sign up" with the private token, or PATCH /device when registered, with a
 *   re-registration on 401) runs beside the pull, settings and webhooks workers; on a first start
 *   those workers find no registration and fetch nothing. The event stream opens once registration
 *   is done, and only on the SSE-only channel; it reconnects after 5 s, 30 s, then 60 s.
 * - messages: a fetched message is stored Pending with no report; one send loop applies the limit,
 *   `validUntil` ("TTL expired"), the radio, then the random send interval. The first report is
 *   `Processed` (the radio took it), then `Sent` and `Delivered`, each a PATCH of the whole history
 *   retried up to 10 times. A fetch returning a known message re-reports its local state.
 * - webhooks: every event goes to each synced URL for it, signed, retried 5 s × 2^(n−1) up to the
 *   imported retry_count; an event with no synced URL is dropped (that is how SMS get lost).
 * - settings: imported as the app does; ping, private token and channel apply at the next start.
 * - received SMS are processed once (the app's own de-dup) and stay in the inbox, which
 *   `MessagesExportRequested` re-reads.
 */
export class SimulatedPhone {
  deviceId = "";
  deviceToken = "";
  /** Every SMS the radio took, in order (the phone-side count for exactly-once checks). */
  readonly sent: { id: string; to: string[]; text: string; simNumber?: number }[] = [];
  /** Messages the app refused to send past their validUntil. */
  readonly expired: string[] = [];
  /** SSE events received, in order. */
  readonly events: { event: string; data: string }[] = [];
  readonly inbox: InboxItem[] = [];
  settings: AppSettings;
  /** Settings changed since the app last started (the app shows "restart to apply"). */
  restartRequested = false;
  private webhooks: { id: string; url: string; event: string }[] = [];
  private readonly messages = new Map<string, LocalMessage>();
  private readonly processed = new Set<string>();
  private readonly reportTimers = new Map<string, NodeJS.Timeout>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private abort = new AbortController();
  private dead = false;
  private running = false;
  private streaming = false;
  private cachedPrivateToken: string | null;
  private pushToken: string | null = null;
  private pulling: Promise<void> | undefined;
  private pullAgain = false;
  private sending: Promise<void> | undefined;
  private seq = 0;
  private readonly sleepers = new Set<() => void>();
  private readonly defaults: AppSettings;

  constructor(private readonly o: PhoneOptions) {
    const channel = o.notificationChannel ?? "SSE_ONLY";
    this.defaults = defaultSettings(channel, o.privateToken ?? null);
    this.settings = { ...this.defaults };
    this.cachedPrivateToken = o.privateToken ?? null;
  }

  get base(): string {
    return `${this.o.server.replace(/\/+$/, "")}/api/mobile/v1`;
  }

  get userAgent(): string {
    return `me.capcom.smsgateway/${this.o.appVersion ?? "1.68.0"}`;
  }

  /** True while the event stream is open. */
  get isStreaming(): boolean {
    return this.streaming;
  }

  /** Synced webhook URLs by event (what the app would post to). */
  get webhookEvents(): string[] {
    return this.webhooks.map((w) => w.event);
  }

  /**
   * Register before starting: "Sign in by code" (`{code}`), or a private token typed in an earlier
   * session (`{token}`). Either way the next start() behaves like a registered phone's start.
   */
  async register(
    credential: { token: string } | { code: string },
  ): Promise<{ id: string; token: string; login: string }> {
    if ("token" in credential) {
      this.settings.privateToken = credential.token;
      this.cachedPrivateToken = credential.token;
    }
    const auth = "token" in credential ? `Bearer ${credential.token}` : `Code ${credential.code}`;
    const res = await this.post("/device", this.registrationBody(), auth);
    if (res.status !== 201) throw new Error(`registration refused: ${res.status} ${await res.text()}`);
    return this.registered((await res.json()) as { id: string; token: string; login: string });
  }

  resume(deviceToken: string, deviceId = ""): void {
    this.deviceToken = deviceToken;
    this.deviceId = deviceId;
  }

  /**
   * Start the app (the Start button, or boot). Resolves when the start sequence's own requests are
   * done: registration (or its update) and the three start-up workers. The event stream opens in the
   * background once registration succeeded.
   */
  async start(): Promise<void> {
    if (this.dead) throw new Error("this phone was killed");
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.pushToken =
      this.settings.notificationChannel === "AUTO" ? `fcm-${randomBytes(12).toString("hex")}` : null;
    this.cachedPrivateToken = this.settings.privateToken;
    // The start-up workers run at once, next to registration: on a first start they find none.
    const workers = Promise.all([this.pull(), this.syncWebhooks(), this.syncSettings()]);
    const registration = this.registerOnStart();
    await Promise.all([workers, registration]);
    this.every(PULL_PERIOD_MS, () => this.pull());
    this.every(CONFIG_PERIOD_MS, () => Promise.all([this.syncWebhooks(), this.syncSettings()]));
    const ping = this.settings.pingIntervalSeconds;
    if (ping) this.every(ping * 1000, () => this.ping());
    this.restartRequested = false;
  }

  /** Stop the app (user pressed Stop): stream closed, workers and retries cancelled, receiver off. */
  async stop(): Promise<void> {
    this.running = false;
    this.streaming = false;
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of this.reportTimers.values()) clearTimeout(t);
    this.reportTimers.clear();
    for (const wake of [...this.sleepers]) wake();
  }

  /** What the app asks for after a settings import: stop, then start with the new settings. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Die at once, mid-whatever: no more requests, no more reports, never again. */
  kill(): void {
    this.dead = true;
    void this.stop();
  }

  /** Resolves once the event stream is open (rejects after `timeoutMs`). */
  async whenStreaming(timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.streaming) {
      if (Date.now() > end) throw new Error("the event stream did not open");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** GET /settings and GET /webhooks now (what the app does on the matching events). */
  async refreshConfig(): Promise<void> {
    await Promise.all([this.syncSettings(), this.syncWebhooks()]);
  }

  // --- registration ---------------------------------------------------------------------------

  private registrationBody() {
    return {
      name: this.o.name ?? "Simulated phone",
      pushToken: this.pushToken,
      simCards: this.o.simCards ?? [],
    };
  }

  private registered(body: { id: string; token: string; login: string }) {
    this.deviceId = body.id;
    this.deviceToken = body.token;
    this.emit({ type: "registered", deviceId: body.id });
    return body;
  }

  /** RegistrationWorker: sign up, or PATCH /device and re-register on 401; then the stream. */
  private async registerOnStart(): Promise<void> {
    for (let attempt = 0; this.running; attempt++) {
      try {
        if (!this.deviceToken) {
          const res = await this.post(
            "/device",
            this.registrationBody(),
            this.cachedPrivateToken ? `Bearer ${this.cachedPrivateToken}` : undefined,
          );
          if (res.status !== 201) throw new Error(`registration: ${res.status}`);
          this.registered((await res.json()) as { id: string; token: string; login: string });
        } else {
          const res = await this.call("PATCH", "/device", {
            id: this.deviceId,
            pushToken: this.pushToken,
            simCards: this.o.simCards ?? [],
          });
          await res.arrayBuffer();
          if (res.status === 401) {
            const again = await this.post(
              "/device",
              this.registrationBody(),
              this.cachedPrivateToken ? `Bearer ${this.cachedPrivateToken}` : undefined,
            );
            if (again.status !== 201) throw new Error(`re-registration: ${again.status}`);
            this.registered((await again.json()) as { id: string; token: string; login: string });
          } else if (!res.ok) throw new Error(`device update: ${res.status}`);
        }
        // DeviceRegisteredEvent: the SSE service starts only when there is no push token.
        if (this.pushToken === null) void this.streamLoop();
        return;
      } catch (e) {
        if (!this.running) return;
        const retryInMs = Math.min(10_000 * 2 ** attempt, 300_000);
        // fetch says only "fetch failed"; the reason (ECONNREFUSED…) is on its cause.
        const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
        const why = cause?.code ?? cause?.message;
        const error = `${(e as Error).message}${typeof why === "string" ? ` (${why})` : ""}`;
        this.emit({ type: "registration_failed", error, retryInMs });
        await this.sleep(retryInMs);
      }
    }
  }

  // --- event stream -----------------------------------------------------------------------------

  private async streamLoop(): Promise<void> {
    let attempts = 0;
    const signal = this.abort.signal;
    while (this.running && !signal.aborted) {
      try {
        await readEventStream(
          `${this.base}/events`,
          {
            headers: { authorization: `Bearer ${this.deviceToken}`, "user-agent": "okhttp/4.10.0" },
            signal,
          },
          {
            open: () => {
              attempts = 0;
              this.streaming = true;
              this.emit({ type: "connected" });
              void this.pull();
            },
            event: (event, data) => this.onServerEvent(event, data),
          },
        );
        this.streaming = false;
        this.emit({ type: "disconnected" });
      } catch (e) {
        this.streaming = false;
        if (signal.aborted) return;
        this.emit({ type: "disconnected", error: (e as Error).message });
      }
      attempts++;
      if (this.running && !signal.aborted) await this.sleep(SSE_RECONNECT_MS(attempts));
    }
  }

  /** EventsRouter: a missing name means MessageEnqueued; an unknown one is ignored. */
  private onServerEvent(event: string, data: string): void {
    const name = event === "message" ? "MessageEnqueued" : event;
    this.events.push({ event: name, data });
    this.emit({ type: "sse", event: name, data, at: performance.now() });
    if (name === "MessageEnqueued") void this.pull();
    else if (name === "SettingsUpdated") void this.syncSettings();
    else if (name === "WebhooksUpdated") void this.syncWebhooks();
    else if (name === "MessageCancelled") this.cancelLocal(data);
    else if (name === "MessagesExportRequested") void this.exportInbox(data).catch(() => undefined);
  }

  // --- configuration ----------------------------------------------------------------------------

  private async syncSettings(): Promise<void> {
    if (!this.deviceToken || this.dead) return;
    try {
      const res = await this.call("GET", "/settings");
      if (!res.ok) throw new Error(`GET /settings: ${res.status}`);
      const next = importSettings(this.settings, await res.json(), this.defaults);
      if (JSON.stringify(next) !== JSON.stringify(this.settings)) this.restartRequested = true;
      this.settings = next;
      this.emit({ type: "settings", ok: true });
    } catch (e) {
      this.emit({ type: "settings", ok: false, error: (e as Error).message });
    }
  }

  private async syncWebhooks(): Promise<void> {
    if (!this.deviceToken || this.dead) return;
    try {
      const res = await this.call("GET", "/webhooks");
      if (!res.ok) return;
      const list = (await res.json()) as { id?: string; url?: string; event?: string }[];
      // The app replaces its list with what the server returned (an unknown event fails the sync).
      this.webhooks = list.map((w) => {
        if (!w.id || !w.url || !w.event) throw new Error("webhook without id, url or event");
        return { id: w.id, url: w.url, event: w.event };
      });
      this.emit({ type: "webhooks", count: this.webhooks.length });
    } catch {
      // retried on the next event or start
    }
  }

  // --- outbound messages ------------------------------------------------------------------------

  /** PullMessagesWorker: GET /message; new ones are stored Pending, known ones re-reported. */
  pull(): Promise<void> {
    if (!this.deviceToken || this.dead) return Promise.resolve();
    if (this.pulling) {
      this.pullAgain = true;
      return this.pulling;
    }
    this.pulling = (async () => {
      do {
        this.pullAgain = false;
        const res = await this.call("GET", `/message?order=${this.settings.processingOrder.toLowerCase()}`);
        if (!res.ok) return;
        const list = (await res.json()) as MobileMessage[];
        this.emit({ type: "fetched", count: list.length });
        let added = false;
        for (const m of list) {
          if (m.state && m.state !== "Pending") {
            if (m.state === "Cancelling") this.cancelLocal(JSON.stringify({ messageId: m.id }));
            continue;
          }
          const known = this.messages.get(m.id);
          if (known) {
            this.sendState(known);
            continue;
          }
          const validUntil = m.validUntil ? Date.parse(m.validUntil) : Number.NaN;
          this.messages.set(m.id, {
            id: m.id,
            text: m.textMessage?.text ?? m.message ?? "",
            phoneNumbers: m.phoneNumbers,
            simNumber: m.simNumber,
            validUntil: Number.isFinite(validUntil) ? validUntil : undefined,
            state: "Pending",
            states: { Pending: new Date().toISOString() },
            seq: this.seq++,
          });
          added = true;
        }
        if (added) this.startSending();
      } while (this.pullAgain && this.running);
    })()
      .catch(() => undefined)
      .finally(() => {
        this.pulling = undefined;
      });
    return this.pulling;
  }

  /** Start the send loop unless it runs; a running loop picks new messages up after its interval. */
  private startSending(): void {
    if (this.sending) return;
    this.sending = this.sendLoop()
      .catch(() => undefined)
      .finally(() => {
        this.sending = undefined;
        if (this.running && this.nextPending()) this.startSending();
      });
  }

  private nextPending(): LocalMessage | undefined {
    const pending = [...this.messages.values()].filter((m) => m.state === "Pending");
    pending.sort((a, b) => (this.settings.processingOrder === "FIFO" ? a.seq - b.seq : b.seq - a.seq));
    return pending[0];
  }

  /** SendMessagesWorker.sendPendingMessages: limit, TTL, radio, interval; one message at a time. */
  private async sendLoop(): Promise<void> {
    for (;;) {
      if (!this.running) return;
      const m = this.nextPending();
      if (!m) return;
      await this.applyLimit();
      if (!this.running || m.state !== "Pending") continue;
      if (m.validUntil !== undefined && m.validUntil < Date.now()) {
        this.expired.push(m.id);
        this.emit({ type: "expired", messageId: m.id });
        this.setState(m, "Failed", "TTL expired");
        continue;
      }
      this.radio(m);
      if (this.dead) return;
      const { sendIntervalMin: lo, sendIntervalMax: hi } = this.settings;
      if (lo !== null || hi !== null) {
        const a = lo ?? hi ?? 0;
        const b = Math.max(a, hi ?? a);
        await this.sleep((a + Math.random() * (b - a)) * 1000);
      }
    }
  }

  private async applyLimit(): Promise<void> {
    const period = LIMIT_PERIOD_MS[this.settings.limitPeriod];
    if (period === 0) return;
    for (;;) {
      const since = Date.now() - period;
      const times = [...this.messages.values()]
        .map((m) => (m.states.Processed ? Date.parse(m.states.Processed) : 0))
        .filter((t) => t > since);
      if (times.length < this.settings.limitValue || !this.running) return;
      await this.sleep(Math.min(...times) + period - Date.now() + 1000);
    }
  }

  /** SmsManager took it (Processed), then the SENT broadcast and the delivery report. */
  private radio(m: LocalMessage): void {
    this.sent.push({ id: m.id, to: m.phoneNumbers, text: m.text, simNumber: m.simNumber });
    this.emit({ type: "sent", messageId: m.id, to: m.phoneNumbers, text: m.text, simNumber: m.simNumber });
    if (this.o.dieAfterSends !== undefined && this.sent.length >= this.o.dieAfterSends) {
      this.kill();
      return;
    }
    this.setState(m, "Processed");
    const fails = m.phoneNumbers.some((p) => this.o.failNumbers?.includes(p));
    this.later(() => {
      if (fails) {
        this.setState(m, "Failed", "Send result: RESULT_ERROR_GENERIC_FAILURE (Generic failure cause)");
        return;
      }
      this.setState(m, "Sent");
      this.later(() => this.setState(m, "Delivered"), this.o.deliverDelayMs ?? 200);
    }, this.o.sendDelayMs ?? 100);
  }

  private setState(m: LocalMessage, state: LocalState, error?: string): void {
    const at = new Date().toISOString();
    m.state = state;
    m.states[state] = at;
    if (error) m.error = error;
    this.sendState(m);
    const event =
      state === "Sent"
        ? "sms:sent"
        : state === "Delivered"
          ? "sms:delivered"
          : state === "Failed"
            ? "sms:failed"
            : state === "Cancelled"
              ? "sms:cancelled"
              : undefined;
    if (!event) return;
    for (const to of m.phoneNumbers) {
      void this.emitWebhook(event, {
        messageId: m.id,
        sender: undefined,
        recipient: to,
        simNumber: m.simNumber,
        phoneNumber: to,
        ...(state === "Sent" ? { partsCount: 1, sentAt: at } : {}),
        ...(state === "Delivered" ? { deliveredAt: at } : {}),
        ...(state === "Failed" ? { failedAt: at, reason: error } : {}),
        ...(state === "Cancelled" ? { cancelledAt: at } : {}),
      });
    }
  }

  private cancelLocal(data: string): void {
    let id: unknown;
    try {
      id = (JSON.parse(data) as { messageId?: unknown }).messageId;
    } catch {
      return;
    }
    const m = typeof id === "string" ? this.messages.get(id) : undefined;
    if (m?.state === "Pending") this.setState(m, "Cancelled");
  }

  /** SendStateWorker: the whole history of one message, retried; a newer state replaces a pending retry. */
  private sendState(m: LocalMessage): void {
    const pending = this.reportTimers.get(m.id);
    if (pending) clearTimeout(pending);
    this.reportTimers.delete(m.id);
    const attempt = async (n: number): Promise<void> => {
      const status = await this.report([{ id: m.id, state: m.state, error: m.error }], m.states);
      if (status >= 200 && status < 300) return;
      if (n + 1 >= REPORT_RETRIES || !this.running) return;
      const t = setTimeout(
        () => {
          this.reportTimers.delete(m.id);
          void attempt(n + 1);
        },
        REPORT_BACKOFF_MS * 2 ** n,
      );
      this.reportTimers.set(m.id, t);
    };
    void attempt(0);
  }

  /** PATCH /message as the app writes it. Returns the HTTP status (0 when the request failed). */
  async report(
    items: { id: string; state: string; error?: string }[],
    states?: Partial<Record<string, string>>,
  ): Promise<number> {
    if (this.dead) return 0;
    const now = new Date().toISOString();
    const body = items.map((i) => ({
      id: i.id,
      state: i.state,
      recipients: (this.messages.get(i.id)?.phoneNumbers ?? [""]).map((p) => ({
        phoneNumber: p,
        state: i.state,
        error: i.error,
      })),
      states: states ?? { [i.state]: now },
    }));
    const res = await this.call("PATCH", "/message", body).catch(() => undefined);
    if (!res) return 0;
    await res.arrayBuffer().catch(() => undefined);
    for (const i of items)
      this.emit({ type: "reported", messageId: i.id, state: i.state, status: res.status });
    return res.status;
  }

  // --- inbound ----------------------------------------------------------------------------------

  /**
   * An SMS arriving on this phone. When the app is running it is processed once and posted to each
   * synced `sms:received` URL (retried); when it is not, it only lands in the inbox. Returns the first
   * attempt's HTTP status: 0 when there was no URL to post to (the SMS is lost to the server) or the
   * app is not running.
   */
  async receive(from: string, text: string, simNumber = 1): Promise<number> {
    const date = Date.now();
    const item: InboxItem = {
      kind: "sms",
      address: from,
      date,
      simNumber,
      text,
      key: `text:${from}|${date}|${simNumber}|${text}`,
    };
    this.inbox.push(item);
    const status = this.running ? await this.process(item) : 0;
    this.emit({ type: "inbound", from, text, status });
    return status;
  }

  /** An MMS arriving (downloaded), posted as `mms:downloaded` with base64 parts. */
  async receiveMms(
    from: string,
    mms: { body?: string; subject?: string; attachments: MmsPart[] },
    simNumber = 1,
  ): Promise<number> {
    const date = Date.now();
    const item: InboxItem = {
      kind: "mms",
      address: from,
      date,
      simNumber,
      text: mms.body ?? "",
      mms,
      key: `mms:${from}|${date}|${this.inbox.length}`,
    };
    this.inbox.push(item);
    return this.running ? this.process(item) : 0;
  }

  /** ReceiverService.process: skip what was processed already, else save and emit. */
  private async process(item: InboxItem): Promise<number> {
    if (this.processed.has(item.key)) return 0;
    this.processed.add(item.key);
    const at = new Date(item.date).toISOString();
    if (item.kind === "sms") {
      return this.emitWebhook("sms:received", {
        messageId: createHmac("sha256", "id").update(item.key).digest("hex").slice(0, 8),
        sender: item.address,
        simNumber: item.simNumber,
        phoneNumber: item.address,
        message: item.text,
        receivedAt: at,
      });
    }
    return this.emitWebhook("mms:downloaded", {
      messageId: String(this.inbox.indexOf(item) + 1),
      sender: item.address,
      simNumber: item.simNumber,
      phoneNumber: item.address,
      body: item.mms?.body,
      subject: item.mms?.subject,
      attachments: (item.mms?.attachments ?? []).map((a, i) => ({
        partId: i + 1,
        contentType: a.contentType,
        name: a.name,
        size: a.data.length,
        data: a.data.toString("base64"),
      })),
      receivedAt: at,
    });
  }

  /** MessagesExportRequested: re-read the inbox window and process what was never processed. */
  private async exportInbox(data: string): Promise<void> {
    const p = JSON.parse(data) as {
      since: string;
      until: string;
      messageTypes?: string;
      triggerWebhooks?: unknown;
    };
    const since = Date.parse(p.since);
    const until = Date.parse(p.until);
    if (!Number.isFinite(since) || !Number.isFinite(until)) throw new Error("export: bad dates");
    const types = (p.messageTypes ?? "SMS").split(",");
    const picked = this.inbox.filter(
      (i) => i.date >= since && i.date <= until && types.includes(i.kind === "sms" ? "SMS" : "MMS"),
    );
    this.emit({ type: "export", count: picked.length });
    const trigger =
      p.triggerWebhooks === undefined || p.triggerWebhooks === true || p.triggerWebhooks === "true";
    for (const item of picked) {
      if (trigger) await this.process(item);
      else this.processed.add(item.key);
    }
  }

  // --- health -----------------------------------------------------------------------------------

  /** The ping service: a `system:ping` health report, then a pull. */
  async ping(): Promise<number> {
    const b = this.o.battery ?? { level: 80, charging: true };
    const failed = [...this.messages.values()].filter(
      (m) => m.state === "Failed" && m.states.Failed && Date.parse(m.states.Failed) > Date.now() - 3_600_000,
    ).length;
    const level = b.level < 10 ? "fail" : b.level < 25 ? "warn" : "pass";
    const status = level === "fail" || failed > 0 ? (level === "fail" ? "fail" : "warn") : level;
    const check = (st: string, value: number, unit: string, description: string) => ({
      status: st,
      observedValue: value,
      observedUnit: unit,
      description,
    });
    const r = await this.emitWebhook("system:ping", {
      health: {
        version: this.o.appVersion ?? "1.68.0",
        releaseId: 1,
        status,
        checks: {
          "messages:failed": check(
            failed > 0 ? "warn" : "pass",
            failed,
            "messages",
            "Failed messages for last hour",
          ),
          "connection:status": check("pass", 1, "boolean", "Internet connection status"),
          "connection:transport": check("pass", 4, "flags", "Network transport type"),
          "connection:cellular": check("pass", 0, "index", "Cellular network type"),
          "battery:level": check(level, b.level, "percent", "Battery level in percent"),
          "battery:charging": check("pass", b.charging ? 3 : 0, "flags", "Is the phone charging?"),
        },
      },
    });
    void this.pull();
    return r;
  }

  /** Change the battery the next ping reports. */
  setBattery(level: number, charging: boolean): void {
    this.o.battery = { level, charging };
  }

  // --- webhooks out -----------------------------------------------------------------------------

  /**
   * WebHooksService.emit + the queue processor: one delivery per synced URL for `event`, each retried
   * 5 s × 2^(n−1) up to retry_count attempts. Resolves with the first attempt's status (0: no URL).
   */
  private async emitWebhook(event: string, payload: Record<string, unknown>): Promise<number> {
    const hooks = this.webhooks.filter((w) => w.event === event);
    if (hooks.length === 0) return 0;
    const firsts = hooks.map((hook) => {
      const envelope = { id: nanoId(), webhookId: hook.id, event, deviceId: this.deviceId, payload };
      return new Promise<number>((resolveFirst) => {
        const attempt = async (n: number) => {
          const status = await this.postSigned(hook.url, gsonStringify(envelope)).catch(() => 0);
          this.emit({ type: "webhook", event, status, attempt: n });
          if (n === 1) resolveFirst(status);
          if (status >= 200 && status < 300) return;
          if (n >= this.settings.retryCount || this.dead) return;
          this.later(() => attempt(n + 1), WEBHOOK_BACKOFF_MS * 2 ** (n - 1), true);
        };
        void attempt(1);
      });
    });
    return (await Promise.all(firsts))[0] ?? 0;
  }

  /**
   * Post one webhook envelope to the synced URL for `event`, signed as the app signs (hex HMAC-SHA256
   * over raw body + X-Timestamp). For tests that drive the ingest endpoint directly; no retries.
   */
  async webhook(
    event: string,
    payload: Record<string, unknown>,
    opts: { timestamp?: number; id?: string } = {},
  ): Promise<number> {
    const hook = this.webhooks.find((w) => w.event === event);
    if (!hook) throw new Error(`no webhook for ${event} (call start() or refreshConfig() first)`);
    const body = gsonStringify({
      id: opts.id ?? nanoId(),
      webhookId: hook.id,
      event,
      deviceId: this.deviceId,
      payload,
    });
    return this.postSigned(hook.url, body, opts.timestamp);
  }

  private async postSigned(url: string, body: string, timestamp?: number): Promise<number> {
    if (this.dead) return 0;
    const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
    const sig = createHmac("sha256", this.settings.signingKey)
      .update(body + ts)
      .digest("hex");
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": this.userAgent,
        "x-signature": sig,
        "x-timestamp": ts,
      },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return res.status;
  }

  // --- plumbing ---------------------------------------------------------------------------------

  private every(ms: number, fn: () => unknown): void {
    this.later(() => {
      void Promise.resolve()
        .then(fn)
        .catch(() => undefined);
      this.every(ms, fn);
    }, ms);
  }

  /**
   * Run `fn` after `ms` unless the app stopped meanwhile. `durable` work (the webhook queue) survives
   * an app stop as the app's WorkManager queue does, but not a kill.
   */
  private later(fn: () => unknown, ms: number, durable = false): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.dead || (!durable && !this.running)) return;
      void Promise.resolve()
        .then(fn)
        .catch(() => undefined);
    }, ms);
    if (!durable) this.timers.add(t);
    else t.unref?.();
  }

  /** Wait `ms`, or less when the app stops (every loop checks `running` after it). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.timers.delete(t);
        this.sleepers.delete(done);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      this.timers.add(t);
      this.sleepers.add(done);
    });
  }

  private post(path: string, body: unknown, auth?: string): Promise<Response> {
    return this.call("POST", path, body, auth ?? "");
  }

  private async call(method: string, path: string, body?: unknown, auth?: string): Promise<Response> {
    const authorization = auth === undefined ? `Bearer ${this.deviceToken}` : auth;
    return fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(authorization ? { authorization } : {}),
        accept: "application/json",
        "accept-charset": "UTF-8",
        "user-agent": this.userAgent,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : gsonStringify(body),
      signal: this.abort.signal,
    });
  }

  private emit(e: PhoneEvent): void {
    this.o.onEvent?.(e);
  }
}

/** The app's event ids: NanoId, 21 URL-safe characters. */
function nanoId(): string {
  return randomBytes(16).toString("base64url").slice(0, 21);
}

import type { ServerResponse } from "node:http";

export interface Stream {
  deviceId: string;
  locationId: string;
  res: ServerResponse;
}

/**
 * Streams one device may hold on one node (finding M6). The app keeps a single stream; the second
 * covers a reconnect that arrives before the node has noticed the old connection is gone. Counted per
 * node, not across nodes: a device could hold this many on each node behind a load balancer.
 */
export const MAX_STREAMS_PER_DEVICE = 2;

/**
 * The phone event streams this process holds (GET /events), by location and device. Wake-ups arrive
 * through store notifications, so a message queued on any node reaches the phones on every node.
 * This is the only per-node state: a phone reconnects (and pulls) if its node goes away.
 */
export class EventHub {
  private readonly byLocation = new Map<string, Set<Stream>>();
  private readonly byDevice = new Map<string, Set<Stream>>();

  /**
   * Hold a new stream. When its device already has MAX_STREAMS_PER_DEVICE here, the oldest ends: the
   * newest is the one a live phone is listening on, and one device token can no longer pile up
   * sockets until the process runs out of file descriptors.
   */
  add(s: Stream): void {
    const mine = this.byDevice.get(s.deviceId);
    // Sets iterate in insertion order: the first entries are the oldest streams.
    const excess = mine ? [...mine].slice(0, Math.max(0, mine.size - MAX_STREAMS_PER_DEVICE + 1)) : [];
    for (const old of excess) this.evict(old);
    addTo(this.byLocation, s.locationId, s);
    addTo(this.byDevice, s.deviceId, s);
  }

  remove(s: Stream): void {
    removeFrom(this.byLocation, s.locationId, s);
    removeFrom(this.byDevice, s.deviceId, s);
  }

  get size(): number {
    let n = 0;
    for (const set of this.byDevice.values()) n += set.size;
    return n;
  }

  deviceIds(): string[] {
    return [...this.byDevice.keys()];
  }

  isStreaming(deviceId: string): boolean {
    return (this.byDevice.get(deviceId)?.size ?? 0) > 0;
  }

  /** Send an SSE event to every phone of a location. */
  toLocation(locationId: string, event: string, data: unknown = null): number {
    return this.send(this.byLocation.get(locationId), event, data);
  }

  toDevice(deviceId: string, event: string, data: unknown = null): number {
    return this.send(this.byDevice.get(deviceId), event, data);
  }

  /** The comment line SMSGate's server sends every 15 s, so proxies and the phone keep the stream. */
  keepalive(): void {
    for (const set of this.byDevice.values()) for (const s of set) s.res.write(":keepalive\n\n");
  }

  close(deviceId?: string): void {
    const sets = deviceId ? [this.byDevice.get(deviceId) ?? new Set<Stream>()] : [...this.byDevice.values()];
    for (const set of sets) for (const s of [...set]) s.res.end();
  }

  /**
   * Forget a stream at once (its "close" comes later) and end it cleanly, so the app sees the end of
   * the stream rather than an error. Its connection closes too: left idle in keep-alive, a socket
   * would stay open for the server's keep-alive timeout, which is what the cap is meant to prevent.
   */
  private evict(s: Stream): void {
    this.remove(s);
    const socket = s.res.socket;
    s.res.end(() => socket?.end());
  }

  private send(set: Set<Stream> | undefined, event: string, data: unknown): number {
    if (!set) return 0;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const s of set) s.res.write(frame);
    return set.size;
  }
}

function addTo(map: Map<string, Set<Stream>>, key: string, s: Stream) {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(s);
}

function removeFrom(map: Map<string, Set<Stream>>, key: string, s: Stream) {
  const set = map.get(key);
  if (!set) return;
  set.delete(s);
  if (set.size === 0) map.delete(key);
}

import type { ServerResponse } from "node:http";

export interface Stream {
  deviceId: string;
  locationId: string;
  res: ServerResponse;
}

/**
 * The phone event streams this process holds (GET /events), by location and device. Wake-ups arrive
 * through store notifications, so a message queued on any node reaches the phones on every node.
 * This is the only per-node state: a phone reconnects (and pulls) if its node goes away.
 */
export class EventHub {
  private readonly byLocation = new Map<string, Set<Stream>>();
  private readonly byDevice = new Map<string, Set<Stream>>();

  add(s: Stream): void {
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

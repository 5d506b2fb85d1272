import type { Store } from "../store/types.js";

/**
 * Tell the phones of a location that work is queued (the gateway turns it into an SSE
 * `MessageEnqueued`). Sends queued in the same event-loop turn for one location share one notification:
 * a 1,000-message burst must not become 1,000 NOTIFYs.
 */
const pending = new Map<Store, Set<string>>();

export function wakePhones(store: Store, locationId: string): void {
  let set = pending.get(store);
  if (!set) {
    set = new Set();
    pending.set(store, set);
    setImmediate(() => {
      const ids = pending.get(store);
      pending.delete(store);
      for (const id of ids ?? []) {
        // A failed wake-up is not a lost message: phones also poll, and the queue job re-notifies.
        store.notify("message_enqueued", id).catch(() => undefined);
      }
    });
  }
  set.add(locationId);
}

import { sql } from "kysely";
import type { AppMigration } from "./kit.js";

/** Webhook subscriptions, the delivery outbox/job store, and the attempt log. */
export const m0008Webhooks: AppMigration = {
  name: "0008_webhooks",
  async up(db, kit) {
    await db.schema
      .createTable("webhook_subscriptions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("client_id", "text", (c) => c.notNull())
      .addColumn("user_id", "text", (c) => c.notNull())
      .addColumn("grant_id", "text", (c) => c.notNull())
      .addColumn("location_id", "text", (c) => c.notNull().references("locations.id").onDelete("cascade"))
      .addColumn("event", "text", (c) => c.notNull())
      .addColumn("target_url", "text", (c) => c.notNull())
      .addColumn("secret", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("status_reason", "text")
      .addColumn("failing_since", "bigint")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .addColumn("disabled_at", "bigint")
      .execute();
    // Subscribing again with the same client, location, event and URL finds the same row.
    await db.schema
      .createIndex("webhook_subscriptions_key")
      .on("webhook_subscriptions")
      .columns(["client_id", "location_id", "event", "target_url"])
      .unique()
      .execute();
    // Fan-out: the active subscriptions of a location and event.
    await db.schema
      .createIndex("webhook_subscriptions_fanout")
      .on("webhook_subscriptions")
      .columns(["location_id", "event", "status"])
      .execute();

    await db.schema
      .createTable("webhook_deliveries")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("subscription_id", "text", (c) =>
        c.notNull().references("webhook_subscriptions.id").onDelete("cascade"),
      )
      .addColumn("location_id", "text", (c) => c.notNull())
      .addColumn("event", "text", (c) => c.notNull())
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("retry_index", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("next_attempt_at", "bigint")
      .addColumn("lease_until", "bigint")
      .addColumn("lease_token", "text")
      .addColumn("last_status_code", "integer")
      .addColumn("last_error", "text")
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .addColumn("delivered_at", "bigint")
      .execute();
    // Claims: due pending rows in time order (id breaks ties, so the index gives the order as is).
    await db.schema
      .createIndex("webhook_deliveries_due")
      .on("webhook_deliveries")
      .columns(["status", "next_attempt_at", "id"])
      .execute();
    // The next due delivery of one endpoint (a backlog drains endpoint by endpoint).
    await db.schema
      .createIndex("webhook_deliveries_endpoint_due")
      .on("webhook_deliveries")
      .columns(["subscription_id", "status", "next_attempt_at", "id"])
      .execute();
    // Leases in flight per endpoint (the fairness cap): only leased rows are in this index.
    await db.schema
      .createIndex("webhook_deliveries_leased")
      .on("webhook_deliveries")
      .columns(["subscription_id", "lease_until"])
      .where(sql.ref("lease_until"), "is not", null)
      .execute();
    // The delivery log of one subscription, newest first; replay by time.
    await db.schema
      .createIndex("webhook_deliveries_subscription")
      .on("webhook_deliveries")
      .columns(["subscription_id", "id"])
      .execute();

    await db.schema
      .createTable("webhook_delivery_attempts")
      .addColumn("id", kit.serial, (c) => c.primaryKey())
      .addColumn("delivery_id", "text", (c) =>
        c.notNull().references("webhook_deliveries.id").onDelete("cascade"),
      )
      .addColumn("subscription_id", "text", (c) => c.notNull())
      .addColumn("attempt", "integer", (c) => c.notNull())
      .addColumn("started_at", "bigint", (c) => c.notNull())
      .addColumn("duration_ms", "integer", (c) => c.notNull())
      .addColumn("status_code", "integer")
      .addColumn("error", "text")
      .addColumn("response_body", "text")
      .execute();
    await db.schema
      .createIndex("webhook_delivery_attempts_delivery")
      .on("webhook_delivery_attempts")
      .columns(["delivery_id", "id"])
      .execute();
  },
};

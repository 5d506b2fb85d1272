import type { AccountTables } from "./tables/accounts.js";
import type { AttachmentTables } from "./tables/attachments.js";
import type { DeviceTables } from "./tables/devices.js";
import type { MessageTables } from "./tables/messages.js";
import type { OAuthTables } from "./tables/oauth.js";
import type { WebhookTables } from "./tables/webhooks.js";

/**
 * The whole database as Kysely sees it. Each domain keeps its tables in `tables/<domain>.ts`; add the
 * interface here. Conventions, the same on both dialects: times are integer epoch milliseconds,
 * booleans are integers 0/1, JSON is text, public ids are prefixed text keys.
 */
export interface Database
  extends AccountTables,
    OAuthTables,
    DeviceTables,
    MessageTables,
    AttachmentTables,
    WebhookTables {}

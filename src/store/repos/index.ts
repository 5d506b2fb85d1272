/** Every storage operation, written once in Kysely; the contract suite runs each on both dialects. */
export * as accounts from "./accounts.js";
export * as attachments from "./attachments.js";
export * as devices from "./devices.js";
export * as messages from "./messages.js";
export * as oauth from "./oauth.js";
export * as webhooks from "./webhooks.js";
export { isPostgres } from "./dialect.js";

import type { Ctx } from "../context.js";
import { safeEqual, sha256Hex } from "../core/crypto.js";
import { AppError } from "../core/errors.js";
import { oauth } from "../store/repos/index.js";
import type { ClientRow } from "../store/repos/oauth.js";

/**
 * Client authentication for the token, revocation and introspection endpoints. The current and, during
 * a rotation, the previous secret both work. Unknown client, wrong secret and disabled client all
 * answer `invalid_client` (the message only distinguishes disabled, which is not a secret).
 */
export async function authenticateClient({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { clientId: string; clientSecret: string };
}): Promise<ClientRow> {
  const client = input.clientId.length <= 100 ? await oauth.clients.byId(ctx.db, input.clientId) : undefined;
  const given = sha256Hex(input.clientSecret);
  const ok =
    client !== undefined &&
    (safeEqual(given, client.secret_hash) ||
      (client.previous_secret_hash !== null && safeEqual(given, client.previous_secret_hash)));
  if (!client || !ok) throw new AppError("invalid_client", "Client authentication failed");
  if (client.disabled_at !== null) throw new AppError("invalid_client", "This client is disabled");
  return client;
}

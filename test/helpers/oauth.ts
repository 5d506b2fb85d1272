import type { Ctx } from "../../src/context.js";
import { createClient, createGrant, type Scope, SCOPES } from "../../src/oauth/index.js";

/** An OAuth client plus a grant for `userId` on `locationIds`, without a browser: for API tests. */
export async function makeApiToken(
  ctx: Ctx,
  input: { userId: string; locationIds: string[]; scopes?: Scope[]; clientName?: string; clientId?: string },
): Promise<{
  accessToken: string;
  refreshToken: string;
  clientId: string;
  clientSecret?: string;
  grantId: string;
}> {
  let clientId = input.clientId;
  let clientSecret: string | undefined;
  if (!clientId) {
    const c = await createClient({
      ctx,
      input: { name: input.clientName ?? "Test app", redirectUris: ["https://app.example.com/cb"] },
    });
    clientId = c.client_id;
    clientSecret = c.client_secret;
  }
  const { grantId, tokens } = await createGrant({
    ctx,
    input: {
      clientId,
      userId: input.userId,
      scopes: input.scopes ?? [...SCOPES],
      locationIds: input.locationIds,
    },
  });
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    clientId,
    clientSecret,
    grantId,
  };
}

import assert from "node:assert/strict";
import { FormClient } from "../helpers/web.js";

/** A client signed in through the sign-in form. */
export async function signIn(base: string, email: string, password: string): Promise<FormClient> {
  const c = new FormClient(base);
  const csrf = await c.csrf("/signin");
  const r = await c.post("/signin", { _csrf: csrf, email, password });
  assert.equal(r.status, 303, `sign-in of ${email}`);
  return c;
}

/**
 * A tiny browser-like HTTP client for form flows in tests: keeps cookies, reads the CSRF field out
 * of pages, never follows redirects (tests look at Location themselves).
 */
export class FormClient {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair?.indexOf("=") ?? -1;
      if (!pair || i < 0) continue;
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(new URL(path, this.base), {
      redirect: "manual",
      headers: { cookie: this.cookieHeader(), ...headers },
    });
    this.keep(res);
    return res;
  }

  async post(
    path: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const res = await fetch(new URL(path, this.base), {
      method: "POST",
      redirect: "manual",
      headers: {
        cookie: this.cookieHeader(),
        "content-type": "application/x-www-form-urlencoded",
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    });
    this.keep(res);
    return res;
  }

  /** GET a page and return its CSRF token (the `_csrf` hidden field). */
  async csrf(path: string): Promise<string> {
    const res = await this.get(path);
    const text = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (!m?.[1]) throw new Error(`no CSRF field on ${path} (status ${res.status})`);
    return m[1];
  }
}

/** Create the first admin through the setup page and return a signed-in client. */
export async function setupAdmin(
  base: string,
  input: { email?: string; name?: string; password?: string; location?: string } = {},
): Promise<FormClient> {
  const c = new FormClient(base);
  const csrf = await c.csrf("/setup");
  const res = await c.post("/setup", {
    _csrf: csrf,
    email: input.email ?? "admin@example.com",
    name: input.name ?? "Ada Admin",
    password: input.password ?? "correct horse battery",
    location_name: input.location ?? "Main Street Dental",
    time_zone: "UTC",
  });
  if (res.status !== 303) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  return c;
}

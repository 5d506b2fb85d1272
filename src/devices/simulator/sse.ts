/** A minimal Server-Sent Events reader over fetch: calls `onEvent` per event, `onComment` per comment. */
export async function readEventStream(
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
  on: { open?: () => void; event: (type: string, data: string) => void; comment?: (text: string) => void },
): Promise<void> {
  const res = await fetch(url, {
    headers: { accept: "text/event-stream", ...init.headers },
    signal: init.signal,
  });
  if (!res.ok || !res.body) {
    const err = new Error(`GET ${url}: ${res.status}`) as Error & { status: number };
    err.status = res.status;
    throw err;
  }
  on.open?.();
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let idx = buf.indexOf("\n\n");
    while (idx >= 0) {
      const frame = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      let type = "message";
      const data: string[] = [];
      for (const line of frame.split("\n")) {
        if (line.startsWith(":")) on.comment?.(line.slice(1));
        else if (line.startsWith("event:")) type = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0 || type !== "message") on.event(type, data.join("\n"));
      idx = buf.indexOf("\n\n");
    }
  }
}

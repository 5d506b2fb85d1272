#!/usr/bin/env node
import { runCli } from "./cli/index.js";

// -1 means "a server is running": keep the process alive until a signal stops it.
runCli(process.argv.slice(2), process.env).then((code) => {
  if (code < 0) return;
  process.exitCode = code;
  // A one-shot command is finished: a connection pool or timer someone forgot must not keep the
  // process (and a script waiting on it) hanging. Unref'd, so a clean exit is not delayed.
  setTimeout(() => process.exit(code), 2000).unref();
});

#!/usr/bin/env node
import { runCli } from "./cli/index.js";

// -1 means "a server is running": keep the process alive until a signal stops it.
runCli(process.argv.slice(2), process.env).then((code) => {
  if (code >= 0) process.exitCode = code;
});

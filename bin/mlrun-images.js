#!/usr/bin/env node
import { main } from '../dist/mlrun-images.js';

// Ctrl-C or SIGTERM ends the command at once, as for any program, unless it has engine processes running: then the
// first one stops them (the command ends with 130 when they have stopped) and a second one exits at once.
const interrupted = new AbortController();
function stopProcessesOnSignals() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (interrupted.signal.aborted) process.exit(130);
      process.stderr.write(`\n${signal}: stopping the engine processes this run started…\n`);
      interrupted.abort();
    });
  }
}

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupted.signal,
  startsProcesses: stopProcessesOnSignals,
});

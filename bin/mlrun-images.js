#!/usr/bin/env node
import { main } from '../dist/mlrun-images.js';

const interrupted = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted.signal.aborted) process.exit(130);
    process.stderr.write(`\n${signal}: stopping the engine processes this run started…\n`);
    interrupted.abort();
  });
}

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupted.signal,
});

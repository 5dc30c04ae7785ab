import { execa } from 'execa';

/** A command line, built by pure functions and run by one small function at the edge. */
export interface Command {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** The folder it runs in (default: where the tool runs). */
  cwd?: string;
}

export interface ProcessResult {
  exitCode: number;
  /** The last part of what the process printed (stdout and stderr together). */
  output: string;
  /** With `separate`: what it printed on each stream (the last part of each). */
  stdout?: string;
  stderr?: string;
  /** With `binary`: its standard output as bytes (up to a limit). */
  bytes?: Buffer;
}

export interface RunProcessOptions {
  /** Each line the process prints, as it prints it. */
  onLine?: (line: string) => void;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period). */
  signal?: AbortSignal;
  /** Keep standard output and standard error apart too. */
  separate?: boolean;
  /** Keep standard output as bytes (an archive). */
  binary?: boolean;
}

/** Runs engine commands; the build takes it as a parameter so unit tests can record instead of run. */
export interface ProcessRunner {
  run(command: Command, options?: RunProcessOptions): Promise<ProcessResult>;
}

const KEPT_OUTPUT = 64 * 1024;
const KEPT_BYTES = 16 * 1024 * 1024;

/** The real runner: one child process per command, killed with the run when it is cancelled. */
export const execaRunner: ProcessRunner = {
  async run({ command, args, env, cwd }, { onLine, signal, separate = false, binary = false } = {}) {
    const child = execa(command, args, {
      env: { ...process.env, ...env },
      ...(cwd ? { cwd } : {}),
      all: true,
      reject: false,
      stdin: 'ignore',
      cleanup: true,
      forceKillAfterDelay: 10_000,
      ...(signal ? { cancelSignal: signal } : {}),
      buffer: false,
    });
    let output = '';
    let partial = '';
    const streams = { stdout: '', stderr: '' };
    const chunks: Buffer[] = [];
    let byteCount = 0;
    child.all?.setEncoding('utf8');
    child.all?.on('data', (chunk: string) => {
      output = (output + chunk).slice(-KEPT_OUTPUT);
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) onLine?.(line);
    });
    if (separate) {
      child.stdout?.on('data', (chunk: Buffer) => {
        streams.stdout = (streams.stdout + chunk.toString('utf8')).slice(-KEPT_OUTPUT);
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        streams.stderr = (streams.stderr + chunk.toString('utf8')).slice(-KEPT_OUTPUT);
      });
    }
    if (binary) {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (byteCount >= KEPT_BYTES) return;
        chunks.push(chunk);
        byteCount += chunk.length;
      });
    }
    const result = await child;
    if (partial !== '') onLine?.(partial);
    const exitCode = typeof result.exitCode === 'number' ? result.exitCode : result.isCanceled ? 130 : 1;
    if (result.failed && result.exitCode === undefined && !result.isCanceled) output += `\n${result.shortMessage ?? ''}`;
    return { exitCode, output, ...(separate ? streams : {}), ...(binary ? { bytes: Buffer.concat(chunks) } : {}) };
  },
};

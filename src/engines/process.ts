import { readdirSync, readFileSync } from 'node:fs';
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
  /** The signal that ended it, when one did that it did not ask for (`SIGKILL` from outside). */
  signal?: string;
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
  /** How long a cancelled process and what it started have after SIGTERM before SIGKILL (default 10 s). */
  stopGraceMs?: number;
}

/** Runs engine commands; the build takes it as a parameter so unit tests can record instead of run. */
export interface ProcessRunner {
  run(command: Command, options?: RunProcessOptions): Promise<ProcessResult>;
}

const KEPT_OUTPUT = 64 * 1024;
const KEPT_BYTES = 16 * 1024 * 1024;

/** Every process below `pid` (its children, theirs, …), deepest first, read from /proc; none where there is no /proc. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const entry of entries) {
    try {
      // The parent is the field after the command name, which may hold spaces and parentheses: read after the last `)`.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // Gone while the list was read.
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      walk(child);
      found.push(child);
    }
  };
  walk(pid);
  return found;
}

/**
 * Stop a process and everything it started: the processes a build runs (a `RUN` step's) are its descendants, and an
 * engine that is told to stop does not always stop them. SIGTERM to each, deepest first; SIGKILL to what is left after
 * the grace period, or as soon as the process itself has ended (its orphans would escape a later look).
 */
function stopTree(pid: number, graceMs: number): { finish(): void } {
  const tree = [...descendantsOf(pid), pid];
  const signalAll = (signal: NodeJS.Signals, pids: readonly number[]) => {
    for (const target of pids) {
      try {
        process.kill(target, signal);
      } catch {
        // Already gone.
      }
    }
  };
  signalAll('SIGTERM', tree);
  const timer = setTimeout(() => signalAll('SIGKILL', [...descendantsOf(pid), ...tree]), graceMs);
  return {
    finish: () => {
      clearTimeout(timer);
      signalAll('SIGKILL', tree.slice(0, -1));
    },
  };
}

const STOP_GRACE_MS = 10_000;

/** The real runner: one child process per command; when the run is cancelled it is stopped with all it started. */
export const execaRunner: ProcessRunner = {
  async run({ command, args, env, cwd }, { onLine, signal, separate = false, binary = false, stopGraceMs = STOP_GRACE_MS } = {}) {
    const child = execa(command, args, {
      env: { ...process.env, ...env },
      ...(cwd ? { cwd } : {}),
      all: true,
      reject: false,
      stdin: 'ignore',
      cleanup: true,
      // Its own process group: Ctrl-C reaches this tool, which stops the whole tree, not the engine alone first.
      detached: true,
      buffer: false,
    });
    let stopping: { finish(): void } | undefined;
    const stop = () => {
      if (child.pid !== undefined) stopping = stopTree(child.pid, stopGraceMs);
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
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
    signal?.removeEventListener('abort', stop);
    stopping?.finish();
    const cancelled = stopping !== undefined;
    if (partial !== '') onLine?.(partial);
    const exitCode = typeof result.exitCode === 'number' ? result.exitCode : cancelled ? 130 : 1;
    if (result.failed && result.exitCode === undefined && !cancelled) output += `\n${result.shortMessage ?? ''}`;
    const killed = !cancelled && result.signal ? { signal: result.signal } : {};
    return { exitCode, output, ...killed, ...(separate ? streams : {}), ...(binary ? { bytes: Buffer.concat(chunks) } : {}) };
  },
};

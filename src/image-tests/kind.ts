/**
 * An image test kind: what a `tests:` entry of that kind may say, how it is checked when the manifest is loaded, how
 * it runs on an engine's test runtime, and how what came out of the image is judged (pure). The runtime is the
 * engines' part (engines/test-runtime.ts): it implements `TestRuntime`, declared here, for what the kinds ask of it.
 */
import type { JsonSchema } from '../manifest/schema-document.js';

export const TEST_KIND_NAMES = ['command', 'file', 'metadata', 'http'] as const;
export type TestKindName = (typeof TEST_KIND_NAMES)[number];

/** One test of an image, as the manifest resolves it. */
export interface ImageTest {
  name: string;
  kind: TestKindName;
  /** The parameters: for `command` the argv (or shell text) is `command`, beside the others. */
  params: Record<string, unknown>;
  /** The image whose manifest entry declares it (the image itself, an image it extends, or an ancestor). */
  declaredBy: string;
}

/** What a command run in the image gave. */
export interface CommandOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** It ran longer than its timeout and was stopped. */
  timedOut: boolean;
}

/** What the image holds at a path. */
export interface FileOutcome {
  exists: boolean;
  type?: 'file' | 'dir' | 'link' | 'other';
  /** Permission bits (0o755). */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Names from the image's /etc/passwd and /etc/group, when it has them. */
  user?: string;
  group?: string;
  /** The content of a regular file (its start, for a large one). */
  content?: string;
}

export interface CommandTest {
  /** argv, or text for `sh -c`. */
  command: string | readonly string[];
  user?: string;
  env?: Readonly<Record<string, string>>;
}

export interface RunningService {
  /** The port on 127.0.0.1 that reaches the container's port. */
  hostPort: number;
  /** Whether the container is still running. */
  running(): Promise<boolean>;
  /** The last lines it printed. */
  logs(): Promise<string>;
  /** Remove it (always called). */
  stop(): Promise<void>;
}

/** How an engine runs image tests (engines/test-runtime.ts). */
export interface TestRuntime {
  /** The test kinds this engine can run; others are reported as not run, with `cannot`. */
  kinds: readonly TestKindName[];
  /** Why it cannot run the other kinds. */
  cannot: string;
  runCommand(image: string, test: CommandTest, signal: AbortSignal): Promise<CommandOutcome>;
  readPath(image: string, path: string, signal: AbortSignal): Promise<FileOutcome>;
  /** The image's configuration as the engine prints it (`Env`, `Labels`, `ExposedPorts`, …). */
  config(image: string, signal: AbortSignal): Promise<Record<string, unknown>>;
  serve(image: string, port: number, args: readonly string[] | undefined, signal: AbortSignal): Promise<RunningService>;
}

export interface TestRunOptions {
  signal: AbortSignal;
  now(): number;
  /** Waits between two tries of an http test. */
  sleep(ms: number): Promise<void>;
  fetch: typeof fetch;
}

/** A `timeout` parameter in milliseconds (seconds in the manifest). */
export const timeoutMs = (value: unknown, fallbackSeconds: number) => (value === undefined ? fallbackSeconds : Number(value)) * 1000;

/** A problem with a test's parameters, at the parameter. */
export type ParamProblem = { param: string; message: string };

export interface TestKind {
  name: TestKindName;
  /** Parameters beside the kind key (`command`) or inside its mapping (the others). */
  schema: { properties: Record<string, JsonSchema>; required?: string[] };
  /** The README's row. */
  docs: { parameters: string; checks: string };
  /** Whether the parameters sit beside the kind key (`command: [...]`, `stdout: …`) instead of inside it. */
  flat: boolean;
  /** Meaning checks the schema cannot make: regular expressions that do not compile, and the like. */
  check(params: Record<string, unknown>): ParamProblem[];
  /** Run it on the image with the engine's runtime: what went wrong, or nothing. */
  run(runtime: TestRuntime, image: string, params: Record<string, unknown>, options: TestRunOptions): Promise<string[]>;
}

/** A regular expression parameter that does not compile, as a problem. */
export function regexProblems(params: Record<string, unknown>, names: readonly string[]): ParamProblem[] {
  const problems: ParamProblem[] = [];
  for (const name of names) {
    const pattern = params[name];
    if (typeof pattern !== 'string') continue;
    try {
      new RegExp(pattern);
    } catch (error) {
      problems.push({
        param: name,
        message: `\`${name}\` is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`,
      });
    }
  }
  return problems;
}

/** The first lines of an output, for a failure message. */
export function firstLines(text: string, count = 5): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  const shown = lines.slice(0, count).map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line));
  return `${shown.join('\n')}${lines.length > count ? `\n… (${lines.length - count} more line(s))` : ''}`;
}

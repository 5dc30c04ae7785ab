/**
 * How an engine runs image tests: a command in a container, a path read out of the image, the image's configuration,
 * and the image started with a port published on 127.0.0.1. Every container it starts has a name of this run and is
 * removed afterwards, also when the test fails, times out or is interrupted.
 */
import type { FileOutcome, TestRuntime } from '../image-tests/kind.js';
import { firstTarEntry } from '../image-tests/tar.js';
import type { Command, ProcessRunner } from './process.js';

export type { CommandTest, RunningService, TestRuntime } from '../image-tests/kind.js';

let containers = 0;
/** A container name of this run: removed by name whatever happens to the command that started it. */
export function testContainerName(): string {
  containers += 1;
  return `mlrun-images-test-${process.pid}-${containers}`;
}

/** The command's argv: text runs with `sh -c`. */
export function argvOf(command: string | readonly string[]): string[] {
  return typeof command === 'string' ? ['sh', '-c', command] : [...command];
}

export class EngineCommandError extends Error {}

/** The line of an engine's error output that says what went wrong (not its usage hint). */
export function reasonOf(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '' && !/--help/.test(line));
  return lines.find((line) => /error/i.test(line)) ?? lines.at(-1) ?? '';
}

/** Run a command the test needs to succeed; its failure is the test's error, with the engine's last line. */
export async function required(runner: ProcessRunner, command: Command, signal?: AbortSignal, options: { binary?: boolean } = {}) {
  const result = await runner.run(command, { ...(signal ? { signal } : {}), separate: true, ...options });
  if (result.exitCode !== 0) {
    const reason = reasonOf(result.stderr ?? result.output);
    throw new EngineCommandError(`\`${command.command} ${command.args.slice(0, 2).join(' ')}\` exited with ${result.exitCode}: ${reason}`);
  }
  return result;
}

/** An archive's first entry; a path the image does not have is an empty outcome. */
function fileOutcome(archive: Buffer | undefined): FileOutcome {
  return archive && archive.length > 0 ? firstTarEntry(archive) : { exists: false };
}

/** The user and group names of an image, from its /etc/passwd and /etc/group (read like any other file). */
export function namesFrom(passwd: string | undefined, group: string | undefined): { users: Map<number, string>; groups: Map<number, string> } {
  const table = (text: string | undefined) =>
    new Map(
      (text ?? '')
        .split('\n')
        .map((line) => line.split(':'))
        .filter((fields) => fields.length >= 3 && /^\d+$/.test(fields[2]!))
        .map((fields) => [Number(fields[2]), fields[0]!] as const),
    );
  return { users: table(passwd), groups: table(group) };
}

/**
 * docker and podman: the same command line for what tests need. `ip::port` publishes on a free port of 127.0.0.1 on
 * both (podman refuses a host port of 0).
 */
export function containerCliRuntime(engine: 'docker' | 'podman', runner: ProcessRunner): TestRuntime {
  const remove = (name: string) => runner.run({ command: engine, args: ['rm', '-f', name] });
  const copyOut = async (name: string, path: string): Promise<FileOutcome> => {
    const copied = await runner.run({ command: engine, args: ['cp', `${name}:${path}`, '-'] }, { binary: true, separate: true });
    if (copied.exitCode !== 0) {
      if (/no such file|could not find|not found|does not exist/i.test(copied.stderr ?? copied.output)) return { exists: false };
      throw new EngineCommandError(`\`${engine} cp\` exited with ${copied.exitCode}: ${reasonOf(copied.stderr ?? copied.output)}`);
    }
    return fileOutcome(copied.bytes);
  };
  return {
    kinds: ['command', 'file', 'metadata', 'http'],
    cannot: '',
    async runCommand(image, test, signal) {
      const name = testContainerName();
      const [entrypoint, ...args] = argvOf(test.command);
      const flags = ['--name', name, '--entrypoint', entrypoint!, ...(test.user ? ['--user', test.user] : [])];
      for (const [key, value] of Object.entries(test.env ?? {})) flags.push('--env', `${key}=${value}`);
      try {
        const result = await runner.run({ command: engine, args: ['run', ...flags, image, ...args] }, { signal, separate: true });
        return { exitCode: result.exitCode, stdout: result.stdout ?? '', stderr: result.stderr ?? '', timedOut: false };
      } finally {
        await remove(name);
      }
    },
    async readPath(image, path, signal) {
      const name = testContainerName();
      try {
        await required(runner, { command: engine, args: ['create', '--name', name, '--entrypoint', '/mlrun-images-no-entrypoint', image] }, signal);
        const outcome = await copyOut(name, path);
        if (!outcome.exists || (outcome.user !== undefined && outcome.group !== undefined)) return outcome;
        const [passwd, group] = await Promise.all([copyOut(name, '/etc/passwd'), copyOut(name, '/etc/group')]);
        const names = namesFrom(passwd.content, group.content);
        const user = names.users.get(outcome.uid ?? -1);
        const groupName = names.groups.get(outcome.gid ?? -1);
        return { ...outcome, ...(user ? { user } : {}), ...(groupName ? { group: groupName } : {}) };
      } finally {
        await remove(name);
      }
    },
    async config(image, signal) {
      const inspected = await required(runner, { command: engine, args: ['image', 'inspect', image] }, signal);
      const parsed = JSON.parse(inspected.stdout ?? inspected.output) as { Config?: Record<string, unknown> }[];
      return parsed[0]?.Config ?? {};
    },
    async serve(image, port, args, signal) {
      const name = testContainerName();
      const started = await runner.run(
        { command: engine, args: ['run', '-d', '--name', name, '-p', `127.0.0.1::${port}`, image, ...(args ?? [])] },
        { signal, separate: true },
      );
      const stop = async () => void (await remove(name));
      if (started.exitCode !== 0) {
        await stop();
        throw new EngineCommandError(`\`${engine} run\` exited with ${started.exitCode}: ${reasonOf(started.stderr ?? started.output)}`);
      }
      try {
        const published = await required(runner, { command: engine, args: ['port', name, `${port}/tcp`] }, signal);
        const hostPort = Number(/127\.0\.0\.1:(\d+)/.exec(published.stdout ?? published.output)?.[1]);
        if (!Number.isInteger(hostPort) || hostPort <= 0) throw new EngineCommandError(`\`${engine} port\` did not say where port ${port} is published`);
        return {
          hostPort,
          running: async () =>
            (await runner.run({ command: engine, args: ['inspect', '--format', '{{.State.Running}}', name] }, { separate: true })).stdout?.trim() === 'true',
          logs: async () => (await runner.run({ command: engine, args: ['logs', '--tail', '20', name] })).output,
          stop,
        };
      } catch (error) {
        await stop();
        throw error;
      }
    },
  };
}

/**
 * buildah: a working container for commands (`buildah from` + `buildah run`, which runs no entrypoint), its root
 * mounted for files; it runs no container with a published port, so no http test.
 */
export function buildahRuntime(runner: ProcessRunner, tlsFlags: (reference: string) => string[]): TestRuntime {
  const from = async (image: string, signal: AbortSignal) => {
    const name = testContainerName();
    await required(runner, { command: 'buildah', args: ['from', '--name', name, ...tlsFlags(image), image] }, signal);
    return name;
  };
  const remove = (name: string) => runner.run({ command: 'buildah', args: ['rm', name] });
  const archive = async (root: string, path: string, signal: AbortSignal): Promise<FileOutcome> => {
    const copied = await runner.run(
      { command: 'tar', args: ['--numeric-owner', '-C', root, '-cf', '-', `.${path}`] },
      { signal, binary: true, separate: true },
    );
    return copied.exitCode === 0 ? fileOutcome(copied.bytes) : { exists: false };
  };
  return {
    kinds: ['command', 'file', 'metadata'],
    cannot: 'buildah runs no container with a published port (run http tests with docker or podman)',
    async runCommand(image, test, signal) {
      const name = await from(image, signal);
      try {
        const flags = [...(test.user ? ['--user', test.user] : [])];
        for (const [key, value] of Object.entries(test.env ?? {})) flags.push('--env', `${key}=${value}`);
        const result = await runner.run({ command: 'buildah', args: ['run', ...flags, name, '--', ...argvOf(test.command)] }, { signal, separate: true });
        return { exitCode: result.exitCode, stdout: result.stdout ?? '', stderr: result.stderr ?? '', timedOut: false };
      } finally {
        await remove(name);
      }
    },
    async readPath(image, path, signal) {
      const name = await from(image, signal);
      try {
        const mounted = await required(runner, { command: 'buildah', args: ['mount', name] }, signal);
        const root = (mounted.stdout ?? mounted.output).trim().split('\n').pop()!;
        const outcome = await archive(root, path, signal);
        if (!outcome.exists) return outcome;
        const [passwd, group] = await Promise.all([archive(root, '/etc/passwd', signal), archive(root, '/etc/group', signal)]);
        const names = namesFrom(passwd.content, group.content);
        const user = names.users.get(outcome.uid ?? -1);
        const groupName = names.groups.get(outcome.gid ?? -1);
        return { ...outcome, ...(user ? { user } : {}), ...(groupName ? { group: groupName } : {}) };
      } finally {
        await runner.run({ command: 'buildah', args: ['umount', name] });
        await remove(name);
      }
    },
    async config(image, signal) {
      const inspected = await required(runner, { command: 'buildah', args: ['inspect', '--type', 'image', image] }, signal);
      const parsed = JSON.parse(inspected.stdout ?? inspected.output) as { OCIv1?: { config?: Record<string, unknown> } };
      return parsed.OCIv1?.config ?? {};
    },
    serve: async () => {
      throw new EngineCommandError('buildah runs no container with a published port');
    },
  };
}

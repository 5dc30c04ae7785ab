import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Command, ProcessResult, ProcessRunner } from '../../src/engines/process.js';
import { buildahRuntime, containerCliRuntime } from '../../src/engines/test-runtime.js';

const folder = mkdtempSync(join(tmpdir(), 'mlrun-images-runtime-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
writeFileSync(join(folder, 'motd'), 'welcome\n');
const archiveOf = (path: string) => execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', folder, '-cf', '-', path]);

/** A runner that records commands and answers from `answer` (exit 0, empty, unless it says otherwise). */
function recording(answer: (command: Command) => Partial<ProcessResult> = () => ({})) {
  const commands: string[] = [];
  const runner: ProcessRunner = {
    async run(command) {
      commands.push([command.command, ...command.args].join(' '));
      const answered = answer(command);
      return { exitCode: 0, output: '', stdout: '', stderr: '', ...answered };
    },
  };
  return { runner, commands };
}
const signal = new AbortController().signal;

describe('docker and podman', () => {
  test.each(['docker', 'podman'] as const)('%s: a command runs with its entrypoint set to the argv head, and the container is removed', async (engine) => {
    const { runner, commands } = recording((command) => (command.args[0] === 'run' ? { exitCode: 3, stdout: 'out', stderr: 'err' } : {}));
    const outcome = await containerCliRuntime(engine, runner).runCommand(
      'mlrun/app:1',
      { command: ['python', '-c', 'print(1)'], user: 'nobody', env: { A: 'b c' } },
      signal,
    );
    expect(outcome).toEqual({ exitCode: 3, stdout: 'out', stderr: 'err', timedOut: false });
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(
      new RegExp(`^${engine} run --name mlrun-images-test-\\d+-\\d+ --entrypoint python --user nobody --env A=b c mlrun/app:1 -c print\\(1\\)$`),
    );
    expect(commands[1]).toBe(`${engine} rm -f ${commands[0]!.split(' ')[3]}`);
  });

  test('text runs with sh -c', async () => {
    const { runner, commands } = recording();
    await containerCliRuntime('docker', runner).runCommand('x', { command: 'echo $HOME && true' }, signal);
    expect(commands[0]).toMatch(/--entrypoint sh x -c echo \$HOME && true$/);
  });

  test('the container is removed even when running it throws', async () => {
    const { runner, commands } = recording((command) => {
      if (command.args[0] === 'run') throw new Error('spawn failed');
      return {};
    });
    await expect(containerCliRuntime('docker', runner).runCommand('x', { command: ['a'] }, signal)).rejects.toThrow('spawn failed');
    expect(commands.at(-1)).toMatch(/^docker rm -f mlrun-images-test-/);
  });

  test('a path is read from a created (never started) container as an archive; names from its /etc/passwd when the archive has none', async () => {
    const { runner, commands } = recording((command) => {
      if (command.args[0] !== 'cp') return {};
      const path = command.args[1]!.split(':')[1];
      if (path === '/etc/passwd') return { bytes: execFileSync('tar', ['-C', folder, '-cf', '-', '--transform', 's/.*/passwd/', 'motd']) };
      if (path === '/etc/motd') return { bytes: archiveOf('motd') };
      return { exitCode: 1, stderr: 'Error: Could not find the file /nope in container x' };
    });
    const runtime = containerCliRuntime('docker', runner);
    expect(await runtime.readPath('mlrun/app:1', '/etc/motd', signal)).toMatchObject({ exists: true, type: 'file', uid: 0, content: 'welcome\n' });
    expect(commands[0]).toMatch(/^docker create --name (mlrun-images-test-\S+) --entrypoint \/mlrun-images-no-entrypoint mlrun\/app:1$/);
    const name = commands[0]!.split(' ')[3];
    expect(commands[1]).toBe(`docker cp ${name}:/etc/motd -`);
    expect(commands.at(-1)).toBe(`docker rm -f ${name}`);
    expect(await runtime.readPath('x', '/nope', signal)).toEqual({ exists: false });
  });

  test("the configuration is the image's Config", async () => {
    const { runner } = recording(() => ({ stdout: JSON.stringify([{ Id: 'sha256:1', Config: { WorkingDir: '/w', Env: ['A=1'] } }]) }));
    expect(await containerCliRuntime('podman', runner).config('x', signal)).toEqual({ WorkingDir: '/w', Env: ['A=1'] });
  });

  test('a service is started detached, its port published on 127.0.0.1 only (ip::port), found with `port`, stopped by name', async () => {
    const { runner, commands } = recording((command) => (command.args[0] === 'port' ? { stdout: '127.0.0.1:43567\n' } : {}));
    const service = await containerCliRuntime('podman', runner).serve('mlrun/api:1', 8080, ['serve', '--fast'], signal);
    expect(service.hostPort).toBe(43567);
    const name = commands[0]!.split(' ')[4];
    expect(commands[0]).toBe(`podman run -d --name ${name} -p 127.0.0.1::8080 mlrun/api:1 serve --fast`);
    expect(commands[1]).toBe(`podman port ${name} 8080/tcp`);
    await service.stop();
    expect(commands.at(-1)).toBe(`podman rm -f ${name}`);
  });

  test('a service that cannot start is removed, and says why', async () => {
    const { runner, commands } = recording((command) => (command.args[0] === 'run' ? { exitCode: 125, stderr: 'Error: port is already allocated' } : {}));
    await expect(containerCliRuntime('docker', runner).serve('x', 80, undefined, signal)).rejects.toThrow(
      '`docker run` exited with 125: Error: port is already allocated',
    );
    expect(commands.at(-1)).toMatch(/^docker rm -f mlrun-images-test-/);
  });
});

describe('buildah', () => {
  const tls = (reference: string) => (reference.startsWith('127.0.0.1') ? ['--tls-verify=false'] : []);

  test('a command runs in a working container (no entrypoint), which is removed', async () => {
    const { runner, commands } = recording((command) => (command.args[0] === 'run' ? { stdout: 'hi' } : {}));
    const outcome = await buildahRuntime(runner, tls).runCommand('127.0.0.1:5000/e2e/app:1', { command: 'echo hi', env: { A: '1' } }, signal);
    expect(outcome.stdout).toBe('hi');
    const name = commands[0]!.split(' ')[3];
    expect(commands).toEqual([
      `buildah from --name ${name} --tls-verify=false 127.0.0.1:5000/e2e/app:1`,
      `buildah run --env A=1 ${name} -- sh -c echo hi`,
      `buildah rm ${name}`,
    ]);
  });

  test('a path is read from the mounted working container with tar, then unmounted and removed', async () => {
    const { runner, commands } = recording((command) => {
      if (command.args[0] === 'mount') return { stdout: `${folder}\n` };
      if (command.command === 'tar') return command.args.includes('./motd') ? { bytes: archiveOf('motd') } : { exitCode: 2 };
      return {};
    });
    expect(await buildahRuntime(runner, tls).readPath('x', '/motd', signal)).toMatchObject({ exists: true, content: 'welcome\n' });
    const name = commands[0]!.split(' ')[3];
    expect(commands).toContain(`tar --numeric-owner -C ${folder} -cf - ./motd`);
    expect(commands.slice(-2)).toEqual([`buildah umount ${name}`, `buildah rm ${name}`]);
  });

  test('configuration from `buildah inspect` (OCIv1.config); no http tests, and it says why', async () => {
    const { runner } = recording(() => ({ stdout: JSON.stringify({ OCIv1: { config: { User: 'mlrun' } } }) }));
    const runtime = buildahRuntime(runner, tls);
    expect(await runtime.config('x', signal)).toEqual({ User: 'mlrun' });
    expect(runtime.kinds).toEqual(['command', 'file', 'metadata']);
    expect(runtime.cannot).toBe('buildah runs no container with a published port (run http tests with docker or podman)');
  });
});

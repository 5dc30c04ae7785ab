/** The commands: what each is called, what help says of it, and the module that runs it (loaded when it runs). */
import { renderMermaid } from '../../render/mermaid.js';
import type { Invocation } from '../invocation.js';
import type { CommandName } from '../options.js';
import { type CliIo, loadProject } from '../project.js';
import type { CommandSummary } from '../usage.js';

export interface CommandSpec {
  name: CommandName;
  /** Its lines in `--help`. */
  usage: readonly CommandSummary[];
  /** Whether arguments may follow its name. */
  takesOperands: boolean;
  run(invocation: Invocation, io: CliIo): Promise<number>;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'generate',
    usage: [
      { synopsis: 'generate', summary: 'render generated/<image>/Dockerfile for every image of the manifest' },
      { synopsis: 'generate --check', summary: 'exit 1 with a diff when generated/ is not what generate would write' },
    ],
    takesOperands: false,
    run: async (invocation, io) => (await import('./generate.js')).generateCommand(invocation, io),
  },
  {
    name: 'list',
    usage: [
      { synopsis: 'list', summary: "print each image's full reference, in build order" },
      { synopsis: 'list --changed-since REF', summary: 'print the images whose inputs changed since the git commit REF (and those built on them)' },
    ],
    takesOperands: false,
    run: async (invocation, io) => (await import('./status.js')).listCommand(invocation, io),
  },
  {
    name: 'graph',
    usage: [{ synopsis: 'graph', summary: 'print the image family as a mermaid graph' }],
    takesOperands: false,
    run: async (invocation, io) => {
      io.stdout.write(renderMermaid(loadProject(invocation, io, { checkout: false }).family));
      return 0;
    },
  },
  {
    name: 'build',
    usage: [{ synopsis: 'build [IMAGE...]', summary: 'build the images (all, or the named ones and their parents) on a container engine' }],
    takesOperands: true,
    run: async (invocation, io) => (await import('./build.js')).buildCommand(invocation, io),
  },
  {
    name: 'status',
    usage: [
      { synopsis: 'status [IMAGE...]', summary: 'say of each image whether the engine (or --remote registry) has it up to date, stale (and why) or missing' },
    ],
    takesOperands: true,
    run: async (invocation, io) => (await import('./status.js')).statusCommand(invocation, io),
  },
  {
    name: 'test',
    usage: [{ synopsis: 'test [IMAGE...]', summary: "run the images' tests (all, or the named ones') on a container engine" }],
    takesOperands: true,
    run: async (invocation, io) => (await import('./test.js')).testCommand(invocation, io),
  },
  {
    name: 'bake',
    usage: [{ synopsis: 'bake [IMAGE...]', summary: 'write docker-bake.json: the family as one graph for docker buildx bake' }],
    takesOperands: true,
    run: async (invocation, io) => (await import('./bake.js')).bakeCommand(invocation, io),
  },
  {
    name: 'ci',
    usage: [{ synopsis: 'ci github', summary: 'write a GitHub Actions workflow that builds the family (a job per image, or --bake)' }],
    takesOperands: true,
    run: async (invocation, io) => (await import('./ci.js')).ciCommand(invocation, io),
  },
  {
    name: 'resolve',
    usage: [{ synopsis: 'resolve IMAGE', summary: 'print the reference MLRun would use for IMAGE (auto-tag and registry rules)' }],
    takesOperands: true,
    run: async (invocation, io) => (await import('./resolve.js')).resolveCommand(invocation, io),
  },
  {
    name: 'lint',
    usage: [{ synopsis: 'lint', summary: 'report what is not pinned (--production: as errors) and what the generated Dockerfiles show' }],
    takesOperands: false,
    run: async (invocation, io) => (await import('./lint.js')).lintCommand(invocation, io),
  },
  {
    name: 'lock',
    usage: [{ synopsis: 'lock [IMAGE...]', summary: 'pin every external base image to its digest in images.lock.yaml' }],
    takesOperands: true,
    run: async (invocation, io) => (await import('./lock.js')).lockCliCommand(invocation, io),
  },
];

export function commandSpec(name: CommandName): CommandSpec {
  return COMMANDS.find((command) => command.name === name)!;
}

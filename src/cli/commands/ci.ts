/** `ci github`: write the family's GitHub Actions workflow. */
import { join, relative } from 'node:path';
import { githubWorkflow } from '../../ci/github.js';
import { UsageError } from '../../errors.js';
import { GENERATED_MARKER, writeOwnFile } from '../files.js';
import { flagOption, type Invocation, stringOption } from '../invocation.js';
import { type CliIo, loadProject, manifestDir } from '../project.js';
import { inputsOfRun } from '../sources.js';

const PROVIDERS = ['github'];

export async function ciCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const [provider, ...rest] = invocation.operands;
  if (provider === undefined || !PROVIDERS.includes(provider) || rest.length > 0) {
    throw new UsageError(`ci: expected the CI system to write a workflow for: \`mlrun-images ci ${PROVIDERS.join('|')}\``);
  }
  const { family, set } = loadProject(invocation, io);
  const folder = manifestDir(invocation);
  const out = stringOption(invocation, 'out') ?? join(folder, '.github', 'workflows', 'mlrun-images.yml');
  const manifest = relative(folder, invocation.manifestPath) || 'images.yaml';
  const text = githubWorkflow(set, { bake: flagOption(invocation, 'bake'), manifest });
  const { changed, shown } = await writeOwnFile('-o', out, text, {
    isOurs: (existing) => existing.startsWith(GENERATED_MARKER),
    cwd: io.cwd,
    inputs: inputsOfRun(family, { manifestPath: invocation.manifestPath }, io.cwd),
  });
  io.stdout.write(`${changed ? 'wrote' : 'kept'} ${shown}\n`);
  return 0;
}

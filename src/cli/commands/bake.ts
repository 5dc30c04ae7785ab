/** `bake [IMAGE...]`: write a bake file of the family for `docker buildx bake`, on any BuildKit setup. */
import { dirname, join, relative, resolve } from 'node:path';
import { StaleError } from '../../errors.js';
import { BAKE_MARKER, bakeFile } from '../../engines/bake-file.js';
import { renderFamily } from '../../pipeline.js';
import { compareOutput, writeOwnFile } from '../files.js';
import { type Invocation, stringOption } from '../invocation.js';
import { outputTarget } from '../output.js';
import { type CliIo, loadProject, lockFor, manifestDir } from '../project.js';
import { inputsOfRun } from '../sources.js';
import { runnerOf } from '../run-plan.js';
import { buildFlags, checkCacheTo, gitRevision, inputsFor, planOf, sourcesOf, withInputs } from '../build-plan.js';

export async function bakeCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const { family, set, templates } = loadProject(invocation, io);
  const folder = manifestDir(invocation);
  const lockFile = lockFor(invocation, family);
  const flags = { ...buildFlags(invocation, io), ...(lockFile ? { lock: lockFile.bases } : {}) };
  const sources = sourcesOf(set, flags, io);
  if (flags.cacheTo !== undefined) checkCacheTo(flags.cacheTo);
  // The bake file names the Dockerfiles of generated/: they must be what generate writes now.
  const generated = join(folder, 'generated');
  const shownGenerated = relative(io.cwd, generated) || '.';
  const files = renderFamily(family, templates, lockFile?.bases);
  const stale = await compareOutput(generated, files);
  if (stale.length > 0) {
    throw new StaleError(
      `${shownGenerated}/ is stale (${stale.length} file(s) differ from the manifest) and the bake file names its Dockerfiles; run \`npm run generate\` first`,
    );
  }
  const given = stringOption(invocation, 'out') ?? join(folder, 'docker-bake.json');
  const out = resolve(io.cwd, given);
  const inputs = inputsOfRun(family, { manifestPath: invocation.manifestPath }, io.cwd);
  // Checked before git or the plan are asked anything.
  outputTarget('-o', given, io.cwd, inputs, { stdout: false });
  const imageOf = new Map(set.units.map((unit) => [unit.id, unit.image]));
  // Each target carries its input digest, so `build` and `status` know the images bake makes.
  const plan = withInputs(
    planOf(set, flags, folder, io, {
      sources,
      files,
      dockerfileOf: (unit) => join(generated, imageOf.get(unit)!, 'Dockerfile'),
      registryCache: true,
      git: await gitRevision(folder, runnerOf(io)),
    }),
    inputsFor(set, files, folder, flags, io),
  );
  const file = bakeFile(plan.steps, { folder: dirname(out), imageOf: (unit) => imageOf.get(unit)! });
  const { changed, shown } = await writeOwnFile('-o', given, `${JSON.stringify(file, null, 2)}\n`, {
    isOurs: (existing) => existing.includes(`"${BAKE_MARKER}"`),
    cwd: io.cwd,
    inputs,
  });
  const groups = Object.keys(file.group).length;
  io.stdout.write(
    `${changed ? 'wrote' : 'kept'} ${shown}: ${plan.steps.length} target(s), ${groups} group(s); from its folder: docker buildx bake -f ${relative(dirname(out), out)} [TARGET|GROUP...] [--push]\n`,
  );
  return 0;
}

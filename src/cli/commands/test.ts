/** `test [IMAGE...]`: run the images' tests on the engine, against the images as `list` names them. */
import { join, resolve } from 'node:path';
import { planBuild } from '../../scheduler/plan.js';
import { type Invocation, stringOption } from '../invocation.js';
import { summaryTargets } from '../output.js';
import { type CliIo, loadProject } from '../project.js';
import { inputsOfRun } from '../sources.js';
import { concurrencyOf, detect, requestedEngineOf, runPlan, workFolder } from '../run-plan.js';

export async function testCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const { family, set } = loadProject(invocation, io);
  const folder = join(invocation.manifestPath, '..');
  // Mistakes on the command line are reported before any engine is asked anything.
  set.select(invocation.operands);
  const concurrency = concurrencyOf(stringOption(invocation, 'concurrency'));
  const engine = await detect(requestedEngineOf(stringOption(invocation, 'engine')), io);
  // With no names every image is tested, a child after its parent passed; named images are tested on their own.
  const plan = planBuild(set, {
    selected: invocation.operands,
    noDeps: true,
    noCache: false,
    pull: false,
    push: false,
    build: false,
    test: true,
    cacheFrom: [],
    dockerfileOf: (name) => join(workFolder(folder), 'dockerfiles', name, 'Dockerfile'),
    contextOf: (name) => resolve(folder, family.images.get(name)!.spec.context ?? '.'),
  });
  const count = plan.steps.reduce((sum, step) => sum + step.tests.length, 0);
  const reports = summaryTargets({ json: stringOption(invocation, 'json'), junit: stringOption(invocation, 'junit') }, io.cwd, () =>
    inputsOfRun(family, invocation, io.cwd),
  );
  return runPlan(
    {
      plan,
      engine,
      concurrency,
      folder,
      headline: `testing ${plan.steps.length} image(s) (${count} test(s)) with ${engine.label}, ${concurrency} at a time`,
      success: ['tested'],
      ...reports,
    },
    io,
  );
}

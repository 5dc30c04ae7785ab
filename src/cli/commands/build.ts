/** `build [IMAGE...]`: the edge that writes Dockerfiles and logs, runs the engine and reports. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLabels } from '../../dockerfile/instructions.js';
import { type Engine, formatCommand } from '../../engines/engine.js';
import { assumedEngine, type EngineOptions } from '../../engines/index.js';
import type { FamilySet, Unit } from '../../family/variants.js';
import { LOCK_FILE } from '../../lock/lockfile.js';
import { type GeneratedFiles, renderFamily } from '../../pipeline.js';
import { UsageError } from '../../errors.js';
import { INPUTS_LABEL } from '../../scheduler/inputs.js';
import type { BuildPlan, BuildStep } from '../../scheduler/plan.js';
import { type BuildFlags, buildFlags, checkCacheTo, gitRevision, inputsFor, planOf, sourcesOf, withInputs } from '../build-plan.js';
import { localInputLabels, recordInputs, registryInputLabels } from '../inputs.js';
import { flagOption, type Invocation } from '../invocation.js';
import { type OutputTarget, summaryTargets } from '../output.js';
import { inputsOfRun } from '../sources.js';
import { type CliIo, loadProject, lockFor, manifestDir } from '../project.js';
import { concurrencyOf, detect, requestedEngineOf, runnerOf, runPlan, workFolder } from '../run-plan.js';

function writeDockerfiles(folder: string, files: GeneratedFiles, plan: BuildPlan): void {
  rmSync(folder, { recursive: true, force: true });
  // One copy per step: variants of an image share a Dockerfile, but each build gets its own labels.
  for (const step of plan.steps) {
    mkdirSync(join(folder, step.name), { recursive: true });
    writeFileSync(join(folder, step.name, 'Dockerfile'), withLabels(files.get(`${step.image}/Dockerfile`) ?? '', step.labels));
    const ignore = files.get(`${step.image}/Dockerfile.dockerignore`);
    if (ignore !== undefined) writeFileSync(join(folder, step.name, 'Dockerfile.dockerignore'), ignore);
  }
}

function dryRunText(plan: BuildPlan, engine: Engine, buildDir: string): string {
  const lines: string[] = [];
  if (engine.graph) {
    const file = join(buildDir, 'bake.json');
    lines.push(`# ${file}: the bake file of ${plan.steps.length} target(s)`, formatCommand(engine.graph.command(file, join(buildDir, 'bake-metadata.json'))));
  }
  if (engine.graph) lines.push(formatCommand(engine.graph.imageIdsCommand(plan.steps.map((step) => step.reference))));
  for (const step of plan.steps) {
    if (step.pullForCache) lines.push(`${formatCommand(engine.pullCommand(step.pullForCache))} || true`);
    if (!engine.graph) lines.push(formatCommand(engine.buildCommand(step)), formatCommand(engine.imageIdCommand(step.reference)));
    // The tests as they would run: with this run's values (a checkout's API module, say).
    if (step.phases.includes('test'))
      for (const test of step.tests) lines.push(`# test ${step.reference}: ${test.name}: ${test.kind} ${JSON.stringify(test.params)}`);
    if (step.phases.includes('push')) lines.push(formatCommand(engine.pushCommand(step.reference, join(buildDir, 'digests', step.name))));
    if (step.pushCacheAs)
      lines.push(
        formatCommand(engine.tagCommand(step.reference, step.pushCacheAs)),
        formatCommand(engine.pushCommand(step.pushCacheAs, join(buildDir, 'digests', `${step.name}.cache`))),
      );
  }
  return `${lines.join('\n')}\n`;
}

/** The inputs label of each image: on the engine (undefined when it did not answer), and in the registry with --push. */
interface FoundLabels {
  local: Map<string, string | undefined> | undefined;
  remote?: Map<string, string | undefined>;
}

/**
 * Steps whose image is already there with the same inputs have nothing to do: on the engine, or, with `--push`, in
 * the registry (only tested, when asked, and pushed when the engine has it and the registry does not). An image a
 * child is built on must be where that build finds it: one the engine lacks (the registry has it) is built, and so
 * is every ancestor when the builder keeps no local images (a named builder of a graph build: the child's named
 * context is its parent's target).
 */
function markUpToDate(plan: BuildPlan, { local, remote }: FoundLabels, options: { push: boolean; ancestorsInGraph: boolean }): BuildPlan {
  const decided = new Map<string, BuildStep>();
  // Children first, so each image knows whether one built on it is built.
  for (const step of [...plan.steps].reverse()) {
    const childBuilt = plan.steps.some((child) => child.parent === step.name && decided.get(child.name)!.phases.includes('build'));
    decided.set(step.name, decide(step, childBuilt));
  }
  return { steps: plan.steps.map((step) => decided.get(step.name)!) };

  function decide(step: BuildStep, childBuilt: boolean): BuildStep {
    if (step.inputs === undefined || !step.phases.includes('build')) return step;
    const here = local?.get(step.reference) === step.inputs;
    const there = remote?.get(step.reference) === step.inputs;
    if (!here && !there) return step;
    if (childBuilt && (options.ancestorsInGraph || !here)) return step;
    if (there) return { ...step, phases: [], upToDate: 'the registry has it with these inputs' };
    const after = step.phases.filter((phase) => phase !== 'build');
    return { ...step, phases: options.push ? after : after.filter((phase) => phase !== 'test'), upToDate: 'the engine has it with these inputs' };
  }
}

/** The labels of the selected images, from the engine most likely to be used and, with --push, the registry. */
async function foundLabels(references: readonly string[], engine: Engine, push: boolean, io: CliIo, timeoutMs?: number): Promise<FoundLabels> {
  const [local, remote] = await Promise.all([
    localInputLabels(engine, references, io).catch(() => undefined),
    push
      ? registryInputLabels(
          references,
          io,
          (reference, problem) => io.stderr.write(`mlrun-images: ${reference}: ${problem}; it counts as not in the registry\n`),
          timeoutMs,
        )
      : undefined,
  ]);
  return { local, ...(remote ? { remote } : {}) };
}

/** The revision and source labels from git, asked beside the engine. */
function revisionAndEngine(folder: string, io: CliIo, engine: Engine | Promise<Engine>) {
  return Promise.all([gitRevision(folder, runnerOf(io)), engine]);
}

/** A build as the command line asks for it, checked, with the labels it needs already being asked for. */
interface BuildStart {
  sources: ReturnType<typeof sourcesOf>;
  concurrency: number;
  requestedEngine: string | undefined;
  engineOptions: EngineOptions;
  /** The engine the run would most likely use: asked for the labels before it is detected. */
  likely: Engine;
  references: string[];
  /** Parents of the selected images that are not selected (--no-deps): used as the engine has them. */
  outside: Unit[];
  found: Promise<FoundLabels | undefined>;
  /** When every image is built anyway (--force, --no-cache, --pull): the engine and git, asked while the family renders. */
  early?: ReturnType<typeof revisionAndEngine>;
}

/**
 * Check what the command line asks (mistakes are reported before any engine is asked anything), then ask for the
 * labels of the selected images: started as early as possible, so the engine answers while the family is rendered.
 */
export function startBuild(set: FamilySet, flags: BuildFlags, io: CliIo, folder: string): BuildStart {
  const sources = sourcesOf(set, flags, io);
  if (flags.cacheTo !== undefined) checkCacheTo(flags.cacheTo);
  const concurrency = concurrencyOf(flags.concurrency);
  const requestedEngine = requestedEngineOf(flags.engine);
  const units = set.select(flags.images, { withAncestors: !flags.noDeps });
  const engineOptions = { ...(flags.builder ? { builder: flags.builder } : {}), targets: units.map((unit) => unit.id) };
  const likely = assumedEngine(requestedEngine, engineOptions);
  // Without the engine's cache, or with fresh bases, every image is built again: that is what those flags ask for.
  const skips = !flags.dryRun && !flags.force && !flags.noCache && !flags.pull;
  // With --no-deps a parent outside the selection is used as the engine has it: its label is asked too.
  const selected = new Set(units.map((unit) => unit.id));
  const outside = set.units.filter((unit) => units.some((each) => each.parent === unit.id) && !selected.has(unit.id));
  const references = [...units, ...outside].map((unit) => unit.reference);
  const found = skips ? foundLabels(references, likely, flags.push, io, flags.registryTimeoutMs) : Promise.resolve(undefined);
  if (skips || flags.dryRun) return { sources, concurrency, requestedEngine, engineOptions, likely, references, outside, found };
  const early = revisionAndEngine(folder, io, detect(requestedEngine, io, engineOptions));
  // Awaited once the family is rendered; a failure (no engine) is reported then, not as an unhandled rejection now.
  early.catch(() => {});
  return { sources, concurrency, requestedEngine, engineOptions, likely, references, outside, found, early };
}

/**
 * Build the plan on the engine; the exit code. The labels are asked first, of the engine the run would most likely
 * use: when every image is up to date no other engine command is needed (a no-op build is one engine call); else the
 * engine is detected (and asked again if it is another one).
 */
export async function buildImages(
  set: FamilySet,
  files: GeneratedFiles,
  folder: string,
  flags: BuildFlags,
  io: CliIo,
  start: BuildStart = startBuild(set, flags, io, folder),
  reports: { json?: OutputTarget; junit?: OutputTarget } = {},
): Promise<number> {
  const work = workFolder(folder);
  const dockerfileDir = join(work, 'dockerfiles');
  const { sources, concurrency, requestedEngine, engineOptions, likely, references } = start;
  const found = await start.found;
  // A child of a parent outside the run is built on the parent the engine has: its inputs hold that one's digest.
  const outsideLabel = new Map(
    start.outside.map((unit) => [unit.id, found?.local?.get(unit.reference)] as const).filter((entry): entry is [string, string] => Boolean(entry[1])),
  );
  const inputs = inputsFor(set, files, folder, flags, io, undefined, (parent) => outsideLabel.get(parent));
  // The revision and source labels are asked of git only when an image is built (they are not inputs).
  let git: Awaited<ReturnType<typeof gitRevision>> | undefined;
  const planFor = (engine: Engine) => {
    const plan = withInputs(
      planOf(set, flags, folder, io, {
        sources,
        files,
        dockerfileOf: (name) => join(dockerfileDir, name, 'Dockerfile'),
        registryCache: engine.capabilities.exportsCache,
        ...(git ? { git } : {}),
      }),
      inputs,
    );
    return found ? markUpToDate(plan, found, { push: flags.push, ancestorsInGraph: engine.graph !== undefined && flags.builder !== undefined }) : plan;
  };
  let engine = likely;
  let plan = planFor(likely);
  // A named builder is checked even when nothing is built: a typo in it is reported, not passed over.
  const needsEngine = flags.dryRun || flags.builder !== undefined || found?.local === undefined || plan.steps.some((step) => step.phases.length > 0);
  if (needsEngine) {
    [git, engine] = await (start.early ?? revisionAndEngine(folder, io, flags.dryRun ? likely : detect(requestedEngine, io, engineOptions)));
    const askedOf = (each: Engine) => JSON.stringify(each.labelCommand(references, INPUTS_LABEL));
    if (found && (found.local === undefined || askedOf(engine) !== askedOf(likely))) {
      found.local = await localInputLabels(engine, references, io);
    }
    plan = planFor(engine);
  }
  if (flags.cacheTo !== undefined && !engine.capabilities.exportsCache && plan.steps.some((step) => step.phases.includes('build'))) {
    throw new UsageError(`--cache-to needs BuildKit (--engine docker with its buildx plugin, or bake); ${engine.label} cannot export a build cache`);
  }
  if (!flags.dryRun) recordInputs(folder, inputs.values());
  // The Dockerfiles are written for a dry run too, so the printed commands can be run as they are.
  writeDockerfiles(dockerfileDir, files, plan);
  if (flags.dryRun) {
    if (engine.graph) writeFileSync(join(work, 'bake.json'), engine.graph.file(plan.steps));
    io.stdout.write(dryRunText(plan, engine, work));
    return 0;
  }
  const way = engine.graph ? 'as one graph' : `${concurrency} at a time`;
  const upToDate = plan.steps.filter((step) => step.phases.length === 0).length;
  const toBuild = plan.steps.filter((step) => step.phases.includes('build')).length;
  const tested = flags.test ? ', each tested before it is pushed' : '';
  const onlyPushed = plan.steps.filter((step) => step.phases.length > 0 && !step.phases.includes('build')).length;
  const skipped = [...(upToDate > 0 ? [`${upToDate} up to date`] : []), ...(onlyPushed > 0 ? [`${onlyPushed} up to date here, only pushed`] : [])];
  const headline =
    skipped.length === 0
      ? `building ${plan.steps.length} image(s) with ${engine.label}, ${way}${tested}`
      : `${plan.steps.length} image(s): ${skipped.join(', ')}; building ${toBuild} with ${engine.label}, ${way}${tested}`;
  return runPlan(
    {
      plan,
      engine,
      concurrency,
      folder,
      headline,
      success: ['built', 'tested', 'pushed', 'up to date'],
      ...reports,
    },
    io,
  );
}

/** `build`: render, optionally lint --production first, then build. */
export async function buildCommand(invocation: Invocation, io: CliIo): Promise<number> {
  const { family, set, templates } = loadProject(invocation, io);
  const lockFile = lockFor(invocation, family);
  const flags = { ...buildFlags(invocation, io), ...(lockFile ? { lock: lockFile.bases } : {}) };
  // Where the summaries go is checked before anything is built: never over an input of the run.
  const reports = summaryTargets(flags, io.cwd, () => inputsOfRun(family, invocation, io.cwd));
  if (lockFile && lockFile.bases.size > 0 && (lockFile.mirror ?? '') !== (flags.baseRegistry ?? '')) {
    const read = lockFile.mirror ? `through the mirror ${lockFile.mirror}` : 'without a mirror';
    const used = flags.baseRegistry ? `the mirror ${flags.baseRegistry}` : 'none';
    io.stderr.write(`mlrun-images: warning: ${LOCK_FILE} was read ${read}, and this build uses ${used}: its digests may not be there\n`);
  }
  // The engine is asked for the labels while the family renders; not when the selection is not known yet
  // (--changed-since), nor before lint --production has passed (it refuses to run anything otherwise).
  const production = flagOption(invocation, 'production');
  const start = flags.changedSince === undefined && !production ? startBuild(set, flags, io, manifestDir(invocation)) : undefined;
  const files = renderFamily(family, templates, lockFile?.bases);
  if (flags.changedSince !== undefined) {
    const { changedSince } = await import('./status.js');
    const changed = await changedSince(flags.changedSince, invocation, io, { set, files, flags });
    if (changed.length === 0) {
      io.stdout.write(`no image's inputs changed since ${flags.changedSince}: nothing to build\n`);
      return 0;
    }
    // Exactly these: their unchanged parents are used as they are.
    Object.assign(flags, { images: changed, noDeps: true });
  }
  if (production) {
    const { collectFindings, formatFindings } = await import('./lint.js');
    const images = [...new Set(set.select(flags.images, { withAncestors: !flags.noDeps }).map((unit) => unit.image))];
    const findings = await collectFindings(family, files, manifestDir(invocation), true, io.cwd, images);
    const errors = findings.filter((finding) => finding.severity === 'error' && !finding.suppressed);
    if (errors.length > 0) {
      io.stderr.write(`${formatFindings(errors)}mlrun-images: build --production refuses to build what lint --production rejects\n`);
      return 1;
    }
  }
  return buildImages(set, files, manifestDir(invocation), flags, io, start, reports);
}

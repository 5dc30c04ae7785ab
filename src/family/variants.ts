/**
 * Variants: a variable built for several values in one run (`variants: {MLRUN_PYTHON_VERSION: ["3.9", "3.11"]}`).
 * Each image is built once per value of the variant variables it uses: a *unit*. Variant variables are build
 * arguments, so one Dockerfile serves every unit of an image; each unit has its own values, reference and tests.
 */
import { type Diagnostic, ManifestError, UsageError } from '../errors.js';
import { imageReference, isDevelopmentTag, makefileTag, type NamingValues, namingValues } from '../mlrun/naming.js';
import { makefileSuffix, mlrunPythons, type PythonBuilds, pythonTagSuffix } from '../mlrun/pythons.js';
import { didYouMean } from '../suggest.js';
import type { Family } from './family.js';

const PYTHON = 'MLRUN_PYTHON_VERSION';

/** One image in one variant. */
export interface Unit {
  /** `mlrun`, or `mlrun-py311` when the image is built in several variants. */
  id: string;
  image: string;
  /** The family loaded with this variant's values: its references, build arguments and tests. */
  family: Family;
  /** The values of the variant variables for this unit. */
  variant: Readonly<Record<string, string>>;
  /** The reference it is tagged with: MLRun's, with the `-pyXY` MLRun's client asks for when it asks for one. */
  reference: string;
  /** The naming values the reference was made from (the cache image is named the same way). */
  naming: NamingValues;
  /** What the tag carries after MLRun's naming: the labels of the variants other than the python (`-cuda12`). */
  tagExtra: string;
  /** The unit of the image it is built `from`, in the same variant. */
  parent?: string;
}

export interface FamilySet {
  /** The family with the values of this run (the first variant's): generate, graph and lint read it. */
  family: Family;
  /** Every unit, parents first. */
  units: readonly Unit[];
  /** The units of the named images (or unit ids) with their ancestors unless `withAncestors` is false; all when none is named. */
  select(names: readonly string[], options?: { withAncestors?: boolean }): Unit[];
  /** What a person should know about the pythons this run builds (printed as warnings). */
  notes: readonly string[];
}

/** How a variant value reads in a unit id and a tag: `3.11` of MLRUN_PYTHON_VERSION is `py311`. */
export function variantLabel(variable: string, value: string): string {
  if (variable === PYTHON) {
    const match = /^(\d+)\.(\d+)/.exec(value);
    if (match) return `py${match[1]}${match[2]}`;
  }
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Whether an image is built in several pythons (it has the manifest's python variants, or its own). */
export function variesByPython(family: Family, image: string): boolean {
  const own = family.graph.image(image).spec.variants;
  return PYTHON in (own ?? family.variants);
}

/** All combinations of the values, in order (the first value of each variable first). */
function combinations(values: Readonly<Record<string, readonly string[]>>): Record<string, string>[] {
  let result: Record<string, string>[] = [{}];
  for (const [variable, list] of Object.entries(values)) result = result.flatMap((combination) => list.map((value) => ({ ...combination, [variable]: value })));
  return result;
}

export interface VariantInputs {
  /** Variables given for this run (environment or --set): a variant variable given a value is built for that value only. */
  given: ReadonlySet<string>;
  /** Load the family with these variable values for this run. */
  load(overrides: Readonly<Record<string, string>>): Family;
  /** The pythons a source checkout's build matrix builds an image in (it wins over MLRun's history for that image). */
  checkoutPythons?: ReadonlyMap<string, PythonBuilds>;
}

/** The pythons of an image that varies by python, each with its tag suffix. */
interface PythonPlan {
  pythons: { python: string; suffix: string }[];
  notes: string[];
}

const joined = (items: readonly string[]) => items.join(', ');

/**
 * Which pythons an image that varies by python is built in, and how each is tagged:
 * - MLRUN_PYTHON_VERSION given: that python, with `-pyXY` only when INCLUDE_PYTHON_VERSION_SUFFIX is set (the Makefile);
 * - else the pythons the checkout's build matrix lists for the image, or those MLRun publishes the version in (of the
 *   ones the manifest declares), each tagged as MLRun's client asks (INCLUDE_PYTHON_VERSION_SUFFIX: every one `-pyXY`).
 */
export function pythonPlan(
  image: string,
  declared: readonly string[],
  values: Readonly<Record<string, string>>,
  { given, checkout }: { given: boolean; checkout?: PythonBuilds },
): PythonPlan {
  const tag = makefileTag(values.MLRUN_VERSION ?? '');
  const includeSuffix = (values.INCLUDE_PYTHON_VERSION_SUFFIX ?? '') !== '';
  const suffixOf = (python: string, builds?: PythonBuilds) =>
    includeSuffix ? (makefileSuffix(python) ?? '') : builds ? pythonTagSuffix(tag, python, builds) : '';
  const python = values[PYTHON] ?? '';
  const published = mlrunPythons(tag);
  if (given || (checkout === undefined && published === undefined)) {
    // Not a version MLRun's client can ask for (`latest`): MLRUN_PYTHON_VERSION, or the image's first python.
    if (!given && !declared.includes(python)) return { pythons: [{ python: declared[0]!, suffix: suffixOf(declared[0]!) }], notes: [] };
    const notes: string[] = [];
    const asked = published && pythonTagSuffix(tag, python, published);
    const suffix = suffixOf(python);
    if (asked !== undefined && asked !== suffix && given) {
      notes.push(
        `MLRUN_PYTHON_VERSION=${python} tags the images that vary by python ${tag}${suffix}, but MLRun ${tag}'s python ${python} clients ask for ${tag}${asked}; ` +
          `${asked === '' ? 'leave INCLUDE_PYTHON_VERSION_SUFFIX empty' : 'set INCLUDE_PYTHON_VERSION_SUFFIX=1'}, or leave MLRUN_PYTHON_VERSION unset to build every python MLRun publishes ${tag} in`,
      );
    }
    return { pythons: [{ python, suffix }], notes };
  }
  const builds = checkout ?? published!;
  const all = [builds.unsuffixed, ...builds.suffixed];
  const pythons = checkout ? all : all.filter((candidate) => declared.includes(candidate));
  const described = (set: PythonBuilds) =>
    joined([set.unsuffixed, ...set.suffixed].map((candidate) => `${candidate} (${tag}${pythonTagSuffix(tag, candidate, set)})`));
  // A development build follows its checkout; a release that its checkout builds otherwise than MLRun's clients ask is said.
  if (checkout && published && !isDevelopmentTag(tag) && described(checkout) !== described(published)) {
    return {
      pythons: pythons.map((candidate) => ({ python: candidate, suffix: suffixOf(candidate, builds) })),
      notes: [
        `the checkout's build matrix builds \`${image}\` in python ${described(checkout)}, while MLRun ${tag}'s clients ask for ${described(published)}: is the checkout at ${tag}?`,
      ],
    };
  }
  if (pythons.length === 0) {
    throw new UsageError(
      `image \`${image}\`: MLRun ${tag} publishes its images in python ${joined(all)}, and images.yaml builds \`${image}\` in ${joined(declared)} only; ` +
        `add ${joined(all)} to its variants, or set MLRUN_PYTHON_VERSION to build one python as MLRun's Makefile does`,
    );
  }
  const left = all.filter((candidate) => !pythons.includes(candidate));
  const notes =
    left.length > 0
      ? [
          `MLRun ${tag} also publishes python ${joined(left.map((candidate) => `${candidate} (${tag}${pythonTagSuffix(tag, candidate, builds) || ' without a suffix'})`))} images; images.yaml does not build \`${image}\` in ${joined(left)}`,
        ]
      : [];
  return { pythons: pythons.map((candidate) => ({ python: candidate, suffix: suffixOf(candidate, builds) })), notes };
}

/** The units of a family: each image in each variant it is built in. */
export function loadFamilySet(base: Family, { given, load, checkoutPythons }: VariantInputs): FamilySet {
  const effective = (declared: Readonly<Record<string, readonly string[]>>) =>
    Object.fromEntries(Object.entries(declared).map(([variable, list]) => [variable, given.has(variable) ? [base.values[variable]!] : [...list]]));
  const manifestVariants = effective(base.variants);
  const families = new Map<string, Family>();
  const familyFor = (variant: Record<string, string>) => {
    const key = JSON.stringify(Object.entries(variant).sort());
    if (!families.has(key)) families.set(key, Object.keys(variant).length === 0 ? base : load(variant));
    return families.get(key)!;
  };

  const units: Unit[] = [];
  const unitsOf = new Map<string, Unit[]>();
  const notes: string[] = [];
  const plans = new Map<string, PythonPlan['pythons']>();
  for (const image of base.order) {
    const own = base.graph.image(image).spec.variants;
    const imageVariants: Record<string, string[]> = own === undefined ? { ...manifestVariants } : { ...effective(own) };
    // An image that varies by python is built in the pythons MLRun publishes (or its checkout's matrix lists).
    // A child built `from` a parent follows the parent's pythons, unless the checkout's matrix lists the child itself.
    const suffixes = new Map<string, string>();
    if (PYTHON in imageVariants) {
      const parentImage = base.graph.parentOf(image);
      const parentPythons = plans.get(parentImage ?? '');
      const plan =
        parentPythons && !checkoutPythons?.has(image)
          ? { pythons: parentPythons.filter(({ python }) => own === undefined || imageVariants[PYTHON]!.includes(python)), notes: [] }
          : pythonPlan(image, imageVariants[PYTHON]!, base.values, {
              given: given.has(PYTHON),
              ...(checkoutPythons?.has(image) ? { checkout: checkoutPythons.get(image)! } : {}),
            });
      if (plan.pythons.length === 0) {
        throw new UsageError(
          `image \`${image}\` (${PYTHON}=${joined(imageVariants[PYTHON]!)}) is built from \`${parentImage}\`, which is not built with these values; give it the same variants`,
        );
      }
      plans.set(image, plan.pythons);
      imageVariants[PYTHON] = plan.pythons.map(({ python }) => python);
      for (const { python, suffix } of plan.pythons) suffixes.set(python, suffix);
      notes.push(...plan.notes);
    }
    // Variables of the manifest the image does not vary by take their first value; the python, the run's value (or
    // the one the checkout's build matrix builds the image in, when it is not given).
    const python = (!given.has(PYTHON) && checkoutPythons?.get(image)?.unsuffixed) || base.values[PYTHON]!;
    const fixed = Object.fromEntries(
      Object.entries(manifestVariants)
        .filter(([variable]) => !(variable in imageVariants))
        .map(([variable, list]) => [variable, [variable === PYTHON ? python : list[0]!]]),
    );
    const varying = Object.keys(imageVariants).filter((variable) => imageVariants[variable]!.length > 1);
    for (const variant of combinations({ ...fixed, ...imageVariants })) {
      const family = familyFor(variant);
      const label = varying.map((variable) => variantLabel(variable, variant[variable]!)).join('-');
      const naming = namingValues(family.values);
      // The suffix is the plan's (images that do not vary by python have none): the Makefile's switch reproduces it.
      naming.INCLUDE_PYTHON_VERSION_SUFFIX = (suffixes.get(variant[PYTHON] ?? '') ?? '') === '' ? '' : '1';
      const tagExtra = varying
        .filter((variable) => variable !== PYTHON)
        .map((variable) => `-${variantLabel(variable, variant[variable]!)}`)
        .join('');
      const reference = imageReference(image, naming, tagExtra);
      if (!reference.ok) throw new UsageError(`image \`${image}\` (${describeVariant(variant)}): ${reference.problem}`);
      const parentImage = family.graph.parentOf(image);
      const parent = parentImage === undefined ? undefined : parentUnit(unitsOf.get(parentImage) ?? [], variant, image);
      const unit: Unit = {
        id: label === '' ? image : `${image}-${label}`,
        image,
        family,
        variant,
        reference: reference.value,
        naming,
        tagExtra,
        ...(parent ? { parent: parent.id } : {}),
      };
      units.push(unit);
      unitsOf.set(image, [...(unitsOf.get(image) ?? []), unit]);
    }
  }
  checkDistinct(base, units);
  const byId = new Map(units.map((unit) => [unit.id, unit]));
  const select = (names: readonly string[], { withAncestors = true } = {}): Unit[] => {
    const known = [...base.order, ...byId.keys()];
    const unknown = names.filter((name) => !unitsOf.has(name) && !byId.has(name));
    if (unknown.length > 0) throw new UsageError(unknown.map((name) => `no image \`${name}\` in the manifest${didYouMean(name, known)}`).join('\n'));
    if (names.length === 0) return [...units];
    const wanted = new Set<string>();
    const add = (unit: Unit) => {
      wanted.add(unit.id);
      if (withAncestors && unit.parent !== undefined) add(byId.get(unit.parent)!);
    };
    for (const name of names) for (const unit of unitsOf.get(name) ?? [byId.get(name)!]) add(unit);
    return units.filter((unit) => wanted.has(unit.id));
  };
  return { family: base, units, select, notes: [...new Set(notes)] };
}

const describeVariant = (variant: Readonly<Record<string, string>>) =>
  Object.entries(variant)
    .map(([variable, value]) => `${variable}=${value}`)
    .join(', ') || 'no variant';

/**
 * Two builds never claim one tag, nor one name: each unit's id and reference are its own, and no unit id is the name of
 * another image (`build NAME` would build both). Each clash is an error at the variants that make it, naming both.
 */
function checkDistinct(family: Family, units: readonly Unit[]): void {
  const problems: Diagnostic[] = [];
  const at = (unit: Unit) => {
    const own = family.graph.image(unit.image).spec.variants;
    return family.manifest.locate(own === undefined ? ['variants'] : ['images', unit.image, 'variants'], 'key');
  };
  const clash = (first: Unit, second: Unit, what: string) =>
    problems.push({
      location: at(second),
      message: `image \`${second.image}\` (${describeVariant(second.variant)}) and ${first.image === second.image ? 'its variant' : `image \`${first.image}\``} (${describeVariant(first.variant)}) ${what}; give each variant a value of its own`,
    });
  const byId = new Map<string, Unit>();
  const byReference = new Map<string, Unit>();
  for (const unit of units) {
    const sameId = byId.get(unit.id);
    if (sameId) clash(sameId, unit, `would both be called \`${unit.id}\``);
    else if (unit.id !== unit.image && family.order.includes(unit.id)) {
      problems.push({
        location: at(unit),
        message: `image \`${unit.image}\` (${describeVariant(unit.variant)}) would be called \`${unit.id}\`, the name of another image; rename one`,
      });
    }
    const sameReference = byReference.get(unit.reference);
    if (sameReference) clash(sameReference, unit, `would both be tagged \`${unit.reference}\``);
    byId.set(unit.id, unit);
    byReference.set(unit.reference, unit);
  }
  if (problems.length > 0) throw new ManifestError(problems);
}

/** The parent's unit that shares this unit's values of the variables the parent varies by. */
function parentUnit(candidates: readonly Unit[], variant: Readonly<Record<string, string>>, child: string): Unit {
  const match = candidates.find((candidate) =>
    Object.entries(candidate.variant).every(([variable, value]) => !(variable in variant) || variant[variable] === value),
  );
  if (match) return match;
  const wanted = Object.entries(variant)
    .map(([variable, value]) => `${variable}=${value}`)
    .join(', ');
  throw new UsageError(
    `image \`${child}\` (${wanted}) is built from \`${candidates[0]?.image}\`, which is not built with these values; give it the same variants`,
  );
}

/** A family with no variants to load: one unit per image (what tests of one family use). */
export function singleFamilySet(family: Family): FamilySet {
  return loadFamilySet(family, { given: new Set(Object.keys(family.variants)), load: () => family });
}

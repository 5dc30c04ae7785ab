/**
 * Variants: a variable built for several values in one run (`variants: {MLRUN_PYTHON_VERSION: ["3.9", "3.11"]}`).
 * Each image is built once per value of the variant variables it uses: a *unit*. Variant variables are build
 * arguments, so one Dockerfile serves every unit of an image; each unit has its own values, reference and tests.
 */
import { UsageError } from '../errors.js';
import { imageReference, type NamingValues, namingValues } from '../mlrun/naming.js';
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
  /** The reference it is tagged with: MLRun's, with `-pyXY` when its python is one of several. */
  reference: string;
  /** The naming values the reference was made from (the cache image is named the same way). */
  naming: NamingValues;
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

/**
 * How an image's tags take the python suffix: forced on (`'1'`) when it is built for several pythons, off (`''`)
 * when it does not vary by python while the manifest does (the UI), else as INCLUDE_PYTHON_VERSION_SUFFIX says.
 */
export function pythonSuffix(
  manifest: Readonly<Record<string, readonly string[]>>,
  own: Readonly<Record<string, readonly string[]>> | undefined,
): '' | '1' | undefined {
  const pythons = own === undefined ? manifest[PYTHON] : own[PYTHON];
  if (own !== undefined && !(PYTHON in own) && PYTHON in manifest) return '';
  return (pythons?.length ?? 0) > 1 ? '1' : undefined;
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
}

/** The units of a family: each image in each variant it is built in. */
export function loadFamilySet(base: Family, { given, load }: VariantInputs): FamilySet {
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
  for (const image of base.order) {
    const own = base.graph.image(image).spec.variants;
    const imageVariants = own === undefined ? manifestVariants : { ...effective(own) };
    // Variables of the manifest the image does not vary by take their first value.
    const fixed = Object.fromEntries(
      Object.entries(manifestVariants)
        .filter(([variable]) => !(variable in imageVariants))
        .map(([variable, list]) => [variable, [list[0]!]]),
    );
    const varying = Object.keys(imageVariants).filter((variable) => imageVariants[variable]!.length > 1);
    const suffix = pythonSuffix(manifestVariants, own === undefined ? undefined : effective(own));
    for (const variant of combinations({ ...fixed, ...imageVariants })) {
      const family = familyFor(variant);
      const label = varying.map((variable) => variantLabel(variable, variant[variable]!)).join('-');
      const naming = namingValues(family.values);
      if (suffix !== undefined) naming.INCLUDE_PYTHON_VERSION_SUFFIX = suffix;
      const reference = imageReference(image, naming);
      const parentImage = family.graph.parentOf(image);
      const parent = parentImage === undefined ? undefined : parentUnit(unitsOf.get(parentImage) ?? [], variant, image);
      const unit: Unit = {
        id: label === '' ? image : `${image}-${label}`,
        image,
        family,
        variant,
        reference: reference.ok ? reference.value : family.references.get(image)!,
        naming,
        ...(parent ? { parent: parent.id } : {}),
      };
      units.push(unit);
      unitsOf.set(image, [...(unitsOf.get(image) ?? []), unit]);
    }
  }
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
  return { family: base, units, select };
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

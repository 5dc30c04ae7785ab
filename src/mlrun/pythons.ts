/**
 * Which pythons MLRun publishes its runtime images in (mlrun, mlrun-gpu, ml-base), by MLRun version, and the tag suffix
 * its client asks for: `mlrun.utils.helpers.resolve_image_tag_suffix` across its history, as data. One python of a
 * version is tagged without a suffix (`mlrun/mlrun:1.9.1`, python 3.11); the others with `-pyXY`
 * (`mlrun/mlrun:1.9.1-py39`). A client of a python the version has no image for gets the unsuffixed one.
 */
import { isDevelopmentTag } from './naming.js';
import { compareSemver, parseSemver, type SemVer } from './semver.js';

export interface PythonBuilds {
  /** The python of the tag without a suffix. */
  unsuffixed: string;
  /** The pythons tagged `-pyXY`, as MLRun's client matches them (`python_version.startswith("3.9")`). */
  suffixed: readonly string[];
}

interface Era extends PythonBuilds {
  /** The first version of the era; MLRun's bounds are pre-releases (`1.3.0-X`) so that a release's candidates are in. */
  from?: SemVer;
  /** The first version after it. */
  before?: SemVer;
}

const version = (text: string): SemVer => parseSemver(text)!;

/**
 * Upstream's history:
 * - up to 1.2.x, python 3.7 images only (the Makefile's MLRUN_PYTHON_VERSION 3.7.13);
 * - 1.3.x and 1.4.x, python 3.9, and 3.7 as `-py37` (the build matrix's `include-suffix`, the 1.3 client rule);
 * - 1.5.x to 1.8.x, python 3.9 only;
 * - 1.9.x and 1.10.x, python 3.11, and 3.9 as `-py39` (the development branch's client rule);
 * - from 1.11.0, python 3.11 only.
 */
const ERAS: readonly Era[] = [
  { before: version('1.3.0-X'), unsuffixed: '3.7', suffixed: [] },
  { from: version('1.3.0-X'), before: version('1.5.0-X'), unsuffixed: '3.9', suffixed: ['3.7'] },
  { from: version('1.5.0-X'), before: version('1.9.0-X'), unsuffixed: '3.9', suffixed: [] },
  { from: version('1.9.0-X'), before: version('1.11.0-X'), unsuffixed: '3.11', suffixed: ['3.9'] },
  { from: version('1.11.0-X'), unsuffixed: '3.11', suffixed: [] },
];

/** Development builds (`unstable`, `0.0.0-…`): the development branch's client gives `-py39` to a python 3.9 client. */
const DEVELOPMENT: PythonBuilds = { unsuffixed: '3.11', suffixed: ['3.9'] };

/**
 * The pythons MLRun publishes a version's runtime images in, by its tag (`1.9.1`, `unstable`, `1.7.0-rc1`); undefined
 * for a tag that is neither a development build nor a semantic version (`latest`: MLRun's client raises for it).
 */
export function mlrunPythons(tag: string): PythonBuilds | undefined {
  if (isDevelopmentTag(tag)) return DEVELOPMENT;
  const parsed = parseSemver(tag);
  if (parsed === undefined) return undefined;
  const era = ERAS.find(
    ({ from, before }) => (from === undefined || compareSemver(parsed, from) >= 0) && (before === undefined || compareSemver(parsed, before) < 0),
  );
  return era && { unsuffixed: era.unsuffixed, suffixed: era.suffixed };
}

/** `-py39` for `3.9`, `-py311` for `3.11.4`: the Makefile's suffix (`MLRUN_ANACONDA_PYTHON_DISTRIBUTION`); undefined when not MAJOR.MINOR. */
export function makefileSuffix(python: string): string | undefined {
  const match = /^(\d+)\.(\d+)/.exec(python);
  return match ? `-py${match[1]}${match[2]}` : undefined;
}

/**
 * The suffix MLRun's client appends to a version's tag for a client of `python`: `-pyXY` when the python is one the
 * version's images are suffixed for, else nothing (and nothing when either is not given). `builds` defaults to
 * MLRun's history; a checkout's build matrix may say otherwise for the version it builds.
 */
export function pythonTagSuffix(tag: string | undefined, python: string | undefined, builds?: PythonBuilds): string {
  if (!tag || !python) return '';
  const suffixed = (builds ?? mlrunPythons(tag))?.suffixed.find((candidate) => python.startsWith(candidate));
  return suffixed === undefined ? '' : (makefileSuffix(suffixed) ?? '');
}

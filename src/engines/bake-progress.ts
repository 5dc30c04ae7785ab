/**
 * Reading `docker buildx bake --progress=plain`: which target each line is about. BuildKit numbers its vertices
 * (`#7 [mlrun 2/4] RUN …`); with several targets, buildx puts the target's name first in the brackets. A target is
 * built when its `exporting to image` vertex is done; a vertex that ends in `ERROR` fails its target, except a cache
 * import (`importing cache manifest from …`): a cache not there yet is a warning to BuildKit, and the build goes on.
 *
 * A child's graph holds its parent's steps (the parent is a named context), and BuildKit shows a step shared by two
 * targets once, under either name: a step is the first of the named target and its ancestors whose Dockerfile has it.
 */

/** A target as the reader needs it: its parent target and its Dockerfile's instructions. */
export interface BakeTargetSteps {
  name: string;
  parent?: string;
  instructions: readonly string[];
}

const sameInstruction = (text: string) => text.replace(/\s+/g, ' ').trim();

/** A Dockerfile's instructions, continuation lines joined, as BuildKit prints them (comments and blank lines left out). */
export function dockerfileInstructions(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map(sameInstruction);
}

export interface BakeLine {
  /** The target the line is about, when it names one (through its vertex). */
  target?: string;
  /** The build step it started (`2/4 RUN make`). */
  step?: string;
  /** The target whose image is now built. */
  built?: string;
  /** The target that failed, with BuildKit's message. */
  failed?: { target: string; message: string };
}

const VERTEX = /^#(\d+) (.*)$/;
const NAMED = /^\[([^\]\s]+)(?: ([^\]]*))?\] (.*)$/;

/** A reader for one bake run over these targets; feed it every line of output in order. */
export function bakeProgress(targets: readonly BakeTargetSteps[]): (line: string) => BakeLine {
  const single = targets.length === 1 ? targets[0]!.name : undefined;
  const byName = new Map(targets.map((target) => [target.name, target]));
  const ownerOf = (named: string, instruction: string): string => {
    const wanted = sameInstruction(instruction);
    for (let target = byName.get(named); target; target = target.parent ? byName.get(target.parent) : undefined) {
      if (target.instructions.includes(wanted)) return target.name;
    }
    return named;
  };
  const targetOf = new Map<string, string>();
  const exporting = new Set<string>();
  const cacheImports = new Set<string>();
  return (line) => {
    const vertex = VERTEX.exec(line);
    if (!vertex) return {};
    const [, id, rest] = vertex as unknown as [string, string, string];
    if (!targetOf.has(id)) {
      const named = NAMED.exec(rest);
      const labelled = single ?? (named && byName.has(named[1]!) ? named[1]! : undefined);
      if (labelled === undefined) return {};
      // Single target: `[2/4] RUN …` or `exporting to image`; several: `[mlrun 2/4] RUN …` or `[mlrun] exporting to image`.
      const inBrackets = single && named ? [named[1], named[2]].filter(Boolean).join(' ') : (named?.[2] ?? '');
      const text = named ? named[3]! : rest;
      if (text.startsWith('exporting to image') || text.startsWith('exporting to docker image format')) exporting.add(id);
      if (text.startsWith('importing cache manifest from ')) cacheImports.add(id);
      const numbered = /(\d+\/\d+)$/.exec(inBrackets);
      const target = numbered ? ownerOf(labelled, text) : labelled;
      targetOf.set(id, target);
      return { target, ...(numbered ? { step: `${numbered[1]} ${text}` } : {}) };
    }
    const target = targetOf.get(id)!;
    if (rest.startsWith('ERROR') && !cacheImports.has(id)) return { target, failed: { target, message: rest.replace(/^ERROR:?\s*/, '') } };
    if (exporting.has(id) && /^DONE\b/.test(rest)) return { target, built: target };
    return { target };
  };
}

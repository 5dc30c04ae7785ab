import { type FileOutcome, firstLines, type ParamProblem, regexProblems, type TestKind } from './kind.js';

/** `file`: a path in the image exists (or not), with a type, mode, owner and content. */
export const file: TestKind = {
  name: 'file',
  flat: false,
  schema: {
    properties: {
      path: { type: 'string', pattern: '^/', description: 'An absolute path in the image.' },
      exists: { type: 'boolean', description: 'Default true.' },
      type: { enum: ['file', 'dir', 'link'] },
      mode: { type: 'string', pattern: '^0?[0-7]{3,4}$', description: 'Octal permission bits, as a string: "0755".' },
      owner: {
        type: 'string',
        pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$',
        description: 'NAME, UID, or USER:GROUP (names or numbers).',
      },
      contains: { type: 'string', description: "A regular expression the file's content must match." },
    },
    required: ['path'],
  },
  docs: {
    parameters: '`path`, `exists` (default true), `type` (`file`, `dir`, `link`), `mode` (`"0755"`), `owner` (`name`, `uid:gid`), `contains`',
    checks: 'a path in the image, read without running it',
  },
  check(params) {
    const problems: ParamProblem[] = regexProblems(params, ['contains']);
    if (params.exists === false) {
      for (const other of ['type', 'mode', 'owner', 'contains']) {
        if (params[other] !== undefined) problems.push({ param: other, message: `\`${other}\` says something of a path that must not exist` });
      }
    }
    return problems;
  },
  run: async (runtime, image, params, options) => judgeFile(params, await runtime.readPath(image, String(params.path), options.signal)),
};

function ownerMatches(wanted: string, id: number | undefined, name: string | undefined): boolean {
  return /^\d+$/.test(wanted) ? id === Number(wanted) : name === wanted;
}

/** What went wrong with a file test's outcome; empty when it passed. */
export function judgeFile(params: Record<string, unknown>, outcome: FileOutcome): string[] {
  const path = String(params.path);
  const mustExist = params.exists !== false;
  if (!outcome.exists) return mustExist ? [`${path} does not exist`] : [];
  if (!mustExist) return [`${path} exists, and must not`];
  const problems: string[] = [];
  if (params.type !== undefined && outcome.type !== params.type)
    problems.push(`${path} is a ${outcome.type ?? 'thing of unknown type'}, expected a ${String(params.type)}`);
  if (params.mode !== undefined && outcome.mode !== Number.parseInt(String(params.mode), 8)) {
    problems.push(`${path} has mode ${(outcome.mode ?? 0).toString(8).padStart(4, '0')}, expected ${String(params.mode).padStart(4, '0')}`);
  }
  if (typeof params.owner === 'string') {
    const [user, group] = params.owner.split(':');
    const owned = ownerMatches(user!, outcome.uid, outcome.user) && (group === undefined || ownerMatches(group, outcome.gid, outcome.group));
    if (!owned)
      problems.push(
        `${path} is owned by ${outcome.user ?? outcome.uid}:${outcome.group ?? outcome.gid} (uid ${outcome.uid}, gid ${outcome.gid}), expected ${params.owner}`,
      );
  }
  if (typeof params.contains === 'string') {
    if (outcome.type !== 'file') problems.push(`${path} is not a file, so it cannot contain /${params.contains}/`);
    else if (!new RegExp(params.contains, 'm').test(outcome.content ?? ''))
      problems.push(`${path} does not contain /${params.contains}/; it begins:\n${firstLines(outcome.content ?? '') || '(empty)'}`);
  }
  return problems;
}

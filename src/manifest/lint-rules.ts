/**
 * The lint rules, by id: the manifest's `lint:` field switches them off by these names, layer kinds report
 * under them, and the README's table is this list.
 */
export const LINT_RULES = {
  'base-unpinned': { pinning: true, summary: 'an external base image without a tag, or tagged `latest`' },
  'mlrun-base-untagged': { pinning: true, summary: 'an MLRun image used as a base without a tag: MLRun would tag it with the client version' },
  'pip-unpinned': { pinning: true, summary: 'a pip requirement (inline or in a requirement file) not pinned with `==`' },
  'version-unpinned': { pinning: true, summary: 'a Miniconda or OpenMPI version left open (`latest`, a wildcard, a range, or none)' },
  'mlrun-unpinned': { pinning: true, summary: 'the mlrun layer installs a development build from the source (MLRUN_VERSION is `unstable` or `0.0.0…`)' },
  'moving-ref': {
    pinning: true,
    summary: 'a git branch (`development`, `master`, `main`, a release branch such as `1.7.x`) cloned or downloaded in a run command',
  },
  'missing-file': { pinning: false, summary: 'a requirement file that does not exist (an error: the build would fail)' },
  'outside-context': {
    pinning: false,
    summary:
      "a requirement file, or a file one includes, outside the image's build context (by path or through a symbolic link): an error, and lint does not read it",
  },
  'apt-unpinned': { pinning: false, summary: 'an apt package without a version (a note only: Debian drops old versions, so pins break builds)' },
  dockerfile: { pinning: false, summary: 'a problem dockerfile-utils finds in a generated Dockerfile' },
} as const;

export type RuleId = keyof typeof LINT_RULES;
export const RULE_IDS = Object.keys(LINT_RULES) as RuleId[];

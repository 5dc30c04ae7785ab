import { paramPath } from '../manifest/types.js';
import { type LayerKind, listParam } from './kind.js';

const APT_PACKAGE = /^[a-z0-9][a-z0-9+.-]+(?:=[A-Za-z0-9.+~:-]+)?$/;

export function isValidAptPackage(spec: string): boolean {
  return APT_PACKAGE.test(spec);
}

/** `apt`: Debian or Ubuntu packages in one RUN. */
export const apt: LayerKind = {
  name: 'apt',
  schema: {
    description: 'Debian/Ubuntu packages in one RUN (update, --no-install-recommends, list cleanup).',
    properties: { packages: { $ref: '#/definitions/stringList', description: 'Package names, optionally pinned as name=version.' } },
    complete: { required: ['packages'] },
  },
  docs: {
    parameters: '`packages` (`name` or `name=version`)',
    renders: 'one `RUN`: `apt-get update`, `install -y --no-install-recommends`, list cleanup',
  },
  buildArgParameters: [],
  check(layer, { report }) {
    listParam(layer.params, 'packages').forEach((pkg, index) => {
      if (!isValidAptPackage(pkg)) {
        report([...paramPath(layer, 'packages'), index], `invalid apt package \`${pkg}\`: expected NAME or NAME=VERSION (lowercase letters, digits and + . -)`);
      }
    });
  },
  lint(layer, { report }) {
    const open = listParam(layer.params, 'packages').filter((pkg) => !pkg.includes('='));
    if (open.length > 0) {
      report(
        'apt-unpinned',
        paramPath(layer, 'packages'),
        `${open.length} apt package(s) without a version (${open.join(', ')}); that is fine: Debian drops old versions, so pins would break later builds`,
      );
    }
  },
};

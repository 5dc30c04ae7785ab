// The synthetic families the benchmarks run: groups of 10 images shaped like MLRun's (a root on a base, its GPU
// variant, a `from` chain, fan-out siblings), five layers each.
export const IMAGES_PER_GROUP = 10;

const list = (items) => `[${items.join(', ')}]`;

/** A group of 10 images: a root on a base, its `extends` GPU variant, a 3-level `from` chain, 4 fan-out siblings, and one image from the variant. */
function groupYaml(group) {
  const g = `g${group}`;
  const image = (name, head, layers) =>
    `  ${g}-${name}:\n${head.map((line) => `    ${line}\n`).join('')}    layers:\n${layers.map((layer) => `      - ${layer}\n`).join('')}`;
  const meta = (name) => [
    `env: {APP_HOME: /opt/${g}/${name}, PIP_NO_CACHE_DIR: "1"}`,
    `labels: {org.mlrun.group: ${g}, org.mlrun.version: "\${MLRUN_VERSION}"}`,
  ];
  const apt = (name, packages) => `apt: {packages: ${list(packages.map((pkg) => `lib${pkg}-${g}-${name}`))}}`;
  const pip = (name, count) => `pip: {packages: ${list(Array.from({ length: count }, (_, i) => `"${g}-${name}-pkg${i}>=1.${i},<2"`))}}`;
  const run = (name) => `run: {commands: ["mkdir -p /opt/${g}/${name}", "echo ${name} > /opt/${g}/${name}/VERSION"]}`;
  const copy = (name) => `copy: {src: [apps/${g}/${name}/config.yaml], dest: /opt/${g}/${name}/}`;
  const appLayers = (name) => [apt(name, ['ssl', 'xml2']), pip(name, 4), run(name), copy(name), pip(`${name}-extra`, 2)];

  const from = (parent) => `from: ${g}-${parent}`;
  const images = [
    image(
      'root',
      [`description: Group ${group} root`, 'base: python:${MLRUN_PYTHON_VERSION}-slim', 'workdir: /mlrun', ...meta('root')],
      [
        `apt: {id: system, packages: [build-essential, cmake, gcc, wget, git]}`,
        'miniconda: {id: miniconda, version: "${MLRUN_MINICONDA_VERSION}"}',
        'openmpi: {id: openmpi, version: "${MLRUN_OPENMPI_VERSION}", source: conda-forge}',
        `pip: {id: pip, packages: ["pip==24.2", "${g}-core>=1.0,<2"]}`,
        copy('root'),
      ],
    ),
    image(
      'gpu',
      [`extends: ${g}-root`, 'base: nvidia/cuda:11.8.0-cudnn8-devel-ubuntu22.04', 'env: {LD_LIBRARY_PATH: /usr/local/cuda-11.8/lib64}'],
      ['apt: {id: system, packages: [build-essential, cmake, gcc, wget, git, curl, bzip2]}', 'openmpi: {id: openmpi, cuda: true}'],
    ),
    image('chain1', [from('root'), ...meta('chain1')], appLayers('chain1')),
    image('chain2', [from('chain1'), ...meta('chain2')], appLayers('chain2')),
    image('chain3', [from('chain2'), ...meta('chain3')], appLayers('chain3')),
    ...[1, 2, 3, 4].map((leaf) => image(`leaf${leaf}`, [from('root'), ...meta(`leaf${leaf}`)], appLayers(`leaf${leaf}`))),
    image('gpu-app', [from('gpu'), ...meta('gpu-app')], appLayers('gpu-app')),
  ];
  if (images.length !== IMAGES_PER_GROUP) throw new Error('a group must hold IMAGES_PER_GROUP images');
  return images.join('');
}

export function syntheticManifest(imageCount) {
  const variables =
    'variables:\n  MLRUN_VERSION: unstable\n  MLRUN_PYTHON_VERSION: "3.9"\n  MLRUN_MINICONDA_VERSION: py39_23.11.0-1\n  MLRUN_OPENMPI_VERSION: 4.1.5\n';
  const groups = Array.from({ length: imageCount / IMAGES_PER_GROUP }, (_, group) => groupYaml(group));
  return `version: 1\n${variables}images:\n${groups.join('')}`;
}

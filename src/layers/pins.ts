/** What the pinning lint rules look for in layer parameters. */

/** A clone of a moving branch (`--branch development`, a release branch such as `1.7.x`) or a download of its archive (`/archive/master.tar.gz`). */
export const MOVING_REF =
  /(?:--branch[= ]|-b )["']?(development|develop|master|main|\d+\.\d+\.x)(?![\w.-])|\/archive\/(?:refs\/heads\/)?(development|develop|master|main)\.(?:tar\.gz|zip)/;
/** A version left open: none, `latest`, a wildcard or a range. */
export const OPEN_VERSION = /^$|latest|[*<>~^!]|,/;
/** A pip requirement pinned with `==` (or `===`). */
export const PINNED_REQUIREMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[A-Za-z0-9.+!_-]+\s*(;.*)?$/;

/** What the pinning lint rules look for in layer parameters. */

/** Git branches that move: what `moving-ref` reports when a layer fetches one. */
export const MOVING_BRANCH = /^(?:development|develop|master|main)$/;
/** A clone of a moving branch (`--branch development`) or a download of its archive (`/archive/master.tar.gz`). */
export const MOVING_REF =
  /(?:--branch[= ]|-b )["']?(development|develop|master|main)\b|\/archive\/(?:refs\/heads\/)?(development|develop|master|main)\.(?:tar\.gz|zip)/;
/** A version left open: none, `latest`, a wildcard or a range. */
export const OPEN_VERSION = /^$|latest|[*<>~^!]|,/;
/** A pip requirement pinned with `==` (or `===`). */
export const PINNED_REQUIREMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[A-Za-z0-9.+!_-]+\s*(;.*)?$/;

/**
 * The first entry of a tar archive, as `docker cp CONTAINER:PATH -` (and podman's, and `tar -c`) writes it: enough
 * to judge a file test without a shell in the image. Long-name and pax headers before the entry are skipped.
 */
import type { FileOutcome } from './kind.js';

const BLOCK = 512;

function text(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

function octal(block: Buffer, offset: number, length: number): number {
  const field = text(block, offset, length).trim();
  return field === '' ? 0 : Number.parseInt(field, 8);
}

const TYPES: Record<string, FileOutcome['type']> = { '0': 'file', '\0': 'file', '': 'file', '5': 'dir', '2': 'link', '1': 'file' };

/** The first entry's type, mode, owner and (for a file) up to `maxContent` bytes of its content. */
export function firstTarEntry(archive: Buffer, maxContent = 1024 * 1024): FileOutcome {
  for (let offset = 0; offset + BLOCK <= archive.length; ) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const typeFlag = String.fromCharCode(header[156]!);
    const size = octal(header, 124, 12);
    const dataStart = offset + BLOCK;
    const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    // GNU long names and links ('L', 'K') and pax extended headers ('x', 'g') describe the entry after them.
    if (['L', 'K', 'x', 'g'].includes(typeFlag)) {
      offset = next;
      continue;
    }
    const type = TYPES[typeFlag] ?? 'other';
    const user = text(header, 265, 32);
    const group = text(header, 297, 32);
    return {
      exists: true,
      type,
      mode: octal(header, 100, 8) & 0o7777,
      uid: octal(header, 108, 8),
      gid: octal(header, 116, 8),
      ...(user ? { user } : {}),
      ...(group ? { group } : {}),
      ...(type === 'file' ? { content: archive.subarray(dataStart, dataStart + Math.min(size, maxContent)).toString('utf8') } : {}),
    };
  }
  return { exists: false };
}

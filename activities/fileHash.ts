// Streaming file hashing and durability helpers shared by download and store.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** Feeds the first `length` bytes of a file (all of it when omitted) into `hash`, chunk by chunk. */
export async function hashFileInto(hash: Hash, file: string, length?: number, onProgress?: (bytes: number) => void): Promise<number> {
  if (length === 0) return 0;
  let bytes = 0;
  const stream = createReadStream(file, length === undefined ? {} : { start: 0, end: length - 1 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.byteLength;
    onProgress?.(bytes);
  }
  return bytes;
}

export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const bytes = await hashFileInto(hash, file);
  return { sha256: hash.digest('hex'), bytes };
}

export async function fsyncFile(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Makes a rename durable. Best effort: some platforms cannot fsync a directory. */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* not supported here (e.g. Windows); the rename itself already happened */
  }
}

/** File names are built from generation ids: refuse anything that could leave the folder. */
export function isSafeFileStem(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(id) && !id.includes('..');
}

/** The file's stats, or undefined when it is missing or not a regular file. */
export async function statOrUndefined(file: string) {
  try {
    const s = await stat(file);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

// The result video: a real MP4 asset, optionally padded to `videoBytes` with a trailing MP4
// `free` box so the file stays valid. Bytes are generated on demand (benchmarks ask for GiBs).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

// 1 s 64x64 testsrc, made once (ffmpeg is not a runtime dependency):
// ffmpeg -f lavfi -i testsrc=duration=1:size=64x64:rate=10 -c:v libx264 -pix_fmt yuv420p
//   -preset veryslow -crf 35 -movflags +faststart -map_metadata -1 -fflags +bitexact sample.mp4
// faststart puts moov first, so appending a free box after mdat keeps the file playable.
const ASSET = readFileSync(new URL('./assets/sample.mp4', import.meta.url));
const CHUNK = 64 * 1024;
// Payload byte at offset o is PATTERN[o % CHUNK]; doubled so any window ≤ CHUNK is one slice.
const PATTERN = (() => {
  const block = Buffer.alloc(CHUNK * 2);
  for (let i = 0; i < CHUNK; i++) block[i] = block[i + CHUNK] = (i * 131 + (i >>> 8) * 7 + 17) & 0xff;
  return block;
})();

export interface VideoLayout {
  size: number;
  /** The free box header, empty when the asset is served as is. */
  header: Buffer;
}

export function videoLayout(videoBytes?: number): VideoLayout {
  const padding = (videoBytes ?? 0) - ASSET.length;
  // Below 8 bytes no box fits: the asset is served unchanged (videoBytes is a target, not a promise).
  if (padding < 8) return { size: ASSET.length, header: Buffer.alloc(0) };
  let header: Buffer;
  if (padding <= 0xffffffff) {
    header = Buffer.alloc(8);
    header.writeUInt32BE(padding, 0);
    header.write('free', 4, 'latin1');
  } else {
    // size field 1 = "64-bit largesize follows".
    header = Buffer.alloc(16);
    header.writeUInt32BE(1, 0);
    header.write('free', 4, 'latin1');
    header.writeBigUInt64BE(BigInt(padding), 8);
  }
  return { size: ASSET.length + padding, header };
}

/** Yields bytes [start, end] (inclusive) of the virtual file in chunks of at most 64 KiB. */
export function* videoChunks(layout: VideoLayout, start: number, end: number): Generator<Buffer> {
  const segments: [offset: number, length: number, slice: (from: number, to: number) => Buffer][] = [
    [0, ASSET.length, (a, b) => ASSET.subarray(a, b)],
    [ASSET.length, layout.header.length, (a, b) => layout.header.subarray(a, b)],
    [ASSET.length + layout.header.length, layout.size - ASSET.length - layout.header.length, (a, b) => PATTERN.subarray(a % CHUNK, a % CHUNK + (b - a))],
  ];
  let pos = start;
  for (const [offset, length, slice] of segments) {
    const segEnd = offset + length; // exclusive
    while (pos <= end && pos < segEnd) {
      const to = Math.min(segEnd, end + 1, pos + CHUNK);
      yield slice(pos - offset, to - offset);
      pos = to;
    }
  }
}

export function assetSize(): number {
  return ASSET.length;
}

/** sha256 (hex) of the file a task created with this `videoBytes` serves. */
export async function expectedVideoSha256(videoBytes?: number): Promise<string> {
  const layout = videoLayout(videoBytes);
  const hash = createHash('sha256');
  let n = 0;
  for (const chunk of videoChunks(layout, 0, layout.size - 1)) {
    hash.update(chunk);
    // Yield to the event loop now and then so hashing a GiB does not starve servers in the same process.
    if (++n % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return hash.digest('hex');
}

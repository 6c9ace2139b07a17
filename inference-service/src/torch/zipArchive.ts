import { inflateRawSync } from 'node:zlib';
import { CheckpointError } from './pickleValues.ts';

/**
 * Just enough of ZIP (APPNOTE.TXT 6.3) to read a PyTorch ≥ 1.6 checkpoint: the end-of-central-directory
 * record (and its ZIP64 form), the central directory, and each entry's local header. PyTorch writes every
 * entry stored (method 0, 64-byte aligned) so entries are views of the file, not copies; a re-compressed
 * archive (method 8) is inflated with Node's zlib. This is ~100 lines against adding a dependency for it.
 */

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const signature = { eocd: 0x06054b50, zip64Eocd: 0x06064b50, zip64Locator: 0x07064b50, central: 0x02014b50, local: 0x04034b50 } as const;

export class ZipArchive {
  private readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly name: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readCentralDirectory();
  }

  static isZip(bytes: Uint8Array): boolean {
    return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === signature.local;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The entry's bytes: a view into the file when stored, a new buffer when deflated. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw new CheckpointError(`${this.name}: the archive has no entry '${name}'`);
    const at = entry.localHeaderOffset;
    this.check(at, 30, `local header of '${name}'`);
    if (this.view.getUint32(at, true) !== signature.local) throw new CheckpointError(`${this.name}: entry '${name}' has no local header at byte ${at}`);
    const start = at + 30 + this.view.getUint16(at + 26, true) + this.view.getUint16(at + 28, true);
    this.check(start, entry.compressedSize, `data of '${name}'`);
    const data = this.bytes.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) return data;
    if (entry.method === 8) return new Uint8Array(inflateRawSync(data));
    throw new CheckpointError(`${this.name}: entry '${name}' uses compression method ${entry.method}; only stored and deflated entries are read`);
  }

  private check(at: number, length: number, what: string): void {
    if (at < 0 || at + length > this.bytes.length) {
      throw new CheckpointError(`${this.name}: the archive is truncated (${what} needs bytes ${at}–${at + length}, the file has ${this.bytes.length})`);
    }
  }

  private u64(at: number, what: string): number {
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(`${this.name}: ${what} ${v} is too large`);
    return Number(v);
  }

  private readCentralDirectory(): void {
    // The EOCD record is 22 bytes plus a comment of at most 65535 bytes at the very end.
    let eocd = -1;
    for (let at = this.bytes.length - 22; at >= Math.max(0, this.bytes.length - 22 - 0xffff); at--) {
      if (this.view.getUint32(at, true) === signature.eocd) { eocd = at; break; }
    }
    if (eocd < 0) throw new CheckpointError(`${this.name}: the zip archive is truncated (no end-of-central-directory record)`);
    let count = this.view.getUint16(eocd + 10, true);
    let directoryOffset = this.view.getUint32(eocd + 16, true);
    const locator = eocd - 20;
    if (locator >= 0 && this.view.getUint32(locator, true) === signature.zip64Locator) {
      const record = this.u64(locator + 8, 'ZIP64 record offset');
      this.check(record, 56, 'ZIP64 end-of-central-directory record');
      if (this.view.getUint32(record, true) !== signature.zip64Eocd) throw new CheckpointError(`${this.name}: bad ZIP64 end-of-central-directory record`);
      count = this.u64(record + 32, 'entry count');
      directoryOffset = this.u64(record + 48, 'central directory offset');
    }
    let at = directoryOffset;
    for (let i = 0; i < count; i++) {
      this.check(at, 46, 'central directory');
      if (this.view.getUint32(at, true) !== signature.central) throw new CheckpointError(`${this.name}: central directory entry ${i} is damaged at byte ${at}`);
      const method = this.view.getUint16(at + 10, true);
      let compressedSize = this.view.getUint32(at + 20, true);
      let size = this.view.getUint32(at + 24, true);
      const nameLength = this.view.getUint16(at + 28, true);
      const extraLength = this.view.getUint16(at + 30, true);
      const commentLength = this.view.getUint16(at + 32, true);
      let localHeaderOffset = this.view.getUint32(at + 42, true);
      this.check(at + 46, nameLength + extraLength, 'central directory names');
      const name = new TextDecoder().decode(this.bytes.subarray(at + 46, at + 46 + nameLength));
      // ZIP64 extended information (APPNOTE 4.5.3): only the fields saturated at 0xffffffff, in this order.
      let extra = at + 46 + nameLength;
      const extraEnd = extra + extraLength;
      while (extra + 4 <= extraEnd) {
        const id = this.view.getUint16(extra, true);
        const length = this.view.getUint16(extra + 2, true);
        if (id === 0x0001) {
          let field = extra + 4;
          if (size === 0xffffffff) { size = this.u64(field, 'entry size'); field += 8; }
          if (compressedSize === 0xffffffff) { compressedSize = this.u64(field, 'entry size'); field += 8; }
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = this.u64(field, 'entry offset');
        }
        extra += 4 + length;
      }
      this.entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      at += 46 + nameLength + extraLength + commentLength;
    }
  }
}

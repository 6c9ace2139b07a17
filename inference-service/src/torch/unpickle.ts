import { newObject, reduce, resolveGlobal } from './allowedGlobals.ts';
import { CheckpointError, PyObject } from './pickleValues.ts';

/**
 * A pickle machine (protocols 0–4; PyTorch writes 2) that builds data and never executes anything: GLOBAL
 * only resolves names on an allow-list (allowedGlobals.ts), REDUCE/NEWOBJ/BUILD compute data from them,
 * and persistent ids go to the caller. The opcode semantics follow CPython's Lib/pickle.py and pickletools.
 */

/** Returns the object a persistent id stands for (PyTorch: storages, and module classes in legacy files). */
export type PersistentLoad = (pid: unknown, where: string) => unknown;

export interface Unpickled {
  readonly value: unknown;
  /** Offset just past the STOP opcode: legacy checkpoints are several pickles in a row. */
  readonly end: number;
}

const op = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32, FLOAT: 0x46, INT: 0x49, BININT: 0x4a,
  BININT1: 0x4b, LONG: 0x4c, BININT2: 0x4d, NONE: 0x4e, PERSID: 0x50, BINPERSID: 0x51, REDUCE: 0x52,
  STRING: 0x53, BINSTRING: 0x54, SHORT_BINSTRING: 0x55, UNICODE: 0x56, BINUNICODE: 0x58, APPEND: 0x61,
  BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64, EMPTY_DICT: 0x7d, APPENDS: 0x65, GET: 0x67, BINGET: 0x68,
  LONG_BINGET: 0x6a, LIST: 0x6c, EMPTY_LIST: 0x5d, PUT: 0x70, BINPUT: 0x71, LONG_BINPUT: 0x72,
  SETITEM: 0x73, TUPLE: 0x74, EMPTY_TUPLE: 0x29, SETITEMS: 0x75, BINFLOAT: 0x47, BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43, PROTO: 0x80, NEWOBJ: 0x81, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, NEWTRUE: 0x88,
  NEWFALSE: 0x89, LONG1: 0x8a, LONG4: 0x8b, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f, ADDITEMS: 0x90, FROZENSET: 0x91, STACK_GLOBAL: 0x93, MEMOIZE: 0x94, FRAME: 0x95,
} as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Two's-complement little-endian integer of any length (LONG1/LONG4), as a number when it is safe. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] ?? 0);
  if ((bytes[bytes.length - 1] ?? 0) & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);

class Machine {
  private pos: number;
  private stack: unknown[] = [];
  private readonly marks: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly persistentLoad: PersistentLoad,
    private readonly name: string,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private where(at = this.pos): string {
    return `${this.name} at byte ${at}`;
  }

  private need(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.bytes.length) {
      throw new CheckpointError(`${this.where()}: the pickle is truncated (needs ${n} more bytes, the file ends at ${this.bytes.length})`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private u8(): number { return this.view.getUint8(this.need(1)); }
  private u16(): number { return this.view.getUint16(this.need(2), true); }
  private u32(): number { return this.view.getUint32(this.need(4), true); }
  private u64(): number {
    const v = this.view.getBigUint64(this.need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(`${this.where()}: length ${v} is too large`);
    return Number(v);
  }
  private take(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new CheckpointError(`${this.where()}: the pickle is truncated inside a text argument`);
    const s = latin1.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  private pop(): unknown {
    if (this.stack.length === 0) throw new CheckpointError(`${this.where()}: pickle stack underflow`);
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length === 0) throw new CheckpointError(`${this.where()}: pickle stack underflow`);
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    const items = this.stack;
    const previous = this.marks.pop();
    if (!previous) throw new CheckpointError(`${this.where()}: pickle MARK missing`);
    this.stack = previous;
    return items;
  }
  private memoGet(index: number): unknown {
    if (!this.memo.has(index)) throw new CheckpointError(`${this.where()}: pickle memo ${index} is not defined`);
    return this.memo.get(index);
  }
  private setItems(target: unknown, items: unknown[]): void {
    if (!(target instanceof Map)) throw new CheckpointError(`${this.where()}: SETITEM(S) on something that is not a dict`);
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  }
  private appendItems(target: unknown, items: unknown[]): void {
    if (!Array.isArray(target) || Object.isFrozen(target)) throw new CheckpointError(`${this.where()}: APPEND(S) on something that is not a list`);
    target.push(...items);
  }
  private build(target: unknown, state: unknown): void {
    if (target instanceof PyObject) {
      target.state = state;
      return;
    }
    // PyTorch BUILDs an OrderedDict state dict with its `_metadata` (module versions) and tensors with
    // hook-free empty state; neither affects the weights, so the state is dropped.
    if (target instanceof Map || (typeof target === 'object' && target !== null)) return;
    throw new CheckpointError(`${this.where()}: BUILD on a ${typeof target}`);
  }

  run(): Unpickled {
    for (;;) {
      const at = this.pos;
      const code = this.u8();
      switch (code) {
        case op.PROTO: {
          const protocol = this.u8();
          if (protocol > 4) throw new CheckpointError(`${this.where(at)}: pickle protocol ${protocol} is not supported (PyTorch writes 2)`);
          break;
        }
        case op.FRAME: this.need(8); break;
        case op.STOP: return { value: this.pop(), end: this.pos };
        case op.MARK: this.marks.push(this.stack); this.stack = []; break;
        case op.POP: this.pop(); break;
        case op.POP_MARK: this.popMark(); break;
        case op.DUP: this.stack.push(this.top()); break;
        case op.NONE: this.stack.push(null); break;
        case op.NEWTRUE: this.stack.push(true); break;
        case op.NEWFALSE: this.stack.push(false); break;
        case op.INT: {
          const text = this.line();
          if (text === '00') this.stack.push(false);
          else if (text === '01') this.stack.push(true);
          else this.stack.push(Number.parseInt(text, 10));
          break;
        }
        case op.BININT: this.stack.push(this.view.getInt32(this.need(4), true)); break;
        case op.BININT1: this.stack.push(this.u8()); break;
        case op.BININT2: this.stack.push(this.u16()); break;
        case op.LONG: {
          const v = BigInt(this.line().replace(/L$/, ''));
          this.stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
          break;
        }
        case op.LONG1: this.stack.push(decodeLong(this.take(this.u8()))); break;
        case op.LONG4: this.stack.push(decodeLong(this.take(this.u32()))); break;
        case op.FLOAT: this.stack.push(Number.parseFloat(this.line())); break;
        case op.BINFLOAT: this.stack.push(this.view.getFloat64(this.need(8), false)); break;
        case op.STRING: this.stack.push(this.line().replace(/^(['"])(.*)\1$/, '$2')); break;
        case op.BINSTRING: this.stack.push(latin1.decode(this.take(this.u32()))); break;
        case op.SHORT_BINSTRING: this.stack.push(latin1.decode(this.take(this.u8()))); break;
        case op.UNICODE: this.stack.push(this.line()); break;
        case op.BINUNICODE: this.stack.push(utf8.decode(this.take(this.u32()))); break;
        case op.SHORT_BINUNICODE: this.stack.push(utf8.decode(this.take(this.u8()))); break;
        case op.BINUNICODE8: this.stack.push(utf8.decode(this.take(this.u64()))); break;
        case op.BINBYTES: this.stack.push(this.take(this.u32())); break;
        case op.SHORT_BINBYTES: this.stack.push(this.take(this.u8())); break;
        case op.BINBYTES8: this.stack.push(this.take(this.u64())); break;
        case op.EMPTY_LIST: this.stack.push([]); break;
        case op.LIST: { const items = this.popMark(); this.stack.push(items); break; }
        case op.APPEND: { const v = this.pop(); this.appendItems(this.top(), [v]); break; }
        case op.APPENDS: { const items = this.popMark(); this.appendItems(this.top(), items); break; }
        case op.EMPTY_TUPLE: this.stack.push(tuple([])); break;
        case op.TUPLE: { const items = this.popMark(); this.stack.push(tuple(items)); break; }
        case op.TUPLE1: this.stack.push(tuple([this.pop()])); break;
        case op.TUPLE2: { const b = this.pop(); const a = this.pop(); this.stack.push(tuple([a, b])); break; }
        case op.TUPLE3: { const c = this.pop(); const b = this.pop(); const a = this.pop(); this.stack.push(tuple([a, b, c])); break; }
        case op.EMPTY_DICT: this.stack.push(new Map()); break;
        case op.DICT: { const m = new Map(); this.setItems(m, this.popMark()); this.stack.push(m); break; }
        case op.SETITEM: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); break; }
        case op.SETITEMS: { const items = this.popMark(); this.setItems(this.top(), items); break; }
        case op.EMPTY_SET: this.stack.push(new Set()); break;
        case op.ADDITEMS: {
          const items = this.popMark();
          const target = this.top();
          if (!(target instanceof Set)) throw new CheckpointError(`${this.where(at)}: ADDITEMS on something that is not a set`);
          for (const item of items) target.add(item);
          break;
        }
        case op.FROZENSET: { const items = this.popMark(); this.stack.push(new Set(items)); break; }
        case op.GET: this.stack.push(this.memoGet(Number.parseInt(this.line(), 10))); break;
        case op.BINGET: this.stack.push(this.memoGet(this.u8())); break;
        case op.LONG_BINGET: this.stack.push(this.memoGet(this.u32())); break;
        case op.PUT: this.memo.set(Number.parseInt(this.line(), 10), this.top()); break;
        case op.BINPUT: this.memo.set(this.u8(), this.top()); break;
        case op.LONG_BINPUT: this.memo.set(this.u32(), this.top()); break;
        case op.MEMOIZE: this.memo.set(this.memo.size, this.top()); break;
        case op.GLOBAL: {
          const module = this.line();
          const name = this.line();
          this.stack.push(resolveGlobal(module, name, this.where(at)));
          break;
        }
        case op.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') throw new CheckpointError(`${this.where(at)}: STACK_GLOBAL needs two strings`);
          this.stack.push(resolveGlobal(module, name, this.where(at)));
          break;
        }
        case op.REDUCE: { const args = this.pop(); const callable = this.pop(); this.stack.push(reduce(callable, args, this.where(at))); break; }
        case op.NEWOBJ: { const args = this.pop(); const cls = this.pop(); this.stack.push(newObject(cls, args, this.where(at))); break; }
        case op.BUILD: { const state = this.pop(); this.build(this.top(), state); break; }
        case op.PERSID: this.stack.push(this.persistentLoad(this.line(), this.where(at))); break;
        case op.BINPERSID: this.stack.push(this.persistentLoad(this.pop(), this.where(at))); break;
        default:
          // INST, OBJ, EXT1/2/4, NEWOBJ_EX and protocol-5 buffers: never written for PyTorch checkpoints.
          throw new CheckpointError(`${this.where(at)}: pickle opcode 0x${code.toString(16).padStart(2, '0')} is not allowed in a model checkpoint`);
      }
    }
  }
}

/** Unpickles one pickle starting at `start` of `bytes`; `name` says where in errors (e.g. the file name). */
export function unpickle(bytes: Uint8Array, start: number, persistentLoad: PersistentLoad, name: string): Unpickled {
  return new Machine(bytes, start, persistentLoad, name).run();
}

// A restricted unpickler: it runs the pickle opcodes that torch.save emits (protocol 2–5) and builds
// values only through the globals the caller allows. Any other global, any opcode it does not know,
// is refused with an error, so a hostile file cannot execute anything.

/** An object the unpickler cannot build itself: a named global, called with arguments. */
export interface PickleGlobal {
  module: string;
  name: string;
}

export interface UnpickleOptions {
  /** Returns the value for `module.name`, or undefined to refuse it. */
  resolveGlobal(module: string, name: string): unknown;
  /** Calls a resolved global (REDUCE / NEWOBJ). */
  call(callable: unknown, args: unknown[]): unknown;
  /** Resolves persistent ids (torch's storages). */
  persistentLoad?(pid: unknown): unknown;
  /** Applies BUILD state to an object; the default refuses. */
  build?(object: unknown, state: unknown): unknown;
  /** Names the file in errors. */
  source: string;
}

export class PickleError extends Error {
  constructor(source: string, position: number, message: string) {
    super(`${source}: pickle byte ${position}: ${message}`);
    this.name = 'PickleError';
  }
}

export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let position = 0;
  let opStart = 0;

  const fail = (message: string): never => {
    throw new PickleError(options.source, opStart, message);
  };
  const need = (count: number) => {
    if (position + count > bytes.length) fail('unexpected end of data');
  };
  const u8 = () => (need(1), bytes[position++]!);
  const u16 = () => (need(2), (position += 2), view.getUint16(position - 2, true));
  const u32 = () => (need(4), (position += 4), view.getUint32(position - 4, true));
  const i32 = () => (need(4), (position += 4), view.getInt32(position - 4, true));
  const take = (count: number) => (need(count), bytes.subarray(position, (position += count)));
  const line = () => {
    const end = bytes.indexOf(0x0a, position);
    if (end < 0) fail('unterminated text line');
    const text = new TextDecoder('latin1').decode(bytes.subarray(position, end));
    position = end + 1;
    return text;
  };
  const pop = () => (stack.length === 0 ? fail('stack underflow') : stack.pop());
  const top = () => (stack.length === 0 ? fail('stack underflow') : stack[stack.length - 1]);
  const popMark = () => {
    const mark = marks.pop();
    if (mark === undefined) fail('no MARK on the stack');
    return stack.splice(mark!);
  };
  const global = (module: string, name: string) => {
    const value = options.resolveGlobal(module, name);
    if (value === undefined) fail(`refusing global ${module}.${name}: only tensor data may be loaded`);
    return value;
  };
  const setItems = (target: unknown, items: unknown[]) => {
    for (let i = 0; i < items.length; i += 2) {
      if (target instanceof Map) target.set(items[i], items[i + 1]);
      else fail('SETITEM on a value that is not a dict');
    }
  };
  const append = (target: unknown, items: unknown[]) => {
    if (!Array.isArray(target)) fail('APPEND on a value that is not a list');
    (target as unknown[]).push(...items);
  };

  for (;;) {
    opStart = position;
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: take(8); break; // FRAME
      case 0x2e: return pop(); // STOP
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(Object.freeze([])); break; // EMPTY_TUPLE
      case 0x74: stack.push(Object.freeze(popMark())); break; // TUPLE
      case 0x85: stack.push(Object.freeze([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(Object.freeze([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(Object.freeze([a, b, c])); break; } // TUPLE3
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x64: { const items = popMark(); const map = new Map(); setItems(map, items); stack.push(map); break; } // DICT
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(readLong(take(u8()))); break; // LONG1
      case 0x47: need(8); stack.push(view.getFloat64(position, false)); position += 8; break; // BINFLOAT
      case 0x58: stack.push(decoder.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(decoder.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x55: stack.push(new TextDecoder('latin1').decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x54: stack.push(new TextDecoder('latin1').decode(take(u32()))); break; // BINSTRING
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key)) fail(`memo key ${key} is not set`);
        stack.push(memo.get(key));
        break;
      }
      case 0x63: { const module = line(); const name = line(); stack.push(global(module, name)); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); stack.push(global(String(module), String(name))); break; } // STACK_GLOBAL
      case 0x51: { // BINPERSID
        if (!options.persistentLoad) fail('persistent ids are not allowed here');
        stack.push(options.persistentLoad!(pop()));
        break;
      }
      case 0x52: case 0x81: { // REDUCE, NEWOBJ
        const args = pop();
        const callable = pop();
        if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
        stack.push(options.call(callable, args as unknown[]));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const object = pop();
        if (!options.build) fail('BUILD is not allowed here');
        stack.push(options.build!(object, state));
        break;
      }
      case 0x73: { const value = pop(); const key = pop(); setItems(top(), [key, value]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const value = pop(); append(top(), [value]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

/** Little-endian two's-complement integer of any length (LONG1). */
function readLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/**
 * The protobuf wire format, for the few containerd messages ferry sends: strings, bytes, int64, bool and enums,
 * nested messages, repeated fields and map<string, string>. Unknown fields (timestamps ferry never reads) are
 * skipped on decode, so the schemas below list only what ferry uses.
 */
export type FieldType = 'string' | 'bytes' | 'int64' | 'bool' | 'enum' | 'map' | MessageSchema;

export interface Field {
  no: number;
  type: FieldType;
  repeated?: boolean;
}

export type MessageSchema = { readonly [name: string]: Field };

export type FieldValue = string | number | boolean | Buffer | Record<string, string> | Message | FieldValue[];
export type Message = { [name: string]: FieldValue | undefined };

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

export function encodeMessage(schema: MessageSchema, value: object): Buffer {
  const parts: Buffer[] = [];
  const fields = value as Message;
  for (const [name, field] of Object.entries(schema)) {
    const v = fields[name];
    if (v === undefined) continue;
    if (field.type === 'map') {
      for (const [key, val] of Object.entries(v as Record<string, string>)) {
        const entry = Buffer.concat([lengthField(1, Buffer.from(key)), lengthField(2, Buffer.from(val))]);
        parts.push(lengthField(field.no, entry));
      }
    } else if (field.repeated) {
      for (const item of v as FieldValue[]) parts.push(encodeField(field, item));
    } else if (!isDefault(v)) {
      parts.push(encodeField(field, v));
    }
  }
  return Buffer.concat(parts);
}

/** proto3 leaves scalar defaults off the wire. */
function isDefault(v: FieldValue): boolean {
  return v === '' || v === 0 || v === false || (Buffer.isBuffer(v) && v.length === 0);
}

function encodeField(field: Field, v: FieldValue): Buffer {
  switch (field.type) {
    case 'string':
      return lengthField(field.no, Buffer.from(v as string));
    case 'bytes':
      return lengthField(field.no, v as Buffer);
    case 'int64':
    case 'enum':
      return Buffer.concat([varint(field.no * 8 + VARINT), varint(v as number)]);
    case 'bool':
      return Buffer.concat([varint(field.no * 8 + VARINT), varint(v ? 1 : 0)]);
    case 'map':
      throw new Error('maps are encoded by encodeMessage');
    default:
      return lengthField(field.no, encodeMessage(field.type, v as Message));
  }
}

function lengthField(no: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint(no * 8 + LENGTH), varint(bytes.length), bytes]);
}

/** Non-negative integers up to 2^53: sizes and offsets never need more. */
function varint(n: number): Buffer {
  const bytes: number[] = [];
  let rest = n;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

export function decodeMessage<T>(schema: MessageSchema, bytes: Buffer): T {
  const byNumber = new Map(Object.entries(schema).map(([name, field]) => [field.no, { name, field }]));
  const out: Message = {};
  const reader = new WireReader(bytes);
  while (!reader.done()) {
    const tag = reader.varint();
    const wire = tag % 8;
    const known = byNumber.get(Math.floor(tag / 8));
    if (!known) {
      reader.skip(wire);
      continue;
    }
    const { name, field } = known;
    if (field.type === 'map') {
      const entry = decodeMessage<{ key?: string; value?: string }>(MAP_ENTRY, reader.lengthDelimited());
      const map = (out[name] as Record<string, string> | undefined) ?? {};
      map[entry.key ?? ''] = entry.value ?? '';
      out[name] = map;
      continue;
    }
    const value = decodeField(field.type, wire, reader);
    if (field.repeated) out[name] = [...((out[name] as FieldValue[] | undefined) ?? []), value];
    else out[name] = value;
  }
  return out as T;
}

const MAP_ENTRY: MessageSchema = { key: { no: 1, type: 'string' }, value: { no: 2, type: 'string' } };

function decodeField(type: Exclude<FieldType, 'map'>, wire: number, reader: WireReader): FieldValue {
  if (type === 'int64' || type === 'enum') return reader.varint();
  if (type === 'bool') return reader.varint() !== 0;
  if (wire !== LENGTH) throw new Error(`protobuf: wire type ${wire} where a length-delimited field was expected`);
  const bytes = reader.lengthDelimited();
  if (type === 'string') return bytes.toString('utf8');
  if (type === 'bytes') return bytes;
  return decodeMessage<Message>(type, bytes);
}

class WireReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('protobuf: truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
  }

  lengthDelimited(): Buffer {
    const length = this.varint();
    if (this.pos + length > this.buf.length) throw new Error('protobuf: truncated field');
    const bytes = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return bytes;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === LENGTH) this.lengthDelimited();
    else if (wire === FIXED64) this.pos += 8;
    else if (wire === FIXED32) this.pos += 4;
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
}

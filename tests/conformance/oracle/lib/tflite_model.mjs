// Minimal read-only reader for the parts of a .tflite flatbuffer the oracle needs:
// subgraph 0 inputs/outputs (tensor name, type, shape, shape_signature),
// signature defs (to map LiteRT's signature order back to subgraph order),
// variable tensors, and the locations of shape_signature vectors (for the
// optional --static-shapes patch).
//
// Field ids follow tensorflow/lite/schema/schema.fbs.

export const TENSOR_TYPES = [
  'float32', 'float16', 'int32', 'uint8', 'int64', 'string', 'bool', 'int16',
  'complex64', 'int8', 'float64', 'complex128', 'uint64', 'resource', 'variant',
  'uint32', 'uint16', 'int4', 'bfloat16',
];

class FlatBuffer {
  constructor(bytes) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  check(off, n) {
    if (off < 0 || off + n > this.bytes.byteLength) {
      throw new Error(`corrupt flatbuffer: offset ${off} out of range`);
    }
  }
  u8(o) { this.check(o, 1); return this.dv.getUint8(o); }
  i8(o) { this.check(o, 1); return this.dv.getInt8(o); }
  u16(o) { this.check(o, 2); return this.dv.getUint16(o, true); }
  u32(o) { this.check(o, 4); return this.dv.getUint32(o, true); }
  i32(o) { this.check(o, 4); return this.dv.getInt32(o, true); }
  root() { return this.u32(0); }
  // Absolute position of a field inside `table`, or 0 when absent.
  field(table, id) {
    const vt = table - this.i32(table);
    const vtLen = this.u16(vt);
    const slot = 4 + 2 * id;
    if (slot + 2 > vtLen) return 0;
    const rel = this.u16(vt + slot);
    return rel ? table + rel : 0;
  }
  table(table, id) {
    const p = this.field(table, id);
    return p ? p + this.u32(p) : 0;
  }
  vector(table, id) {
    const p = this.field(table, id);
    if (!p) return null;
    const v = p + this.u32(p);
    return { length: this.u32(v), start: v + 4 };
  }
  string(table, id) {
    const vec = this.vector(table, id);
    if (!vec) return null;
    this.check(vec.start, vec.length);
    return new TextDecoder().decode(this.bytes.subarray(vec.start, vec.start + vec.length));
  }
  tables(table, id) {
    const vec = this.vector(table, id);
    if (!vec) return [];
    const out = [];
    for (let i = 0; i < vec.length; i++) {
      const p = vec.start + 4 * i;
      out.push(p + this.u32(p));
    }
    return out;
  }
  i32s(table, id) {
    const vec = this.vector(table, id);
    if (!vec) return null;
    const out = [];
    for (let i = 0; i < vec.length; i++) out.push(this.i32(vec.start + 4 * i));
    return out;
  }
  scalarI8(table, id, dflt) { const p = this.field(table, id); return p ? this.i8(p) : dflt; }
  scalarU8(table, id, dflt) { const p = this.field(table, id); return p ? this.u8(p) : dflt; }
  scalarU32(table, id, dflt) { const p = this.field(table, id); return p ? this.u32(p) : dflt; }
}

function tensorInfo(fb, t, index) {
  const typeId = fb.scalarI8(t, 1, 0);
  const shape = fb.i32s(t, 0) ?? [];
  const shapeSignature = fb.i32s(t, 7);
  return {
    index,
    name: fb.string(t, 3) ?? '',
    dtype: TENSOR_TYPES[typeId] ?? `type${typeId}`,
    shape,
    shape_signature: shapeSignature,
    dynamic: Array.isArray(shapeSignature) && shapeSignature.some((d) => d < 0),
    is_variable: fb.scalarU8(t, 5, 0) !== 0,
  };
}

// Parses the model; throws a readable Error on files that are not TFLite models.
export function parseTfliteModel(bytes) {
  if (bytes.byteLength < 8) throw new Error('file too small to be a .tflite model');
  // The 'TFL3' file identifier is optional in flatbuffers; the runtimes decide whether a file
  // without it is acceptable, we only parse what we need.
  const ident = new TextDecoder('latin1').decode(bytes.subarray(4, 8));
  const fb = new FlatBuffer(bytes);
  const model = fb.root();
  const version = fb.scalarU32(model, 0, 0);
  const subgraphs = fb.tables(model, 2);
  if (subgraphs.length === 0) throw new Error('model has no subgraphs');
  const sg = subgraphs[0];
  const tensorTables = fb.tables(sg, 0);
  const tensor = (i) => {
    if (i < 0 || i >= tensorTables.length) throw new Error(`tensor index ${i} out of range`);
    return tensorInfo(fb, tensorTables[i], i);
  };
  const inputs = (fb.i32s(sg, 1) ?? []).map(tensor);
  const outputs = (fb.i32s(sg, 2) ?? []).map(tensor);

  let hasVariables = false;
  let anyDynamic = false;
  const shapeSignaturePatches = []; // [{start, values}] for --static-shapes
  for (const s of subgraphs) {
    for (const t of fb.tables(s, 0)) {
      if (fb.scalarU8(t, 5, 0)) hasVariables = true;
      const sig = fb.vector(t, 7);
      if (!sig) continue;
      const shape = fb.i32s(t, 0) ?? [];
      const sigVals = fb.i32s(t, 7);
      if (sigVals.some((d) => d < 0)) {
        anyDynamic = true;
        if (shape.length === sigVals.length) shapeSignaturePatches.push({ start: sig.start, values: shape });
      }
    }
  }

  const signatures = fb.tables(model, 7).map((sd) => {
    const maps = (id) => fb.tables(sd, id).map((m) => ({ name: fb.string(m, 0) ?? '', tensor_index: fb.scalarU32(m, 1, 0) }));
    return {
      key: fb.string(sd, 2) ?? '',
      subgraph_index: fb.scalarU32(sd, 4, 0),
      inputs: maps(0),
      outputs: maps(1),
    };
  });

  return {
    file_identifier: ident === 'TFL3' ? ident : null,
    version,
    num_subgraphs: subgraphs.length,
    inputs,
    outputs,
    signatures,
    has_variables: hasVariables,
    any_dynamic: anyDynamic,
    shapeSignaturePatches,
  };
}

// Returns a copy of the model bytes in which every shape_signature containing -1
// is overwritten with the tensor's static shape (same length, patched in place).
export function withStaticShapeSignatures(bytes, info) {
  const copy = new Uint8Array(bytes);
  const dv = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
  for (const { start, values } of info.shapeSignaturePatches) {
    values.forEach((v, i) => dv.setInt32(start + 4 * i, v, true));
  }
  return copy;
}

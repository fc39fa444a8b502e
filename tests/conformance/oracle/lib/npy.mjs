// NumPy .npy reader/writer (format versions 1.0 for writing; 1.0/2.0/3.0 for reading).
// Little-endian, C order only.

import fs from 'node:fs';

// dtype name -> { descr, ctor } ; descr is what we write.
export const DTYPES = {
  float32: { descr: '<f4', ctor: Float32Array },
  float16: { descr: '<f2', ctor: Uint16Array }, // raw IEEE half bits
  float64: { descr: '<f8', ctor: Float64Array },
  int8: { descr: '|i1', ctor: Int8Array },
  uint8: { descr: '|u1', ctor: Uint8Array },
  int16: { descr: '<i2', ctor: Int16Array },
  uint16: { descr: '<u2', ctor: Uint16Array },
  int32: { descr: '<i4', ctor: Int32Array },
  uint32: { descr: '<u4', ctor: Uint32Array },
  int64: { descr: '<i8', ctor: BigInt64Array },
  uint64: { descr: '<u8', ctor: BigUint64Array },
  bool: { descr: '|b1', ctor: Uint8Array },
};

// Accepts '<', '|' and '=' byte orders ('=' is little endian on every machine we run on).
const DESCR_TO_DTYPE = {
  f4: 'float32', f2: 'float16', f8: 'float64', i1: 'int8', u1: 'uint8', i2: 'int16',
  u2: 'uint16', i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64', b1: 'bool',
};

export function descrToDtype(descr) {
  const m = /^([<|=>]?)([a-z]\d+)$/.exec(descr);
  if (!m) throw new Error(`unsupported .npy dtype descr '${descr}'`);
  const dtype = DESCR_TO_DTYPE[m[2]];
  if (!dtype) throw new Error(`unsupported .npy dtype descr '${descr}'`);
  const itemsize = Number(m[2].slice(1));
  if (m[1] === '>' && itemsize > 1) throw new Error(`big-endian .npy dtype '${descr}' is not supported`);
  return dtype;
}

export function readNpy(path) {
  let buf;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${e.message}`);
  }
  const magic = buf.subarray(0, 6);
  if (buf.length < 10 || magic[0] !== 0x93 || magic.subarray(1).toString('latin1') !== 'NUMPY') {
    throw new Error(`${path}: not a .npy file (bad magic)`);
  }
  const major = buf[6];
  let headerLen;
  let headerStart;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    throw new Error(`${path}: unsupported .npy format version ${major}.${buf[7]}`);
  }
  const header = buf.subarray(headerStart, headerStart + headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descrM = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortranM = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descrM || !fortranM || !shapeM) throw new Error(`${path}: cannot parse .npy header: ${header.trim()}`);
  if (fortranM[1] === 'True') throw new Error(`${path}: Fortran-order .npy arrays are not supported (save with C order)`);
  const dtype = descrToDtype(descrM[1]);
  const shape = shapeM[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => {
    const n = Number(s.replace(/L$/, ''));
    if (!Number.isInteger(n) || n < 0) throw new Error(`${path}: bad shape entry '${s}'`);
    return n;
  });
  const count = shape.reduce((a, b) => a * b, 1);
  const { ctor } = DTYPES[dtype];
  const dataStart = headerStart + headerLen;
  const nbytes = count * ctor.BYTES_PER_ELEMENT;
  if (buf.length - dataStart < nbytes) {
    throw new Error(`${path}: truncated data: need ${nbytes} bytes for shape (${shape.join(', ')}) ${dtype}, have ${buf.length - dataStart}`);
  }
  // Copy into a fresh, aligned buffer.
  const ab = new ArrayBuffer(nbytes);
  new Uint8Array(ab).set(buf.subarray(dataStart, dataStart + nbytes));
  return { dtype, shape, data: new ctor(ab) };
}

export function npyBytes(dtype, shape, data) {
  const info = DTYPES[dtype];
  if (!info) throw new Error(`cannot write dtype '${dtype}' to .npy`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`npy: ${data.length} elements for shape [${shape}]`);
  const shapeStr = shape.length === 0 ? '()' : shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${info.descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // magic(6) + version(2) + len(2) + header + '\n' padded to a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header + ' '.repeat(total - 10 - header.length - 1) + '\n';
  const out = Buffer.alloc(total + count * info.ctor.BYTES_PER_ELEMENT);
  out[0] = 0x93;
  out.write('NUMPY', 1, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  const src = new Uint8Array(data.buffer, data.byteOffset, count * info.ctor.BYTES_PER_ELEMENT);
  out.set(src, total);
  return out;
}

export function writeNpy(path, dtype, shape, data) {
  fs.writeFileSync(path, npyBytes(dtype, shape, data));
}

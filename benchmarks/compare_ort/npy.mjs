// Minimal NumPy .npy reader/writer (format 1.0/2.0, little-endian, C order) for the dtypes the
// benchmark models use. Shared by compare_ort.mjs and ort_runner.mjs.
import { readFileSync, writeFileSync } from 'node:fs';

// numpy descr -> [ONNX Runtime tensor type, TypedArray]
const DTYPES = {
  '<f4': ['float32', Float32Array],
  '<f8': ['float64', Float64Array],
  '<i1': ['int8', Int8Array], '|i1': ['int8', Int8Array],
  '<u1': ['uint8', Uint8Array], '|u1': ['uint8', Uint8Array],
  '<i2': ['int16', Int16Array],
  '<u2': ['uint16', Uint16Array],
  '<i4': ['int32', Int32Array],
  '<u4': ['uint32', Uint32Array],
  '<i8': ['int64', BigInt64Array],
  '<u8': ['uint64', BigUint64Array],
  '|b1': ['bool', Uint8Array],
};

// Returns {type, dims, data} where data is a TypedArray (its own copy, properly aligned).
export function readNpy(path) {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  if (!(descr in DTYPES)) throw new Error(`${path}: unsupported dtype ${descr}`);
  if (fortran) throw new Error(`${path}: Fortran order is not supported`);
  const [type, Ctor] = DTYPES[descr];
  const count = dims.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  const bytes = buf.subarray(offset, offset + count * Ctor.BYTES_PER_ELEMENT);
  const data = new Ctor(count);
  new Uint8Array(data.buffer).set(bytes);
  return { type, dims, data };
}

const DESCR_OF = Object.fromEntries(Object.entries(DTYPES).filter(([d]) => d[0] === '<' || d === '|b1' || d === '|i1' || d === '|u1').map(([d, [t]]) => [t, d]));

export function writeNpy(path, type, dims, data) {
  const descr = DESCR_OF[type];
  if (!descr) throw new Error(`cannot write dtype ${type} as .npy`);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

// Largest |a - b| / max(|b|, floor) over all elements, and the largest |a - b|.
export function compareArrays(a, b, floor = 1e-3) {
  if (a.length !== b.length) return { maxRel: Infinity, maxAbs: Infinity, note: `sizes ${a.length} vs ${b.length}` };
  let maxRel = 0, maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]), y = Number(b[i]);
    const d = Math.abs(x - y);
    if (Number.isNaN(d)) return { maxRel: Infinity, maxAbs: Infinity, note: 'NaN' };
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(y), floor));
  }
  return { maxRel, maxAbs };
}

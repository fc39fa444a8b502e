// Batch-1 latency of ONNX Runtime's native CPU library (npm onnxruntime-node) on one ONNX model, printed like
// `liteopt bench --json` so bench/peers_*.sh can put both side by side.
//
//   node bench/peers/ort_bench.mjs MODEL.onnx [--threads N] [--warmup N] [--runs N] [--input X.npy]
//                                  [--output-dir DIR] [--optimized PATH]
//
// Session: intra-op threads = --threads, one inter-op thread, sequential execution, all graph optimizations
// (ORT's defaults otherwise, including its CPU memory arena and thread spinning). Inputs: X.npy when given, else
// the deterministic rule of the conformance tests (element i: u = ((i * 2654435761) mod 2^32 mod 1000) / 1000;
// float32 -> 2u-1, int8 -> floor(256u)-128, uint8 -> floor(256u)). Each timed call is `await session.run()`,
// the public API; `node_overhead_ms` is the median of the same call on a one-element Identity model, i.e. what
// the Node binding adds per call (the caller decides whether to subtract it). CPU time is the process's
// (user + system, all threads), like liteopt's cpu_ms.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

function parseArgs(argv) {
  const a = {threads: 1, warmup: 5, runs: 50, input: null, outputDir: null, optimized: null, model: null};
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      return argv[++i];
    };
    if (k === '--threads') a.threads = Number(next());
    else if (k === '--warmup') a.warmup = Number(next());
    else if (k === '--runs') a.runs = Number(next());
    else if (k === '--input') a.input = next();
    else if (k === '--output-dir') a.outputDir = next();
    else if (k === '--optimized') a.optimized = next();
    else if (!k.startsWith('--') && a.model === null) a.model = k;
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.model) throw new Error('usage: ort_bench.mjs MODEL.onnx [--threads N] [--warmup N] [--runs N] ...');
  return a;
}

const NPY_DTYPES = {'<f4': Float32Array, '|i1': Int8Array, '|u1': Uint8Array, '<i4': Int32Array, '<i8': BigInt64Array};
const ORT_TYPES = {float32: Float32Array, int8: Int8Array, uint8: Uint8Array, int32: Int32Array, int64: BigInt64Array};

// .npy version 1 or 2, C order, the dtypes above.
function loadNpy(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hlen;
  const header = b.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order is not handled`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter(s => s.trim()).map(Number);
  const Ctor = NPY_DTYPES[descr];
  if (!Ctor) throw new Error(`${file}: dtype ${descr} is not handled`);
  const bytes = b.subarray(start);
  const data = new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return {data, shape};
}

function saveNpy(file, data, shape) {
  const descr = Object.keys(NPY_DTYPES).find(k => data instanceof NPY_DTYPES[k]);
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((header.length + 10) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

function deterministic(type, n) {
  const Ctor = ORT_TYPES[type];
  if (!Ctor) throw new Error(`input type ${type} is not handled`);
  const out = new Ctor(n);
  for (let i = 0; i < n; ++i) {
    const u = (Number((BigInt(i) * 2654435761n) % 4294967296n) % 1000) / 1000;
    if (type === 'float32') out[i] = 2 * u - 1;
    else if (type === 'int8') out[i] = Math.floor(256 * u) - 128;
    else if (type === 'uint8') out[i] = Math.floor(256 * u);
    else out[i] = Math.floor(10 * u);
  }
  return out;
}

function median(v) {
  const s = [...v].sort((x, y) => x - y);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function sessionOptions(a) {
  const o = {intraOpNumThreads: a.threads, interOpNumThreads: 1, executionMode: 'sequential',
             graphOptimizationLevel: 'all'};
  if (a.optimized) o.optimizedModelFilePath = a.optimized;
  return o;
}

async function timeRuns(session, feeds, warmup, runs) {
  for (let r = 0; r < warmup; ++r) await session.run(feeds);
  const wall = [], cpu = [];
  for (let r = 0; r < runs; ++r) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    const t1 = process.hrtime.bigint();
    const c = process.cpuUsage(c0);
    wall.push(Number(t1 - t0) / 1e6);
    cpu.push((c.user + c.system) / 1e3);
  }
  return {wall, cpu};
}

// A one-element float Identity model (ONNX protobuf: ir_version 8, opset 13), encoded by hand so the overhead
// probe needs no file.
function identityModel() {
  const varint = n => {
    const out = [];
    for (; n > 127; n >>>= 7) out.push((n & 127) | 128);
    out.push(n);
    return out;
  };
  const msg = (num, payload) => [...varint((num << 3) | 2), ...varint(payload.length), ...payload];
  const str = (num, s) => msg(num, [...Buffer.from(s)]);
  const int = (num, v) => [...varint(num << 3), ...varint(v)];
  const valueInfo = (num, name) =>
    msg(num, [...str(1, name), ...msg(2, msg(1, [...int(1, 1), ...msg(2, msg(1, int(1, 1)))]))]);
  const node = msg(1, [...str(1, 'x'), ...str(2, 'y'), ...str(3, 'id'), ...str(4, 'Identity')]);
  const graph = msg(7, [...node, ...str(2, 'overhead'), ...valueInfo(11, 'x'), ...valueInfo(12, 'y')]);
  return Buffer.from([...int(1, 8), ...graph, ...msg(8, [...str(1, ''), ...int(2, 13)])]);
}

// What one `await session.run()` costs around the kernels: a one-element Identity model.
async function nodeOverheadMs(a) {
  const file = path.join(os.tmpdir(), `liteopt-ort-identity-${process.pid}.onnx`);
  fs.writeFileSync(file, identityModel());
  try {
    const s = await ort.InferenceSession.create(file, sessionOptions({...a, optimized: null}));
    const feeds = {x: new ort.Tensor('float32', new Float32Array(1), [1])};
    const {wall} = await timeRuns(s, feeds, 20, 200);
    return median(wall);
  } catch (e) {
    return null;
  } finally {
    fs.rmSync(file, {force: true});
  }
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(a.model, sessionOptions(a));
  const initMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const feeds = {};
  for (const name of session.inputNames) {
    const meta = session.inputMetadata.find(m => m.name === name);
    const shape = meta.shape.map(d => (typeof d === 'number' ? d : 1));
    const n = shape.reduce((x, y) => x * y, 1);
    let data;
    if (a.input) {
      const npy = loadNpy(a.input);
      if (npy.data.length !== n || !(npy.data instanceof ORT_TYPES[meta.type]))
        throw new Error(`${a.input}: expected ${meta.type} with ${n} elements for input '${name}'`);
      data = npy.data;
    } else {
      data = deterministic(meta.type, n);
    }
    feeds[name] = new ort.Tensor(meta.type, data, shape);
  }
  const tf = process.hrtime.bigint();
  const first = await session.run(feeds);
  const firstMs = Number(process.hrtime.bigint() - tf) / 1e6;
  if (a.outputDir) {
    fs.mkdirSync(a.outputDir, {recursive: true});
    session.outputNames.forEach((name, i) =>
      saveNpy(path.join(a.outputDir, `output_${i}.npy`), first[name].data, first[name].dims));
  }
  const {wall, cpu} = await timeRuns(session, feeds, a.warmup, a.runs);
  const sorted = [...wall].sort((x, y) => x - y);
  console.log(JSON.stringify({
    model: a.model, runtime: `onnxruntime-node ${require('onnxruntime-node/package.json').version}`,
    threads: a.threads, warmup: a.warmup, runs: a.runs, init_ms: initMs, first_run_ms: firstMs,
    latency_ms: {min: sorted[0], median: median(wall), p90: sorted[Math.ceil(0.9 * sorted.length) - 1],
                 max: sorted[sorted.length - 1]},
    cpu_ms: {median: median(cpu)}, node_overhead_ms: await nodeOverheadMs(a),
  }));
}

main().catch(e => {
  console.error(`ort_bench: ${e.message}`);
  process.exit(1);
});

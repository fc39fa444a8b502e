#!/usr/bin/env node
// liteopt conformance oracle: runs a .tflite model in the official TFLite runtime (WASM builds
// from npm) and writes the outputs as .npy files. See README.md.

import fs from 'node:fs';
import path from 'node:path';

import { installConsoleCapture, setVerbose, takeCaptured } from './lib/capture.mjs';
import { DTYPES, readNpy, writeNpy } from './lib/npy.mjs';
import { getRuntime, OracleError } from './lib/runtimes.mjs';
import { parseTfliteModel, withStaticShapeSignatures } from './lib/tflite_model.mjs';

const USAGE = `usage:
  node oracle.mjs [--runtime tfjs|litert] MODEL.tflite --input in0.npy [--input in1.npy ...] --out-dir DIR
  node oracle.mjs MODEL.tflite --gen-inputs DIR                  (write DIR/input_<i>.npy only)
  node oracle.mjs [--runtime R] MODEL.tflite --gen-inputs DIR --out-dir OUT   (generate, then run)
  node oracle.mjs [--runtime R] --batch < jobs.json
  node oracle.mjs MODEL.tflite --info                            (describe I/O from the flatbuffer)
options:
  --runtime tfjs|litert   runtime (default tfjs = @tensorflow/tfjs-tflite, the primary oracle)
  --static-shapes         clear shape_signature (-1 dims) in a temporary in-memory copy
                          (LiteRT rejects dynamic shape signatures)
  --verbose               echo runtime log lines to stderr
batch jobs (JSON list on stdin): [{"model": "...", "inputs": ["a.npy", ...] | "gen_inputs": "DIR",
  "out_dir": "...", "runtime": "tfjs|litert" (optional), "static_shapes": false, "id": any}]
  One JSON line per job on stdout, in job order.
exit codes: 0 ok, 1 internal error / some batch job failed, 2 usage, 3 input mismatch,
  4 model rejected by runtime (or unsupported / not a model), 5 inference failed`;

const EXIT = { ok: 0, internal: 1, usage: 2, setup: 1, input_mismatch: 3, model_rejected: 4, unsupported: 4, bad_model: 4, invoke_failed: 5 };

// ---------------------------------------------------------------------------------------------
// Deterministic inputs shared by the tests:
//   u = ((i * 2654435761) mod 2^32 mod 1000) / 1000
//   float32 -> 2u-1, int8 -> floor(256u)-128, uint8 -> floor(256u),
//   int16 -> floor(65536u)-32768, int32 -> floor(10u)
function genInput(dtype, shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const make = {
    float32: (u) => 2 * u - 1,
    int8: (u) => Math.floor(256 * u) - 128,
    uint8: (u) => Math.floor(256 * u),
    int16: (u) => Math.floor(65536 * u) - 32768,
    int32: (u) => Math.floor(10 * u),
  }[dtype];
  if (!make) throw new OracleError('unsupported', `--gen-inputs has no rule for dtype ${dtype} (rule covers float32, int8, uint8, int16, int32)`);
  const out = new DTYPES[dtype].ctor(n);
  for (let i = 0; i < n; i++) {
    // Math.imul multiplies modulo 2^32 exactly; >>> 0 makes it unsigned.
    const h = Math.imul(i, 2654435761) >>> 0;
    out[i] = make((h % 1000) / 1000);
  }
  return out;
}

function shapeStr(s) { return `[${s.join(', ')}]`; }

function loadModel(modelPath, staticShapes) {
  let bytes;
  try {
    bytes = new Uint8Array(fs.readFileSync(modelPath));
  } catch (e) {
    throw new OracleError('usage', `cannot read model ${modelPath}: ${e.message}`);
  }
  let info;
  try {
    info = parseTfliteModel(bytes);
  } catch (e) {
    throw new OracleError('bad_model', `${modelPath}: ${e.message}`);
  }
  if (staticShapes && info.any_dynamic) bytes = withStaticShapeSignatures(bytes, info);
  return { bytes, info };
}

function describeModelIo(info) {
  const d = (t, i) => ({ index: i, tensor: t.index, name: t.name, dtype: t.dtype, shape: t.shape, ...(t.dynamic ? { shape_signature: t.shape_signature } : {}) });
  return { inputs: info.inputs.map(d), outputs: info.outputs.map(d), signatures: info.signatures.map((s) => s.key), has_variables: info.has_variables };
}

function writeGeneratedInputs(info, dir) {
  fs.mkdirSync(dir, { recursive: true });
  return info.inputs.map((t, i) => {
    const data = genInput(t.dtype, t.shape);
    const file = path.join(dir, `input_${i}.npy`);
    writeNpy(file, t.dtype, t.shape, data);
    return file;
  });
}

function readInputs(info, files) {
  if (files.length !== info.inputs.length) {
    throw new OracleError('input_mismatch', `model has ${info.inputs.length} input(s) (${info.inputs.map((t) => `'${t.name}'`).join(', ')}), got ${files.length} --input file(s)`);
  }
  return files.map((f, i) => {
    const t = info.inputs[i];
    let arr;
    try {
      arr = readNpy(f);
    } catch (e) {
      throw new OracleError('input_mismatch', `input ${i} ('${t.name}'): ${e.message}`);
    }
    if (arr.dtype !== t.dtype) {
      throw new OracleError('input_mismatch', `input ${i} ('${t.name}'): dtype mismatch: ${f} is ${arr.dtype} (${DTYPES[arr.dtype].descr}), model expects ${t.dtype}${DTYPES[t.dtype] ? ` (${DTYPES[t.dtype].descr})` : ''}`);
    }
    const same = arr.shape.length === t.shape.length && arr.shape.every((d, k) => d === t.shape[k]);
    if (!same) {
      const dyn = t.dynamic ? ` (shape_signature ${shapeStr(t.shape_signature)}; the oracle runs the static shape, resizing is not supported)` : '';
      throw new OracleError('input_mismatch', `input ${i} ('${t.name}'): shape mismatch: ${f} has ${shapeStr(arr.shape)}, model expects ${shapeStr(t.shape)}${dyn}`);
    }
    return { file: f, ...arr };
  });
}

function clearOldOutputs(dir) {
  for (const f of fs.readdirSync(dir)) {
    if (/^output_\d+\.npy$/.test(f)) fs.unlinkSync(path.join(dir, f));
  }
}

// Runs one job; returns the JSON-able result. Throws OracleError.
async function runJob(job) {
  const t0 = performance.now();
  const runtimeName = job.runtime ?? 'tfjs';
  const runtime = getRuntime(runtimeName);
  if (!job.model) throw new OracleError('usage', 'job has no model');
  const { bytes, info } = loadModel(job.model, job.static_shapes);

  let inputFiles = job.inputs ?? [];
  if (job.gen_inputs) {
    if (inputFiles.length) throw new OracleError('usage', 'use either inputs or gen_inputs, not both');
    inputFiles = writeGeneratedInputs(info, job.gen_inputs);
  }
  if (!job.out_dir) {
    if (job.gen_inputs) return { ok: true, model: job.model, ...describeModelIo(info), input_files: inputFiles };
    throw new OracleError('usage', 'missing --out-dir');
  }
  const inputs = readInputs(info, inputFiles);

  const s0 = performance.now();
  await runtime.load();
  const startupMs = performance.now() - s0;
  takeCaptured(); // runtime start-up chatter (e.g. LiteRT's failed WebGPU probe) is not about this model

  const l0 = performance.now();
  const session = await runtime.open(bytes, info);
  const loadMs = performance.now() - l0;
  let outputs;
  let invokeMs;
  const repeatMs = [];
  try {
    session.inputs.forEach((rt, i) => {
      const t = info.inputs[i];
      if (rt.dtype !== t.dtype) {
        throw new OracleError('input_mismatch', `input ${i} ('${t.name}'): runtime reports dtype ${rt.dtype}, flatbuffer says ${t.dtype}`);
      }
      // A runtime may report -1 for dynamic dims (LiteRT does for signature inputs).
      const same = rt.shape.length === inputs[i].shape.length && rt.shape.every((d, k) => d === inputs[i].shape[k] || d === -1);
      if (!same) {
        throw new OracleError('input_mismatch', `input ${i} ('${t.name}'): runtime expects shape ${shapeStr(rt.shape)}, data has ${shapeStr(inputs[i].shape)}`);
      }
    });
    const i0 = performance.now();
    outputs = await session.run(inputs.map((x) => x.data), inputs.map((x) => x.shape));
    invokeMs = performance.now() - i0;
    // Steady-state timing for benchmarks: the first run includes one-time work (weight packing).
    for (let r = 1; r < (job.repeat ?? 1); r++) {
      const r0 = performance.now();
      await session.run(inputs.map((x) => x.data), inputs.map((x) => x.shape));
      repeatMs.push(performance.now() - r0);
    }
  } finally {
    session.close();
  }

  fs.mkdirSync(job.out_dir, { recursive: true });
  clearOldOutputs(job.out_dir);
  const outDesc = outputs.map((o, i) => {
    if (!DTYPES[o.dtype]) throw new OracleError('unsupported', `output ${i} ('${o.name}') has dtype ${o.dtype}, which cannot be written to .npy`);
    const file = path.join(job.out_dir, `output_${i}.npy`);
    writeNpy(file, o.dtype, o.shape, o.data);
    const t = info.outputs[i];
    return { index: i, name: t.name, runtime_name: o.name, dtype: o.dtype, shape: o.shape, file };
  });
  const round = (x) => Math.round(x * 10) / 10;
  return {
    ok: true,
    runtime: runtimeName,
    runtime_version: runtime.version,
    runtime_build: runtime.build,
    model: job.model,
    static_shapes: Boolean(job.static_shapes && info.any_dynamic),
    inputs: inputs.map((x, i) => ({ index: i, name: info.inputs[i].name, dtype: x.dtype, shape: x.shape, file: x.file })),
    outputs: outDesc,
    order: session.order,
    timing_ms: { startup: round(startupMs), load: round(loadMs), invoke: round(invokeMs), total: round(performance.now() - t0),
      ...(repeatMs.length ? { invoke_repeat_median: round(repeatMs.sort((x, y) => x - y)[repeatMs.length >> 1]) } : {}) },
  };
}

function failure(job, e) {
  // Keep warnings/errors; INFO lines and LiteRT's NPU-probe warning are start-up noise.
  const log = takeCaptured().filter((l) => l.trim() !== '' && !/^INFO:/.test(l) && !/npu_registry/.test(l));
  const uniq = [...new Set(log)];
  const kind = e instanceof OracleError ? e.kind : 'internal';
  let error = e?.message ?? String(e);
  // LiteRT's exception text is often just source locations; the reason is in the log.
  const reasons = uniq.filter((l) => /^ERROR:/.test(l) && !error.includes(l)).slice(0, 2);
  if (reasons.length && (kind === 'model_rejected' || kind === 'invoke_failed')) error += ` (runtime log: ${reasons.join(' / ')})`;
  const res = { ok: false, runtime: job.runtime ?? 'tfjs', model: job.model ?? null, error_kind: kind, error };
  if (uniq.length) res.runtime_log = uniq.slice(0, 20);
  if (kind === 'internal' && e?.stack) res.stack = e.stack.split('\n').slice(0, 6).join('\n');
  return res;
}

function parseArgs(argv) {
  const a = { inputs: [], positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new OracleError('usage', `${k} needs a value`);
      return argv[++i];
    };
    if (k === '--runtime') a.runtime = val();
    else if (k === '--input') a.inputs.push(val());
    else if (k === '--out-dir') a.out_dir = val();
    else if (k === '--gen-inputs') a.gen_inputs = val();
    else if (k === '--batch') a.batch = true;
    else if (k === '--static-shapes') a.static_shapes = true;
    else if (k === '--repeat') a.repeat = Number(val());
    else if (k === '--verbose') a.verbose = true;
    else if (k === '--info') a.info = true;
    else if (k === '-h' || k === '--help') a.help = true;
    else if (k.startsWith('--')) throw new OracleError('usage', `unknown option ${k}`);
    else a.positional.push(k);
  }
  if (a.runtime && !['tfjs', 'litert'].includes(a.runtime)) throw new OracleError('usage', `--runtime must be tfjs or litert, got '${a.runtime}'`);
  return a;
}

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function normalizeJob(j, args) {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new OracleError('usage', 'each batch job must be a JSON object');
  const job = {
    id: j.id,
    model: j.model,
    inputs: j.inputs ?? [],
    gen_inputs: j.gen_inputs ?? j['gen-inputs'],
    out_dir: j.out_dir ?? j['out-dir'] ?? j.outDir,
    runtime: j.runtime ?? args.runtime ?? 'tfjs',
    static_shapes: j.static_shapes ?? args.static_shapes ?? false,
  };
  if (!['tfjs', 'litert'].includes(job.runtime)) throw new OracleError('usage', `job runtime must be tfjs or litert, got '${job.runtime}'`);
  if (!Array.isArray(job.inputs)) throw new OracleError('usage', 'job inputs must be a list of .npy paths');
  return job;
}

async function main() {
  installConsoleCapture();
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`oracle: ${e.message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  setVerbose(Boolean(args.verbose));

  if (args.batch) {
    if (args.positional.length) {
      process.stderr.write('oracle: --batch takes jobs on stdin, not a model argument\n');
      return EXIT.usage;
    }
    let jobs;
    try {
      jobs = JSON.parse(fs.readFileSync(0, 'utf8'));
      if (!Array.isArray(jobs)) throw new Error('expected a JSON list of jobs');
    } catch (e) {
      process.stderr.write(`oracle: bad batch input on stdin: ${e.message}\n`);
      return EXIT.usage;
    }
    let failed = 0;
    for (const raw of jobs) {
      let job = raw ?? {};
      let res;
      try {
        job = normalizeJob(raw, args);
        takeCaptured();
        res = await runJob(job);
      } catch (e) {
        res = failure(job, e);
        failed++;
      }
      if (job.id !== undefined) res = { id: job.id, ...res };
      emit(res);
    }
    if (failed) process.stderr.write(`oracle: ${failed} of ${jobs.length} job(s) failed\n`);
    return failed ? EXIT.internal : 0;
  }

  if (args.positional.length !== 1) {
    process.stderr.write(`oracle: expected exactly one MODEL.tflite argument\n${USAGE}\n`);
    return EXIT.usage;
  }
  const job = { model: args.positional[0], inputs: args.inputs, gen_inputs: args.gen_inputs, out_dir: args.out_dir, runtime: args.runtime ?? 'tfjs', static_shapes: Boolean(args.static_shapes), repeat: args.repeat };
  try {
    if (args.info) {
      const { info } = loadModel(job.model, false);
      emit({ ok: true, model: job.model, ...describeModelIo(info) });
      return 0;
    }
    if (!job.gen_inputs && !job.out_dir) throw new OracleError('usage', 'missing --out-dir (or --gen-inputs)');
    emit(await runJob(job));
    return 0;
  } catch (e) {
    const res = failure(job, e);
    emit(res);
    process.stderr.write(`oracle: ${res.runtime} ${job.model}: ${res.error_kind}: ${res.error}\n`);
    if (res.runtime_log) process.stderr.write(res.runtime_log.map((l) => `  | ${l}\n`).join(''));
    if (res.stack) process.stderr.write(`${res.stack}\n`);
    return EXIT[res.error_kind] ?? EXIT.internal;
  }
}

// Exit explicitly: the WASM runtimes may leave handles (timers) open.
main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`oracle: internal error: ${e?.stack ?? e}\n`);
    process.exit(EXIT.internal);
  },
);

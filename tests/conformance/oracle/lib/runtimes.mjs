// The two official TFLite WASM runtimes from npm, loaded under Node.js with browser shims.
//
//   tfjs   : @tensorflow/tfjs-tflite 0.0.1-alpha.10 (TFLite ~2.13 interpreter, built-in kernels + XNNPACK)
//   litert : @litertjs/core 2.5.3 (current LiteRT CompiledModel API, XNNPACK always on)
//
// Each runtime exposes: load() once, then open(modelBytes, info) -> session with
//   session.inputs / session.outputs : [{name, dtype, shape}] in SUBGRAPH order
//   session.run(arrays)              : arrays in subgraph input order -> [{name,dtype,shape,data}]
//                                      in subgraph output order
//   session.close()
// Both run single-threaded.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { sink } from './capture.mjs';

const require = createRequire(import.meta.url);

function pkgDir(name) {
  let p;
  try {
    p = require.resolve(`${name}/package.json`);
  } catch {
    throw new OracleError('setup', `npm package ${name} is not installed: run 'npm ci' in ${path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')}`);
  }
  return path.dirname(p);
}

function pkgVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(pkgDir(name), 'package.json'), 'utf8')).version;
}

export class OracleError extends Error {
  // kind: usage | setup | bad_model | input_mismatch | model_rejected | invoke_failed | unsupported
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

// ---------------------------------------------------------------------------------------------
// Browser shims. importScripts dispatches on the requested file name.
const scriptHandlers = [];
function installShims() {
  if (globalThis.__liteoptOracleShims) return;
  globalThis.__liteoptOracleShims = true;
  globalThis.self = globalThis;
  if (!globalThis.location) globalThis.location = { origin: '', href: '' };
  globalThis.importScripts = (...urls) => {
    for (const url of urls) {
      const base = path.basename(String(url).split(/[?#]/)[0]);
      const h = scriptHandlers.find((x) => x.match(base));
      if (!h) throw new Error(`importScripts shim: unexpected script ${url}`);
      h.load(String(url), base);
    }
  };
}

function evalCommonJs(file, withNodeArgs) {
  const code = fs.readFileSync(file, 'utf8');
  const module = { exports: {} };
  if (withNodeArgs) {
    new Function('module', 'exports', 'require', '__dirname', '__filename', code)(
      module, module.exports, require, path.dirname(file), file);
  } else {
    new Function('module', 'exports', code)(module, module.exports);
  }
  return module.exports;
}

// Matches the runtime's tensor list to subgraph order by key (tensor index or name).
// Returns perm with perm[subgraphPos] = runtimePos; falls back to identity when keys are
// missing, repeated or do not match, after checking counts.
function orderMap(what, runtimeKeys, modelKeys) {
  if (runtimeKeys.length !== modelKeys.length) {
    throw new OracleError('model_rejected', `runtime reports ${runtimeKeys.length} ${what}, model subgraph 0 has ${modelKeys.length}`);
  }
  const usable = (keys) => keys.every((k) => k !== null && k !== undefined && k !== '') && new Set(keys).size === keys.length;
  if (!usable(runtimeKeys) || !usable(modelKeys)) return { perm: runtimeKeys.map((_, i) => i), by: 'position' };
  const perm = [];
  for (const k of modelKeys) {
    const j = runtimeKeys.indexOf(k);
    if (j < 0) return { perm: runtimeKeys.map((_, i) => i), by: 'position (names differ)' };
    perm.push(j);
  }
  return { perm, by: 'name' }; // perm[subgraphPos] = runtimePos
}

// ---------------------------------------------------------------------------------------------
// @tensorflow/tfjs-tflite
class TfjsRuntime {
  constructor() {
    this.name = 'tfjs';
    this.loaded = null;
  }

  get version() { return `@tensorflow/tfjs-tflite@${pkgVersion('@tensorflow/tfjs-tflite')}`; }

  async load() {
    if (!this.loaded) this.loaded = this._load();
    return this.loaded;
  }

  async _load() {
    const t0 = performance.now();
    installShims();
    const dir = pkgDir('@tensorflow/tfjs-tflite');
    const wasmDir = path.join(dir, 'wasm');
    scriptHandlers.push({
      match: (base) => base.startsWith('tflite_web_api_cc'),
      load: (url, base) => {
        // No Workers here: use the single-threaded build of the same flavour.
        const file = base.replace('_simd_threaded.js', '_simd.js').replace('_threaded.js', '.js');
        const full = path.join(wasmDir, file);
        const factory = evalCommonJs(full, false);
        const wasmBinary = fs.readFileSync(full.replace(/\.js$/, '.wasm'));
        this.build = file;
        globalThis.tflite_web_api_ModuleFactory = (opts) => factory({ ...opts, wasmBinary, print: sink, printErr: sink });
      },
    });
    this.tflite = require('@tensorflow/tfjs-tflite');
    this.tflite.setWasmPath(`${wasmDir}/`);
    // The WASM module is instantiated lazily by the first loadTFLiteModel(); force it now with an
    // empty buffer (rejected by the interpreter, harmless) so startup is measured apart from models.
    try {
      await this.tflite.loadTFLiteModel(new ArrayBuffer(0), { numThreads: 1 });
    } catch { /* expected: not a model */ }
    if (!this.build) throw new OracleError('setup', 'tfjs-tflite WASM module did not load');
    this.startupMs = performance.now() - t0;
    return this;
  }

  async open(bytes, info) {
    await this.load();
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    let runner;
    try {
      const model = await this.tflite.loadTFLiteModel(ab, { numThreads: 1 });
      runner = model.modelRunner;
    } catch (e) {
      throw new OracleError('model_rejected', `tfjs-tflite rejected the model: ${e.message}`);
    }
    const parseShape = (s) => (s === '' ? [] : s.split(',').map(Number));
    const describe = (t) => ({ name: t.name, dtype: t.dataType, shape: parseShape(t.shape) });
    const rIn = runner.getInputs();
    const rOut = runner.getOutputs();
    let inMap;
    let outMap;
    try {
      inMap = orderMap('inputs', rIn.map((t) => t.name), info.inputs.map((t) => t.name));
      outMap = orderMap('outputs', rOut.map((t) => t.name), info.outputs.map((t) => t.name));
    } catch (e) {
      runner.cleanUp();
      throw e;
    }
    return {
      order: { inputs: inMap.by, outputs: outMap.by },
      inputs: inMap.perm.map((j) => describe(rIn[j])),
      outputs: outMap.perm.map((j) => describe(rOut[j])),
      run(arrays) {
        const ins = runner.getInputs();
        inMap.perm.forEach((j, i) => {
          const view = ins[j].data();
          if (view.length !== arrays[i].length) {
            throw new OracleError('input_mismatch', `input ${i}: runtime buffer has ${view.length} elements, data has ${arrays[i].length}`);
          }
          view.set(arrays[i]);
        });
        let ok;
        try {
          ok = runner.infer();
        } catch (e) {
          throw new OracleError('invoke_failed', `tfjs-tflite infer() threw: ${e.message}`);
        }
        if (!ok) throw new OracleError('invoke_failed', 'tfjs-tflite infer() returned false (Invoke failed)');
        const outs = runner.getOutputs();
        return outMap.perm.map((j) => {
          const d = describe(outs[j]);
          return { ...d, data: outs[j].data().slice() };
        });
      },
      close() { runner.cleanUp(); },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// @litertjs/core
//
// Its JS API maps only float32/int32/uint8. We import a patched copy of dist/index.js written to a
// temp directory (never touching node_modules) whose DATATYPES list also has int8 and friends.
const LITERT_EXTRA_DATATYPES = `,
  { dtype: "int8", typedArrayConstructor: Int8Array, elementType: ElementType.INT8 },
  { dtype: "int16", typedArrayConstructor: Int16Array, elementType: ElementType.INT16 },
  { dtype: "int64", typedArrayConstructor: BigInt64Array, elementType: ElementType.INT64 },
  { dtype: "uint32", typedArrayConstructor: Uint32Array, elementType: ElementType.UINT32 },
  { dtype: "float64", typedArrayConstructor: Float64Array, elementType: ElementType.FLOAT64 },
  { dtype: "float16", typedArrayConstructor: Uint16Array, elementType: ElementType.FLOAT16 },
  { dtype: "bool", typedArrayConstructor: Uint8Array, elementType: ElementType.BOOL }
]);`;
const LITERT_ELEMENT_TYPE = { float32: 1, int32: 2, uint8: 3, int64: 4, bool: 6, int16: 7, int8: 9, float16: 10, float64: 11, uint32: 16 };

function patchedLitertCore() {
  const dir = pkgDir('@litertjs/core');
  const src = fs.readFileSync(path.join(dir, 'dist', 'index.js'), 'utf8');
  const anchor = /(elementType: ElementType\.UINT8\s*\}\s*)\n\]\);/;
  if (!anchor.test(src)) throw new OracleError('setup', '@litertjs/core dist/index.js: DATATYPES anchor not found; cannot patch (version changed?)');
  const utilsUrl = pathToFileURL(path.join(pkgDir('@litertjs/wasm-utils'), 'dist', 'index.js')).href;
  const patched = src
    .replace(anchor, (_, a) => a + LITERT_EXTRA_DATATYPES)
    .replace(/from "@litertjs\/wasm-utils"/g, `from ${JSON.stringify(utilsUrl)}`)
    .replace(/^\/\/# sourceMappingURL=.*$/m, '');
  const hash = crypto.createHash('sha256').update(patched).digest('hex').slice(0, 16);
  const outDir = path.join(process.env.ORACLE_CACHE_DIR || os.tmpdir(), `liteopt-oracle-litert-${hash}`);
  const out = path.join(outDir, 'index.mjs');
  if (!fs.existsSync(out)) {
    fs.mkdirSync(outDir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, patched);
    fs.renameSync(tmp, out);
  }
  return out;
}

class LitertRuntime {
  constructor() {
    this.name = 'litert';
    this.loaded = null;
  }

  get version() { return `@litertjs/core@${pkgVersion('@litertjs/core')}`; }

  async load() {
    if (!this.loaded) this.loaded = this._load();
    return this.loaded;
  }

  async _load() {
    const t0 = performance.now();
    installShims();
    const wasmDir = path.join(pkgDir('@litertjs/core'), 'wasm');
    scriptHandlers.push({
      match: (base) => base.startsWith('litert_wasm'),
      load: (url, base) => {
        this.build = base;
        globalThis.ModuleFactory = evalCommonJs(path.join(wasmDir, base), true);
      },
    });
    this.lib = await import(pathToFileURL(patchedLitertCore()).href);
    globalThis.Module = { print: sink, printErr: sink }; // picked up by createWasmLib
    try {
      this.liteRt = await this.lib.loadLiteRt(`${wasmDir}/`);
    } finally {
      delete globalThis.Module;
    }
    this.startupMs = performance.now() - t0;
    return this;
  }

  // A host tensor with an explicit element type (the public Tensor(typedArray) constructor picks the
  // type from the array class, which is ambiguous for bool/float16).
  makeTensor(dtype, shape, data) {
    const { Tensor } = this.lib;
    const dflt = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int64: BigInt64Array, uint32: Uint32Array, float64: Float64Array };
    if (dflt[dtype] && data instanceof dflt[dtype]) return new Tensor(data, shape);
    const wasm = this.liteRt.liteRtWasm;
    const dims = new wasm.VectorInt32();
    for (const d of shape) dims.push_back(d);
    const layout = wasm.LiteRtLayout.create(dims);
    dims.delete();
    const type = wasm.LiteRtRankedTensorType.create({ value: LITERT_ELEMENT_TYPE[dtype] }, layout);
    layout.delete();
    const env = this.liteRt.getDefaultEnvironment();
    const buf = wasm.LiteRtTensorBuffer.createManaged(env.liteRtEnvironment, wasm.LiteRtTensorBufferType.HOST_MEMORY, type, data.byteLength);
    type.delete();
    const ptr = buf.lock(wasm.LiteRtTensorBufferLockMode.WRITE);
    try {
      wasm.HEAPU8.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ptr);
    } finally {
      buf.unlock();
    }
    return new Tensor(buf);
  }

  async open(bytes, info) {
    await this.load();
    // Default signature for subgraph 0. Without signature_defs in the file LiteRT synthesizes one
    // from subgraph 0 (names = tensor names).
    const sigIdx = info.signatures.length ? info.signatures.findIndex((s) => s.subgraph_index === 0) : -1;
    if (info.signatures.length && sigIdx < 0) {
      throw new OracleError('unsupported', 'no signature_def refers to subgraph 0');
    }
    let compiled;
    try {
      compiled = await this.lib.loadAndCompile(new Uint8Array(bytes), { accelerator: 'wasm', cpuOptions: { numThreads: 1 } });
    } catch (e) {
      const notes = [];
      if (info.any_dynamic) notes.push('the model has shape_signature with -1 (dynamic dims); rerun with --static-shapes to clear shape_signature in a temporary copy');
      if (info.has_variables) notes.push('the model has variable tensors (e.g. LSTM state), which LiteRT.js rejects');
      throw new OracleError('model_rejected', `LiteRT rejected the model: ${e?.message ?? e}${notes.length ? ` [note: ${notes.join('; ')}]` : ''}`);
    }
    const runners = Object.values(compiled.signatures);
    const runner = sigIdx < 0 ? runners[0] : runners.find((r) => r.signatureIndex === sigIdx);
    if (!runner) {
      compiled.delete();
      throw new OracleError('unsupported', `LiteRT has no runner for signature ${sigIdx}`);
    }
    const rIn = runner.getInputDetails();
    const rOut = runner.getOutputDetails();
    let inMap;
    let outMap;
    try {
      if (sigIdx >= 0) {
        // Signature names -> tensor indices -> subgraph positions.
        const sig = info.signatures[sigIdx];
        const tIdx = (list, name) => list.find((m) => m.name === name)?.tensor_index ?? null;
        inMap = orderMap('inputs', rIn.map((d) => tIdx(sig.inputs, d.name)), info.inputs.map((t) => t.index));
        outMap = orderMap('outputs', rOut.map((d) => tIdx(sig.outputs, d.name)), info.outputs.map((t) => t.index));
        if (inMap.by === 'name') inMap.by = 'signature_def';
        if (outMap.by === 'name') outMap.by = 'signature_def';
      } else {
        inMap = orderMap('inputs', rIn.map((d) => d.name), info.inputs.map((t) => t.name));
        outMap = orderMap('outputs', rOut.map((d) => d.name), info.outputs.map((t) => t.name));
      }
    } catch (e) {
      compiled.delete();
      throw e;
    }
    const describe = (d) => ({ name: d.name, dtype: d.dtype, shape: Array.from(d.shape) });
    const self = this;
    return {
      order: { inputs: inMap.by, outputs: outMap.by },
      inputs: inMap.perm.map((j) => describe(rIn[j])),
      outputs: outMap.perm.map((j) => describe(rOut[j])),
      async run(arrays, shapes) {
        const tensors = new Array(rIn.length);
        const results = [];
        try {
          inMap.perm.forEach((j, i) => {
            tensors[j] = self.makeTensor(rIn[j].dtype, shapes[i], arrays[i]);
          });
          const outs = await runner.run(tensors);
          for (let i = 0; i < outs.length; i++) {
            const host = await outs[i].moveTo('wasm');
            results[i] = { dtype: host.type.dtype, shape: Array.from(host.type.layout.dimensions), data: host.toTypedArray() };
            host.delete();
          }
        } catch (e) {
          if (e instanceof OracleError) throw e;
          const dyn = info.inputs.some((t) => t.dynamic)
            ? ' [note: an input has shape_signature with -1 (dynamic batch), which LiteRT.js rejects for signature inputs; rerun with --static-shapes to clear shape_signature in a temporary copy]'
            : '';
          throw new OracleError('invoke_failed', `LiteRT run failed: ${e?.message ?? e}${dyn}`);
        } finally {
          for (const t of tensors) t?.delete();
        }
        return outMap.perm.map((j) => ({ name: rOut[j].name, ...results[j] }));
      },
      close() { compiled.delete(); },
    };
  }
}

const instances = {};
export function getRuntime(name) {
  if (!instances[name]) {
    if (name === 'tfjs') instances[name] = new TfjsRuntime();
    else if (name === 'litert') instances[name] = new LitertRuntime();
    else throw new OracleError('usage', `unknown runtime '${name}' (expected tfjs or litert)`);
  }
  return instances[name];
}

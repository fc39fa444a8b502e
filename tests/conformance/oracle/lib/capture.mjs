// Console / emscripten log capture. The WASM runtimes print through console.* and through
// emscripten print/printErr; we keep stdout clean (it carries our JSON lines) and attach the
// captured lines to error messages. With ORACLE_VERBOSE=1 (or --verbose) they are echoed to stderr.

import util from 'node:util';

let verbose = process.env.ORACLE_VERBOSE === '1';
let lines = [];

export function setVerbose(v) { verbose = v; }

export function sink(...args) {
  const text = util.format(...args);
  lines.push(text);
  if (verbose) process.stderr.write(`[runtime] ${text}\n`);
}

// Route console output to the sink for the whole process lifetime: nothing a runtime prints
// may reach stdout.
export function installConsoleCapture() {
  for (const k of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    console[k] = sink;
  }
}

// Returns and clears lines captured since the last call.
export function takeCaptured() {
  const out = lines;
  lines = [];
  return out;
}

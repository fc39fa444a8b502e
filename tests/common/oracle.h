// Running the official TensorFlow Lite runtime (tests/conformance/oracle/oracle.mjs under Node.js) from tests:
// one Node process per batch of jobs, one JSON result per job, and an op-by-op comparison with liteopt. Tests skip
// when HaveOracle() is false.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "data/npy.h"
#include "ir/graph.h"
#include "runtime/interpreter.h"

namespace liteopt::testing {

inline std::string OracleScript() { return std::string(LITEOPT_SOURCE_DIR) + "/tests/conformance/oracle/oracle.mjs"; }

// Node.js and the oracle's node_modules (scripts/install-deps.sh) are present.
inline bool HaveOracle() {
  const std::filesystem::path dir = std::filesystem::path(OracleScript()).parent_path();
  return std::filesystem::is_directory(dir / "node_modules") &&
         std::system("node --version > /dev/null 2>&1") == 0;
}

inline constexpr const char* kNoOracleMessage =
    "the TFLite oracle is not installed (Node.js and tests/conformance/oracle/node_modules: scripts/install-deps.sh)";

// Runs `jobs` (oracle.mjs --batch format: model, inputs or gen_inputs, out_dir, optional runtime and id) in one
// Node process; the jobs file goes to `work`. Returns one result object per job, in job order (fewer when the
// process died).
inline std::vector<nlohmann::json> RunOracleBatch(const std::vector<nlohmann::json>& jobs,
                                                  const std::filesystem::path& work) {
  const nlohmann::json list = jobs;
  const std::filesystem::path jobs_file =
      work / ("jobs_" + std::to_string(jobs.size()) + "_" + std::to_string(std::hash<std::string>()(list.dump())) +
              ".json");
  std::ofstream(jobs_file) << list.dump();
  const std::string cmd = "node '" + OracleScript() + "' --batch < '" + jobs_file.string() + "' 2>/dev/null";
  std::vector<nlohmann::json> results;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return results;
  std::string line;
  char buf[65536];
  while (fgets(buf, sizeof buf, p) != nullptr) {
    line += buf;
    if (!line.empty() && line.back() == '\n') {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded()) results.push_back(j);
      line.clear();
    }
  }
  pclose(p);
  return results;
}

// A copy of `g` whose outputs are every op output, in op order (`outputs` receives them): the official runtime
// run on it gives every intermediate tensor.
inline std::shared_ptr<ir::Graph> WithEveryOpOutput(const ir::Graph& g, std::vector<int32_t>* outputs) {
  auto copy = std::make_shared<ir::Graph>(g);
  ir::Subgraph& sg = copy->main();
  std::set<int32_t> seen;
  outputs->clear();
  for (const ir::Op& op : sg.ops)
    for (int32_t t : op.outputs)
      if (t >= 0 && seen.insert(t).second) outputs->push_back(t);
  sg.outputs = *outputs;
  copy->signatures.clear();
  return copy;
}

// One op of a model, run alone in liteopt on the official runtime's values of its inputs, against the official
// runtime's value of its first output.
struct OpComparison {
  size_t op = 0;
  bool ran = false;        // false: liteopt could not run the op alone (message in `error`)
  std::string error;
  int64_t differing = 0;   // elements that differ (float: not equal; integer: bytes differ)
  double max_abs = 0, max_ref = 0;  // float outputs
};

// Runs every op of `g` alone: `value(t)` is the .npy file holding the official runtime's value of tensor t (graph
// inputs and every op output, e.g. from a run on WithEveryOpOutput). Ops whose first output is not float32/int8/
// uint8 are compared bytewise. `reference`: liteopt's reference kernels, else the optimized ones.
template <typename ValueFile>
std::vector<OpComparison> CompareOpByOp(const ir::Graph& g, ValueFile&& value, bool reference) {
  std::vector<OpComparison> out;
  const ir::Subgraph& main = g.main();
  for (size_t i = 0; i < main.ops.size(); ++i) {
    OpComparison c;
    c.op = i;
    auto one = std::make_shared<ir::Graph>(g);
    ir::Subgraph& sg = one->main();
    sg.ops = {main.ops[i]};
    sg.inputs.clear();
    for (int32_t t : main.ops[i].inputs)
      if (t >= 0 && one->data(sg.tensors[t]).empty()) sg.inputs.push_back(t);
    sg.outputs = {main.ops[i].outputs[0]};
    one->signatures.clear();
    runtime::InterpreterOptions options;
    options.reference = reference;
    auto interp = runtime::Interpreter::Create(one, options);
    if (!interp.ok()) {
      c.error = interp.status().message();
      out.push_back(c);
      continue;
    }
    bool inputs_ok = true;
    for (size_t k = 0; k < sg.inputs.size(); ++k) {
      auto a = data::ReadNpy(value(sg.inputs[k]));
      if (!a.ok() || a->data.size() != (*interp)->input(static_cast<int>(k)).bytes) {
        c.error = "no oracle value of the right size for tensor " + std::to_string(sg.inputs[k]);
        inputs_ok = false;
        break;
      }
      std::memcpy((*interp)->input_bytes(static_cast<int>(k)), a->data.data(), a->data.size());
    }
    auto ref = data::ReadNpy(value(sg.outputs[0]));
    if (!inputs_ok || !ref.ok() || !(*interp)->Invoke().ok() || ref->data.size() != (*interp)->output(0).bytes) {
      if (c.error.empty()) c.error = "not run or no oracle output of the right size";
      out.push_back(c);
      continue;
    }
    c.ran = true;
    const ops::TensorRef& t = (*interp)->output(0);
    if (t.dtype == DType::kFloat32) {
      const float* a = t.as<float>();
      const float* b = reinterpret_cast<const float*>(ref->data.data());
      for (size_t e = 0; e < t.bytes / 4; ++e) {
        c.max_ref = std::max(c.max_ref, std::abs(static_cast<double>(b[e])));
        const double d = std::abs(static_cast<double>(a[e]) - b[e]);
        c.max_abs = std::max(c.max_abs, std::isnan(d) ? INFINITY : d);
        if (a[e] != b[e]) ++c.differing;
      }
    } else {
      const size_t es = DTypeSize(t.dtype);
      for (size_t e = 0; e < t.bytes / es; ++e)
        if (std::memcmp(t.data + e * es, ref->data.data() + e * es, es) != 0) ++c.differing;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace liteopt::testing

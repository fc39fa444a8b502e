// Conformance with the official TensorFlow Lite runtime: every fixture model, and the same model after a
// round trip through liteopt's writer, runs in liteopt and in TFLite (WASM builds from npm under Node.js,
// see oracle/README.md) on the same deterministic inputs. int8/uint8 outputs must be identical; float
// outputs within 1e-4 of the largest output magnitude (1e-5 for single-op graphs). A disagreement is
// reported with the first op whose output differs, found by re-running both runtimes on a copy of the
// model whose outputs are every intermediate tensor.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/deterministic_inputs.h"
#include "common/fixtures.h"
#include "common/oracle.h"
#include "data/npy.h"
#include "io/tflite/reader.h"
#include "io/tflite/writer.h"
#include "runtime/interpreter.h"

namespace liteopt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Models liteopt does not run yet, with the reason. Anything else that fails to run is a test failure.
const std::map<std::string, std::string>& KnownUnsupported() {
  static const std::map<std::string, std::string> m = {
      {"tflite/tflm/mnist_lstm_float.tflite", "UNIDIRECTIONAL_SEQUENCE_LSTM is out of scope (issue 2)"},
      {"tflite/tflm/mnist_lstm_int8.tflite", "UNIDIRECTIONAL_SEQUENCE_LSTM is out of scope (issue 2)"},
      {"tflite/coral/keras_lstm_mnist_ptq.tflite", "UNIDIRECTIONAL_SEQUENCE_LSTM is out of scope (issue 2)"},
      {"tflite/mediapipe/selfie_segmentation_fp16.tflite", "MediaPipe custom op Convolution2DTransposeBias"},
      {"tflite/litert/testdata/test_model_broken.tflite", "deliberately truncated file (must be rejected)"},
  };
  return m;
}

using testing::HaveOracle;

using testing::Slug;

// The same model with an explicit zero bias wherever a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED has none
// (which means zero bias). The oracle gets this copy: tfjs-tflite rejects a conv without bias, and LiteRT.js
// reads the absent bias as uninitialised memory (its outputs change between byte-identical runs). Returns
// nullptr when no op lacks a bias.
std::shared_ptr<ir::Graph> WithExplicitZeroBias(const ir::Graph& g) {
  auto copy = std::make_shared<ir::Graph>(g);
  bool changed = false;
  ir::Subgraph& sg = copy->main();
  for (ir::Op& op : sg.ops) {
    const bool conv_like = op.type == ir::OpType::CONV_2D || op.type == ir::OpType::DEPTHWISE_CONV_2D ||
                           op.type == ir::OpType::FULLY_CONNECTED;
    if (!conv_like || op.inputs.size() < 2 || (op.inputs.size() > 2 && op.inputs[2] >= 0)) continue;
    const ir::Tensor& filter = sg.tensors[op.inputs[1]];
    const ir::Tensor& input = sg.tensors[op.inputs[0]];
    if (input.dtype != DType::kFloat32 || filter.dtype != DType::kFloat32) continue;  // float models only
    const int32_t channels = op.type == ir::OpType::DEPTHWISE_CONV_2D ? filter.shape.back() : filter.shape.front();
    ir::Tensor bias;
    bias.name = filter.name + "/zero_bias";
    bias.dtype = DType::kFloat32;
    bias.shape = {channels};
    bias.buffer = static_cast<int32_t>(copy->buffers.size());
    copy->buffers.push_back(ir::Buffer::Owned(std::vector<uint8_t>(static_cast<size_t>(channels) * 4, 0)));
    sg.tensors.push_back(bias);
    op.inputs.resize(3);
    op.inputs[2] = static_cast<int32_t>(sg.tensors.size()) - 1;
    changed = true;
  }
  return changed ? copy : nullptr;
}

// Runs the oracle on a list of jobs in one Node process; returns one result object per job.
std::vector<json> RunOracle(const std::vector<json>& jobs, const fs::path& work) {
  return testing::RunOracleBatch(jobs, work);
}

struct Prepared {
  std::string rel;            // fixture path, or "<fixture>#rewritten"
  fs::path model;             // file given to both runtimes
  std::vector<fs::path> inputs;
  fs::path oracle_out;
  json oracle;                // the oracle's result line
  std::string skip;           // reason to skip, if any
};

class Conformance : public ::testing::TestWithParam<std::string> {
 public:
  static void SetUpTestSuite() {
    if (!testing::HaveFixtures() || !HaveOracle()) return;
    work_ = fs::path(LITEOPT_BINARY_DIR) / "conformance_work";
    fs::remove_all(work_);
    fs::create_directories(work_);
    std::vector<json> jobs;
    std::vector<std::string> keys;
    for (const std::string& rel : testing::AllTfliteFixtures()) {
      for (bool rewritten : {false, true}) {
        Prepared p;
        p.rel = rewritten ? rel + "#rewritten" : rel;
        const fs::path dir = work_ / Slug(p.rel);
        fs::create_directories(dir);
        auto graph = io::tflite::ReadTfliteFile(testing::FixturesDir() + "/" + rel);
        if (!graph.ok()) {
          p.skip = "unreadable: " + graph.status().message();
          cases_[p.rel] = p;
          continue;
        }
        p.model = testing::FixturesDir() + "/" + rel;
        if (rewritten) {
          p.model = dir / "model.tflite";
          if (!io::tflite::WriteTfliteFile(**graph, p.model.string()).ok()) {
            p.skip = "writer failed";
            cases_[p.rel] = p;
            continue;
          }
        }
        const ir::Subgraph& sg = (*graph)->main();
        for (size_t i = 0; i < sg.inputs.size(); ++i) {
          const ir::Tensor& t = sg.tensors[sg.inputs[i]];
          if (!testing::HasDeterministicRule(t.dtype)) p.skip = "input dtype without a deterministic rule";
          std::vector<int64_t> shape(t.shape.begin(), t.shape.end());
          const auto bytes = testing::DeterministicInput(t.dtype, ir::NumElements(t.shape));
          p.inputs.push_back(dir / ("input_" + std::to_string(i) + ".npy"));
          (void)data::WriteNpy(p.inputs.back().string(), t.dtype, shape, bytes.data(), bytes.size());
        }
        p.oracle_out = dir / "oracle";
        fs::path oracle_model = p.model;
        if (auto zero_bias = WithExplicitZeroBias(**graph)) {
          oracle_model = dir / "oracle_model_zero_bias.tflite";
          if (!io::tflite::WriteTfliteFile(*zero_bias, oracle_model.string()).ok()) p.skip = "writer failed";
        }
        json job = {{"model", oracle_model.string()}, {"out_dir", p.oracle_out.string()}, {"id", p.rel}};
        for (const auto& in : p.inputs) job["inputs"].push_back(in.string());
        if (p.inputs.empty()) job["inputs"] = json::array();
        jobs.push_back(job);
        keys.push_back(p.rel);
        cases_[p.rel] = p;
      }
    }
    // tfjs-tflite is the primary oracle (TFLite's reference hybrid kernels); LiteRT.js runs what it rejects.
    auto results = RunOracle(jobs, work_);
    std::vector<json> retry;
    for (size_t k = 0; k < keys.size(); ++k) {
      json r = k < results.size() ? results[k] : json{{"ok", false}, {"error", "no result from the oracle"}};
      cases_[keys[k]].oracle = r;
      if (!r.value("ok", false)) {
        json j = jobs[k];
        j["runtime"] = "litert";
        j["static_shapes"] = true;
        retry.push_back(j);
      }
    }
    auto retried = RunOracle(retry, work_);
    for (size_t k = 0; k < retry.size() && k < retried.size(); ++k) {
      if (retried[k].value("ok", false)) cases_[retry[k]["id"].get<std::string>()].oracle = retried[k];
    }
  }

 protected:
  static fs::path work_;
  static std::map<std::string, Prepared> cases_;
};
fs::path Conformance::work_;
std::map<std::string, Prepared> Conformance::cases_;

struct Mismatch {
  std::string what;
  bool any = false;
};

// Compares liteopt's tensor with the oracle's .npy. Returns a description of the first problem.
std::string CompareTensor(const ops::TensorRef& ours, const data::NpyArray& ref, double tolerance) {
  if (ours.dtype != ref.dtype)
    return "dtype " + std::string(DTypeName(ours.dtype)) + " vs oracle " + std::string(DTypeName(ref.dtype));
  if (ours.num_elements() != ref.num_elements())
    return "element count " + std::to_string(ours.num_elements()) + " vs oracle " + std::to_string(ref.num_elements());
  const int64_t n = ref.num_elements();
  if (ours.dtype == DType::kFloat32) {
    const float* a = ours.as<float>();
    const float* b = reinterpret_cast<const float*>(ref.data.data());
    double max_ref = 0, max_diff = 0;
    int64_t worst = 0;
    for (int64_t i = 0; i < n; ++i) {
      max_ref = std::max(max_ref, std::abs(static_cast<double>(b[i])));
      const double d = std::abs(static_cast<double>(a[i]) - b[i]);
      if (d > max_diff || std::isnan(a[i]) != std::isnan(b[i])) {
        max_diff = std::isnan(d) ? INFINITY : d;
        worst = i;
      }
    }
    const double allowed = tolerance * std::max(max_ref, 1e-6);
    if (!(max_diff <= allowed)) {
      char buf[256];
      std::snprintf(buf, sizeof buf, "max |diff| %.3g at element %lld (liteopt %.7g, oracle %.7g); allowed %.3g",
                    max_diff, static_cast<long long>(worst), a[worst], b[worst], allowed);
      return buf;
    }
    return "";
  }
  const size_t bytes = ref.data.size();
  if (std::memcmp(ours.data, ref.data.data(), bytes) != 0) {
    const size_t es = DTypeSize(ref.dtype);
    int64_t count = 0, first = -1;
    for (int64_t i = 0; i < n; ++i)
      if (std::memcmp(ours.data + i * es, ref.data.data() + i * es, es) != 0) {
        if (first < 0) first = i;
        ++count;
      }
    std::string s = std::to_string(count) + " of " + std::to_string(n) + " elements differ, first at " +
                    std::to_string(first);
    if (es == 1) {
      const int ov = ours.dtype == DType::kInt8 ? static_cast<int8_t>(ours.data[first]) : ours.data[first];
      const int rv = ref.dtype == DType::kInt8 ? static_cast<int8_t>(ref.data[first]) : ref.data[first];
      s += " (liteopt " + std::to_string(ov) + ", oracle " + std::to_string(rv) + ")";
    }
    return s;
  }
  return "";
}

Result<std::unique_ptr<runtime::Interpreter>> RunLiteopt(std::shared_ptr<const ir::Graph> graph,
                                                         const std::vector<fs::path>& inputs, bool reference = true) {
  runtime::InterpreterOptions opt;
  opt.reference = reference;
  auto interp = runtime::Interpreter::Create(std::move(graph), opt);
  if (!interp.ok()) return interp.status();
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto arr = data::ReadNpy(inputs[i].string());
    if (!arr.ok()) return arr.status();
    if (arr->data.size() != (*interp)->input(static_cast<int>(i)).bytes)
      return InvalidArgument("input size mismatch for " + inputs[i].string());
    std::memcpy((*interp)->input_bytes(static_cast<int>(i)), arr->data.data(), arr->data.size());
  }
  LITEOPT_RETURN_IF_ERROR((*interp)->Invoke());
  return interp;
}

// Re-runs both runtimes on a copy of the model whose outputs are every op's outputs, and names the first
// op whose output differs.
std::string FirstDifferingOp(const ir::Graph& original, const Prepared& p, const fs::path& work, double tol) {
  auto debug = std::make_shared<ir::Graph>(original);
  ir::Subgraph& sg = debug->main();
  std::vector<int32_t> outs;
  std::set<int32_t> seen;
  for (const auto& op : sg.ops)
    for (int32_t t : op.outputs)
      if (t >= 0 && seen.insert(t).second) outs.push_back(t);
  sg.outputs = outs;
  debug->signatures.clear();
  const fs::path dir = work / (Slug(p.rel) + "_debug");
  fs::create_directories(dir);
  if (!io::tflite::WriteTfliteFile(*debug, (dir / "model.tflite").string()).ok()) return "(debug model not written)";
  json job = {{"model", (dir / "model.tflite").string()}, {"out_dir", (dir / "oracle").string()}, {"id", "debug"}};
  for (const auto& in : p.inputs) job["inputs"].push_back(in.string());
  if (p.oracle.value("runtime", "tfjs") == "litert") {
    job["runtime"] = "litert";
    job["static_shapes"] = true;
  }
  auto res = RunOracle({job}, dir);
  if (res.empty() || !res[0].value("ok", false)) return "(the oracle did not run the debug model)";
  auto ours = RunLiteopt(debug, p.inputs);
  if (!ours.ok()) return "(liteopt did not run the debug model: " + ours.status().message() + ")";
  for (size_t k = 0; k < outs.size(); ++k) {
    auto ref = data::ReadNpy((dir / "oracle" / ("output_" + std::to_string(k) + ".npy")).string());
    if (!ref.ok()) return "(missing oracle output " + std::to_string(k) + ")";
    const std::string diff = CompareTensor((*ours)->output(static_cast<int>(k)), *ref, tol);
    if (diff.empty()) continue;
    for (size_t oi = 0; oi < sg.ops.size(); ++oi)
      for (int32_t t : sg.ops[oi].outputs)
        if (t == outs[k])
          return "first differing op: " + std::to_string(oi) + " " + ir::OpTypeName(sg.ops[oi].type) + " -> tensor " +
                 std::to_string(t) + " '" + sg.tensors[t].name + "': " + diff;
  }
  return "(no intermediate differs)";
}

TEST_P(Conformance, MatchesOfficialRuntime) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  ASSERT_TRUE(HaveOracle()) << "the TFLite oracle is not installed: run scripts/install-deps.sh";
  const std::string key = GetParam();
  const std::string fixture = key.substr(0, key.find('#'));
  const auto known = KnownUnsupported().find(fixture);
  const Prepared& p = cases_[key];

  auto graph = io::tflite::ReadTfliteFile(testing::FixturesDir() + "/" + fixture);
  if (known != KnownUnsupported().end()) {
    // Still must fail cleanly, and stay unsupported only while the reason holds.
    if (graph.ok()) {
      auto interp = runtime::Interpreter::Create(*graph);
      EXPECT_FALSE(interp.ok()) << fixture << " now runs in liteopt: remove it from KnownUnsupported";
    }
    GTEST_SKIP() << "liteopt does not run " << fixture << ": " << known->second;
  }
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  ASSERT_TRUE(p.skip.empty()) << p.skip;
  std::shared_ptr<const ir::Graph> g = *graph;
  if (key.find("#rewritten") != std::string::npos) {
    auto re = io::tflite::ReadTfliteFile(p.model.string());
    ASSERT_TRUE(re.ok()) << re.status().message();
    g = *re;
  }
  auto ours = RunLiteopt(g, p.inputs);
  ASSERT_TRUE(ours.ok()) << fixture << ": " << ours.status().message();
  if (!p.oracle.value("ok", false)) {
    GTEST_SKIP() << "the official runtime rejects " << key << ": " << p.oracle.value("error", p.oracle.dump());
  }
  const double tol = g->main().ops.size() == 1 ? 1e-5 : 1e-4;
  for (int k = 0; k < (*ours)->num_outputs(); ++k) {
    auto ref = data::ReadNpy((p.oracle_out / ("output_" + std::to_string(k) + ".npy")).string());
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    const std::string diff = CompareTensor((*ours)->output(k), *ref, tol);
    if (!diff.empty()) {
      ADD_FAILURE() << key << " output " << k << ": " << diff << "\n  "
                    << FirstDifferingOp(*g, p, work_, tol);
    }
  }
  // The optimized kernels (the best ISA of this machine) against the same oracle outputs.
  auto fast = RunLiteopt(g, p.inputs, /*reference=*/false);
  ASSERT_TRUE(fast.ok()) << fixture << ": " << fast.status().message();
  for (int k = 0; k < (*fast)->num_outputs(); ++k) {
    auto ref = data::ReadNpy((p.oracle_out / ("output_" + std::to_string(k) + ".npy")).string());
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    const std::string diff = CompareTensor((*fast)->output(k), *ref, tol);
    EXPECT_TRUE(diff.empty()) << key << " output " << k << " (optimized kernels): " << diff;
  }
}

std::vector<std::string> AllCases() {
  std::vector<std::string> v;
  for (const auto& f : testing::AllTfliteFixtures()) {
    v.push_back(f);
    v.push_back(f + "#rewritten");
  }
  return v;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Conformance, ::testing::ValuesIn(AllCases()),
                         [](const auto& info) { return Slug(info.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Conformance);

TEST(ConformanceSetup, FixturesAndOraclePresent) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  EXPECT_TRUE(HaveOracle()) << "the TFLite oracle is not installed: run scripts/install-deps.sh";
}

}  // namespace
}  // namespace liteopt

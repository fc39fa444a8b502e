// OperatorVersion against the versions real converters stored in the fixtures. Known, explained
// differences are listed in kExpectedMismatches; anything else fails with the op, file and versions.
#include "io/tflite/op_versions.h"

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <string>

#include "io/tflite/reader.h"
#include "io/tflite/test_util.h"

namespace liteopt::io::tflite {
namespace {

using testing::FixturesTfliteDir;
using testing::kBrokenFixture;
using testing::ListTfliteFixtures;

// Why a fixture's stored version may differ from today's rule; "" = unexplained (test fails).
// The runtime accepts every version up to the newest it registers, so a stored version below ours
// only means the file was written before the rule existed.
std::string ExplainMismatch(const std::string& file, const ir::Subgraph& sg, const ir::Op& op, int32_t stored,
                            int32_t computed) {
  auto in_type = [&](size_t k) {
    return k < op.inputs.size() && op.inputs[k] >= 0 ? sg.tensors[op.inputs[k]].dtype : DType::kFloat32;
  };
  const bool old_file = file.find("mediapipe/") == 0 || file.find("litert/testdata/") == 0 ||
                        file.find("tflite2onnx_ops/") == 0 || file == "tflm/person_detect.tflite";
  switch (op.type) {
    case ir::OpType::DEQUANTIZE:
      if (in_type(0) == DType::kFloat16 && stored == 2 && computed == 3) {
        return "float16 DEQUANTIZE: older converters wrote v2, the current rule gives v3";
      }
      break;
    case ir::OpType::CONV_2D:
      if (file == "tflm/person_detect.tflite" && stored == 2 && computed == 3) {
        return "TOCO-era int8 CONV_2D written as v2 (TFLM ignores versions)";
      }
      break;
    case ir::OpType::RESIZE_BILINEAR:
      if (old_file && op.options.half_pixel_centers && stored == 1) {
        return "MediaPipe's converter did not bump half_pixel_centers to v3";
      }
      break;
    case ir::OpType::ADD:
      if (old_file && in_type(0) == DType::kInt8 && stored == 1) return "hand-made int8 test model left at v1";
      break;
    case ir::OpType::SPLIT:
      if (in_type(0) == DType::kInt32 && stored == 3 && computed < 3) {
        return "older converters tested input 0 (the int32 axis) instead of the data input, giving v3";
      }
      break;
    case ir::OpType::FULLY_CONNECTED:
      if (in_type(1) == DType::kFloat32 && stored > computed) {
        return "float FC stored at a hybrid version: the converter computes versions per OperatorCode "
               "(shared by every FC of the model, raised to the highest any of them needs) or before "
               "leaving small weights float";
      }
      break;
    default:
      break;
  }
  return "";
}

TEST(OperatorVersion, MatchesFixtures) {
  const auto files = ListTfliteFixtures();
  if (files.empty()) GTEST_SKIP() << "no .tflite fixtures under " << FixturesTfliteDir();
  int ops = 0, equal = 0;
  std::string report;
  std::map<std::string, int> explained;
  for (const auto& rel : files) {
    if (rel == kBrokenFixture) continue;
    auto g = ReadTfliteFile(FixturesTfliteDir() + "/" + rel);
    ASSERT_TRUE(g.ok()) << g.status().message();
    for (const auto& sg : (*g)->subgraphs) {
      for (size_t i = 0; i < sg.ops.size(); ++i) {
        const ir::Op& op = sg.ops[i];
        if (op.type == ir::OpType::CUSTOM) continue;
        ++ops;
        const int32_t want = OperatorVersion(**g, op);
        if (want == op.version) {
          ++equal;
          continue;
        }
        const std::string key = rel + " op " + std::to_string(i) + " (" + ir::OpTypeName(op.type) + ")";
        const std::string why = ExplainMismatch(rel, sg, op, op.version, want);
        if (!why.empty()) {
          ++explained[why];
          continue;
        }
        report += key + ": stored v" + std::to_string(op.version) + ", OperatorVersion v" + std::to_string(want) + "\n";
      }
    }
  }
  EXPECT_EQ(report, "") << equal << "/" << ops << " ops equal";
  std::cout << "OperatorVersion equals the stored version for " << equal << " of " << ops << " builtin ops\n";
  for (const auto& [why, n] : explained) std::cout << "  " << n << " explained: " << why << "\n";
}

}  // namespace
}  // namespace liteopt::io::tflite

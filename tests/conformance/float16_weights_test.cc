// float16-weight models (float16 constants, each behind a DEQUANTIZE, as TFLite's float16 conversion writes them):
// the weights are expanded to float32 once, when the interpreter is created, never per invoke. Every DEQUANTIZE of
// a constant runs at load (folded), so the convolutions see constant float32 filters and pack them at load too.
#include <gtest/gtest.h>

#include "common/fixtures.h"
#include "io/tflite/reader.h"
#include "runtime/interpreter.h"

namespace liteopt {
namespace {

TEST(Float16Weights, ExpandedOnceAtLoad) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  for (const char* rel : {"tflite/mediapipe/face_detection_short_range_fp16.tflite",
                          "tflite/mediapipe/hand_landmark_lite_fp16.tflite"}) {
    SCOPED_TRACE(rel);
    auto g = io::tflite::ReadTfliteFile(testing::FixturesDir() + "/" + rel);
    ASSERT_TRUE(g.ok()) << g.status().message();
    auto interp = runtime::Interpreter::Create(*g);
    ASSERT_TRUE(interp.ok()) << interp.status().message();
    const ir::Subgraph& sg = (*g)->main();
    int dequantize = 0;
    for (size_t i = 0; i < sg.ops.size(); ++i) {
      const ir::Op& op = sg.ops[i];
      if (op.type != ir::OpType::DEQUANTIZE || sg.tensors[op.inputs[0]].dtype != DType::kFloat16) continue;
      ++dequantize;
      EXPECT_TRUE((*interp)->op_folded(static_cast<int>(i))) << "DEQUANTIZE op " << i << " runs at every invoke";
      EXPECT_TRUE((*interp)->tensor(op.outputs[0]).is_const) << "op " << i;
    }
    EXPECT_GT(dequantize, 10);
    EXPECT_GT((*interp)->memory().persistent_bytes, 0u);
  }
}

}  // namespace
}  // namespace liteopt

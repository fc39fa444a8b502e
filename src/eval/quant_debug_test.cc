// Unit tests of quantization debugging: op matching through the QUANTIZE / DEQUANTIZE a converter inserts, and the
// diagnosis of bad layers from their statistics. The end-to-end tests (a real Fashion-MNIST model with an injected
// bad layer) are tests/cli/debug_quant_cli_test.cc.
#include "eval/quant_debug.h"

#include <gtest/gtest.h>

#include <cmath>

namespace liteopt::eval {
namespace {

struct Builder {
  ir::Graph g;
  Builder() {
    g.buffers.emplace_back();
    g.subgraphs.emplace_back();
  }
  int32_t Tensor(const std::string& name, DType dtype = DType::kFloat32, bool constant = false) {
    ir::Tensor t;
    t.name = name;
    t.dtype = dtype;
    t.shape = {1, 4};
    if (constant) {
      g.buffers.push_back(ir::Buffer::Owned(std::vector<uint8_t>(16, 0)));
      t.buffer = static_cast<int32_t>(g.buffers.size() - 1);
    }
    g.main().tensors.push_back(t);
    return static_cast<int32_t>(g.main().tensors.size() - 1);
  }
  void Op(ir::OpType type, std::vector<int32_t> in, int32_t out) {
    ir::Op op;
    op.type = type;
    op.inputs = std::move(in);
    op.outputs = {out};
    g.main().ops.push_back(op);
  }
};

// input -> FC "fc" -> RELU "relu" -> SOFTMAX "probs"
ir::Graph FloatGraph() {
  Builder b;
  const int32_t in = b.Tensor("input"), w = b.Tensor("w", DType::kFloat32, true);
  const int32_t fc = b.Tensor("fc"), relu = b.Tensor("relu"), probs = b.Tensor("probs");
  b.Op(ir::OpType::FULLY_CONNECTED, {in, w, -1}, fc);
  b.Op(ir::OpType::RELU, {fc}, relu);
  b.Op(ir::OpType::SOFTMAX, {relu}, probs);
  b.g.main().inputs = {in};
  b.g.main().outputs = {probs};
  return b.g;
}

// What a converter makes of it: QUANTIZE after the input, DEQUANTIZE before the output; `rename` gives every
// tensor another name so that only the structure can match.
ir::Graph QuantGraph(bool rename) {
  Builder b;
  const std::string p = rename ? "q_" : "";
  const int32_t in = b.Tensor(p + "input"), in8 = b.Tensor(p + "input_int8", DType::kInt8);
  const int32_t w = b.Tensor(p + "w", DType::kInt8, true);
  const int32_t fc = b.Tensor(p + "fc", DType::kInt8), relu = b.Tensor(p + "relu", DType::kInt8);
  const int32_t probs8 = b.Tensor(p + "probs_int8", DType::kInt8), probs = b.Tensor(p + "probs");
  b.Op(ir::OpType::QUANTIZE, {in}, in8);
  b.Op(ir::OpType::FULLY_CONNECTED, {in8, w, -1}, fc);
  b.Op(ir::OpType::RELU, {fc}, relu);
  b.Op(ir::OpType::SOFTMAX, {relu}, probs8);
  b.Op(ir::OpType::DEQUANTIZE, {probs8}, probs);
  b.g.main().inputs = {in};
  b.g.main().outputs = {probs};
  return b.g;
}

TEST(MatchOps, LooksThroughConverterInsertedOps) {
  for (bool rename : {false, true}) {
    SCOPED_TRACE(rename ? "renamed: by structure" : "same names");
    const std::vector<int32_t> m = MatchOps(FloatGraph(), QuantGraph(rename));
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m[0], 1);  // FC
    EXPECT_EQ(m[1], 2);  // RELU
    EXPECT_EQ(m[2], 3);  // SOFTMAX writing probs_int8 (the tensor named probs is the DEQUANTIZE's)
  }
}

TEST(MatchOps, DifferentNetworkDoesNotMatch) {
  ir::Graph q = QuantGraph(true);
  q.main().ops[2].type = ir::OpType::TANH;  // the RELU is something else: it and what follows have no counterpart
  const std::vector<int32_t> m = MatchOps(FloatGraph(), q);
  EXPECT_EQ(m[0], 1);
  EXPECT_EQ(m[1], -1);
  EXPECT_EQ(m[2], -1);
}

LayerReport Layer(double sqnr, double range_sqnr) {
  LayerReport l;
  l.name = "conv";
  l.op_type = "CONV_2D";
  l.quantized = true;
  l.scale = 0.1f;
  l.sqnr_db = sqnr;
  l.range_sqnr_db = range_sqnr;
  l.rmse_over_scale = 0.3;
  l.range = {0, 100, 100, 1, 2, 1000};
  return l;
}

TEST(Diagnose, GoodLayerHasNoSuggestion) {
  LayerReport l = Layer(35, 40);
  Diagnose(&l, {"next"}, {});
  EXPECT_FALSE(l.bad);
  EXPECT_EQ(l.suggestion, "");
  EXPECT_EQ(l.keep_float, std::vector<std::string>{"conv"});
}

TEST(Diagnose, RareOutliersSuggestPercentileCalibration) {
  LayerReport l = Layer(5, 5.2);  // the output's range explains the error; max |x| 100 = 50x the 99.99th pct
  Diagnose(&l, {"next", "other"}, {});
  EXPECT_TRUE(l.bad);
  EXPECT_EQ(l.cause, ErrorCause::kOutputRange);
  EXPECT_NE(l.suggestion.find("--calibration percentile"), std::string::npos) << l.suggestion;
  EXPECT_NE(l.suggestion.find("50x the 99.99th percentile"), std::string::npos) << l.suggestion;
  // Keeping the tensor float takes the op and every consumer.
  EXPECT_EQ(l.keep_float, (std::vector<std::string>{"conv", "next", "other"}));
}

TEST(Diagnose, ManyOutliersSuggestInt16x8) {
  LayerReport l = Layer(5, 5.2);
  l.range = {0, 100, 100, 1, 60, 1000};  // 1% of values far out: percentile clipping keeps them
  Diagnose(&l, {"next"}, {});
  EXPECT_NE(l.suggestion.find("--int16x8"), std::string::npos) << l.suggestion;
  EXPECT_EQ(l.suggestion.find("--calibration percentile"), std::string::npos) << l.suggestion;
}

TEST(Diagnose, ClippingSaysCalibrationDataDiffers) {
  LayerReport l = Layer(5, 5.2);
  l.range = {0, 100, 100, 50, 90, 1000};
  l.clipped = 0.2;
  Diagnose(&l, {}, {});
  EXPECT_NE(l.suggestion.find("clips 20.0%"), std::string::npos) << l.suggestion;
}

TEST(Diagnose, WeightOutliersKeepTheOpFloat) {
  LayerReport l = Layer(1, 40);  // the output's rounding is harmless: the op itself is wrong
  l.op_type = "FULLY_CONNECTED";
  l.weight_max_abs = 100;
  l.weight_p99_abs = 0.1f;
  l.per_tensor_weights = true;
  Diagnose(&l, {"next"}, {});
  EXPECT_TRUE(l.bad);
  EXPECT_EQ(l.cause, ErrorCause::kComputation);
  EXPECT_NE(l.suggestion.find("1000x the 99th percentile"), std::string::npos) << l.suggestion;
  EXPECT_NE(l.suggestion.find("--keep-float conv"), std::string::npos) << l.suggestion;
  EXPECT_EQ(l.keep_float, std::vector<std::string>{"conv"});
}

TEST(Diagnose, LargeRmseOverScaleIsBadEvenWithGoodSqnr) {
  LayerReport l = Layer(30, 45);
  l.rmse_over_scale = 3.0;
  Diagnose(&l, {}, {});
  EXPECT_TRUE(l.bad);
  l.sqnr_db = std::nan("");  // not measured: never called bad
  Diagnose(&l, {}, {});
  EXPECT_FALSE(l.bad);
}

}  // namespace
}  // namespace liteopt::eval

// Single-op models built in memory, run in liteopt (reference and optimized kernels) and in the official TFLite
// runtime (tfjs-tflite under Node.js) on the same seeded random inputs, over shape and option sweeps of the ops
// whose numerics are easy to get subtly wrong:
//  - hybrid (dynamic-range) CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: float input quantized at run time,
//    int8 weights; per-channel and per-tensor scales, asymmetric_quantize_inputs, batches, padding, strides,
//    dilations, fused activations. The reference kernels must equal the official runtime's outputs bit for bit;
//    the optimized ones may differ by float rounding (kHybridFastTolerance of the largest output).
//  - int8 / uint8 / int16 RESIZE_BILINEAR: align_corners, half_pixel_centers, up- and down-scaling: identical.
//  - int16 (16x8) ADD, SUB and MUL: same shapes, either input broadcast, scalars, fused activations, scales that
//    saturate and operands at the ends of the int16 range; standalone int16 RELU, RELU6 and LEAKY_RELU: identical.
//  - int16 SUM in the input's scale: identical; with a new output scale both runtimes refuse it.
//  - int8 / uint8 SUM and MEAN, same or new output scale / zero point: identical.
//  - REDUCE_MIN (float, int8, int16): identical; int16 with a new output scale: both refuse it.
//  - int8 SQUARED_DIFFERENCE: identical; int16 SQUARED_DIFFERENCE: both refuse it (no int16 kernel).
// Skips without Node.js or the oracle's node_modules.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>

#include "common/oracle.h"
#include "data/npy.h"
#include "io/tflite/op_versions.h"
#include "io/tflite/writer.h"
#include "runtime/interpreter.h"

namespace liteopt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Optimized hybrid kernels against the official runtime: the int32 products are identical, the float scaling may
// round differently (see src/ops/common/hybrid.h).
constexpr double kHybridFastTolerance = 1e-6;

// BuiltinOptions union tags of the schema.
constexpr uint8_t kConv2DOptions = 1, kDepthwiseConv2DOptions = 2, kFullyConnectedOptions = 8, kAddOptions = 11,
                  kResizeBilinearOptions = 15, kMulOptions = 21, kReducerOptions = 27, kSubOptions = 28,
                  kLeakyReluOptions = 75, kSquaredDifferenceOptions = 76;

// One op in a graph of its own, with the bytes of each graph input.
struct Case {
  std::string id;
  ir::Graph graph;
  std::vector<std::vector<uint8_t>> inputs;
};

class Builder {
 public:
  explicit Builder(std::string id, uint32_t seed) : rng_(seed) {
    c_.id = std::move(id);
    c_.graph.buffers.emplace_back();
    c_.graph.subgraphs.emplace_back();
  }
  std::mt19937& rng() { return rng_; }

  int32_t Input(DType dtype, std::vector<int32_t> shape, std::vector<uint8_t> bytes, ir::QuantParams q = {}) {
    const int32_t t = Tensor("input" + std::to_string(sg().inputs.size()), dtype, std::move(shape), std::move(q));
    sg().inputs.push_back(t);
    c_.inputs.push_back(std::move(bytes));
    return t;
  }
  int32_t Output(DType dtype, ir::QuantParams q = {}) {
    const int32_t t = Tensor("output", dtype, {}, std::move(q));
    sg().outputs.push_back(t);
    return t;
  }
  template <typename T>
  int32_t Const(const std::string& name, DType dtype, std::vector<int32_t> shape, const std::vector<T>& values,
                ir::QuantParams q = {}) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    const int32_t t = Tensor(name, dtype, std::move(shape), std::move(q));
    sg().tensors[t].buffer = static_cast<int32_t>(c_.graph.buffers.size());
    c_.graph.buffers.push_back(ir::Buffer::Owned(std::move(bytes)));
    return t;
  }
  // Adds the op (inputs, one output), infers the output shape with liteopt's kernel (or takes `output_shape`, for
  // ops both runtimes refuse) and sets the op version the converter would write.
  Case Finish(ir::OpType type, ir::OpOptions options, std::vector<int32_t> inputs, int32_t output,
              std::optional<std::vector<int32_t>> output_shape = std::nullopt) {
    ir::Op op;
    op.type = type;
    op.options = options;
    op.inputs = std::move(inputs);
    op.outputs = {output};
    sg().ops.push_back(op);
    if (output_shape) {
      sg().tensors[output].shape = *output_shape;
    } else {
      auto g = std::make_shared<ir::Graph>(c_.graph);
      auto interp = runtime::Interpreter::Create(g);
      EXPECT_TRUE(interp.ok()) << c_.id << ": " << interp.status().message();
      if (interp.ok()) sg().tensors[output].shape = (*interp)->output(0).shape;
    }
    sg().tensors[output].has_rank = true;
    sg().ops.back().version = io::tflite::OperatorVersion(c_.graph, sg().ops.back());
    return std::move(c_);
  }

 private:
  ir::Subgraph& sg() { return c_.graph.main(); }
  int32_t Tensor(std::string name, DType dtype, std::vector<int32_t> shape, ir::QuantParams q) {
    ir::Tensor t;
    t.name = std::move(name);
    t.dtype = dtype;
    t.shape = std::move(shape);
    t.has_rank = true;
    t.quant = std::move(q);
    sg().tensors.push_back(std::move(t));
    return static_cast<int32_t>(sg().tensors.size()) - 1;
  }
  Case c_;
  std::mt19937 rng_;
};

int64_t Count(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

// Float activations in [lo, hi] (asymmetric ranges exercise the zero point of asymmetric input quantization).
std::vector<uint8_t> FloatBytes(std::mt19937& rng, int64_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  std::vector<uint8_t> b(n * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

template <typename T>
std::vector<uint8_t> IntBytes(std::mt19937& rng, int64_t n) {
  std::uniform_int_distribution<int> d(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(d(rng));
  std::vector<uint8_t> b(n * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Symmetric int8 weights with `scales` scale values (per-tensor when 1) along `axis`.
int32_t HybridWeights(Builder& b, std::vector<int32_t> shape, int axis, int scales) {
  std::uniform_int_distribution<int> q(-127, 127);
  std::uniform_real_distribution<float> s(0.002f, 0.02f);
  std::vector<int8_t> values(Count(shape));
  for (int8_t& v : values) v = static_cast<int8_t>(q(b.rng()));
  ir::QuantParams qp;
  for (int i = 0; i < scales; ++i) {
    qp.scale.push_back(s(b.rng()));
    qp.zero_point.push_back(0);
  }
  qp.quantized_dimension = axis;
  return b.Const("weights", DType::kInt8, std::move(shape), values, qp);
}

int32_t FloatBias(Builder& b, int32_t n) {
  std::uniform_real_distribution<float> d(-0.5f, 0.5f);
  std::vector<float> v(n);
  for (float& x : v) x = d(b.rng());
  return b.Const("bias", DType::kFloat32, {n}, v);
}

struct ConvSpec {
  int batch, height, width, in_ch, out_ch, kh, kw, stride, dilation;
  ir::Padding padding;
  bool per_channel;
  ir::Activation act;
  float lo, hi;  // input range
};

Case HybridConv(const ConvSpec& s, uint32_t seed) {
  Builder b("conv_" + std::to_string(seed), seed);
  const int32_t in = b.Input(DType::kFloat32, {s.batch, s.height, s.width, s.in_ch},
                             FloatBytes(b.rng(), int64_t{s.batch} * s.height * s.width * s.in_ch, s.lo, s.hi));
  const int32_t w = HybridWeights(b, {s.out_ch, s.kh, s.kw, s.in_ch}, 0, s.per_channel ? s.out_ch : 1);
  const int32_t bias = FloatBias(b, s.out_ch);
  ir::OpOptions o;
  o.type = kConv2DOptions;
  o.padding = s.padding;
  o.stride_h = o.stride_w = s.stride;
  o.dilation_h = o.dilation_w = s.dilation;
  o.activation = s.act;
  return b.Finish(ir::OpType::CONV_2D, o, {in, w, bias}, b.Output(DType::kFloat32));
}

Case HybridDepthwise(const ConvSpec& s, int multiplier, uint32_t seed) {
  Builder b("depthwise_" + std::to_string(seed), seed);
  const int32_t in = b.Input(DType::kFloat32, {s.batch, s.height, s.width, s.in_ch},
                             FloatBytes(b.rng(), int64_t{s.batch} * s.height * s.width * s.in_ch, s.lo, s.hi));
  const int out_ch = s.in_ch * multiplier;
  const int32_t w = HybridWeights(b, {1, s.kh, s.kw, out_ch}, 3, s.per_channel ? out_ch : 1);
  const int32_t bias = FloatBias(b, out_ch);
  ir::OpOptions o;
  o.type = kDepthwiseConv2DOptions;
  o.padding = s.padding;
  o.stride_h = o.stride_w = s.stride;
  o.dilation_h = o.dilation_w = s.dilation;
  o.depth_multiplier = multiplier;
  o.activation = s.act;
  return b.Finish(ir::OpType::DEPTHWISE_CONV_2D, o, {in, w, bias}, b.Output(DType::kFloat32));
}

Case HybridFullyConnected(std::vector<int32_t> input_shape, int units, bool asymmetric, bool keep_num_dims,
                          ir::Activation act, float lo, float hi, uint32_t seed) {
  Builder b("fc_" + std::to_string(seed), seed);
  const int32_t depth = input_shape.back();
  const int64_t n = Count(input_shape);
  const int32_t in = b.Input(DType::kFloat32, input_shape, FloatBytes(b.rng(), n, lo, hi));
  const int32_t w = HybridWeights(b, {units, depth}, 0, 1);
  const int32_t bias = FloatBias(b, units);
  ir::OpOptions o;
  o.type = kFullyConnectedOptions;
  o.asymmetric_quantize_inputs = asymmetric;
  o.keep_num_dims = keep_num_dims;
  o.activation = act;
  return b.Finish(ir::OpType::FULLY_CONNECTED, o, {in, w, bias}, b.Output(DType::kFloat32));
}

Case ResizeBilinear(DType dtype, std::vector<int32_t> in_shape, int out_h, int out_w, bool align_corners,
                    bool half_pixel_centers, uint32_t seed) {
  Builder b("resize_" + std::string(DTypeName(dtype)) + "_" + std::to_string(seed), seed);
  ir::QuantParams q;
  q.scale = {0.05f};
  q.zero_point = {dtype == DType::kInt8 ? 3 : dtype == DType::kUInt8 ? 128 : 0};
  const int64_t n = Count(in_shape);
  std::vector<uint8_t> bytes = dtype == DType::kInt8    ? IntBytes<int8_t>(b.rng(), n)
                               : dtype == DType::kUInt8 ? IntBytes<uint8_t>(b.rng(), n)
                                                        : IntBytes<int16_t>(b.rng(), n);
  const int32_t in = b.Input(dtype, in_shape, std::move(bytes), q);
  const int32_t size = b.Const("size", DType::kInt32, {2}, std::vector<int32_t>{out_h, out_w});
  ir::OpOptions o;
  o.type = kResizeBilinearOptions;
  o.align_corners = align_corners;
  o.half_pixel_centers = half_pixel_centers;
  return b.Finish(ir::OpType::RESIZE_BILINEAR, o, {in, size}, b.Output(dtype, q));
}

// int16 operands over the whole range, their first two elements at its ends (-32768 and 32767).
std::vector<uint8_t> Int16Operand(std::mt19937& rng, int64_t n) {
  std::vector<uint8_t> b = IntBytes<int16_t>(rng, n);
  const int16_t ends[] = {-32768, 32767};
  std::memcpy(b.data(), ends, std::min<size_t>(b.size(), sizeof(ends)));
  return b;
}

// Per-tensor quantization parameters.
ir::QuantParams PerTensorQuant(float scale, int32_t zero_point) {
  ir::QuantParams q;
  q.scale = {scale};
  q.zero_point = {zero_point};
  return q;
}

// int16 activation parameters of the 16x8 mode: the given scale, zero point 0.
ir::QuantParams Int16Quant(float scale) { return PerTensorQuant(scale, 0); }

struct Int16BinarySpec {
  ir::OpType type;
  std::vector<int32_t> shape1, shape2;
  float scale1, scale2, out_scale;
  ir::Activation act;
};

// An int16 ADD / SUB / MUL as the 16x8 converter writes it: zero points 0, pot_scale_int16 = false.
Case Int16Binary(const Int16BinarySpec& s, uint32_t seed) {
  Builder b(std::string(ir::OpTypeName(s.type)) + "_int16_" + std::to_string(seed), seed);
  const int32_t in1 = b.Input(DType::kInt16, s.shape1, Int16Operand(b.rng(), Count(s.shape1)), Int16Quant(s.scale1));
  const int32_t in2 = b.Input(DType::kInt16, s.shape2, Int16Operand(b.rng(), Count(s.shape2)), Int16Quant(s.scale2));
  ir::OpOptions o;
  o.type = s.type == ir::OpType::MUL ? kMulOptions : s.type == ir::OpType::SUB ? kSubOptions : kAddOptions;
  o.activation = s.act;
  o.pot_scale_int16 = false;
  return b.Finish(s.type, o, {in1, in2}, b.Output(DType::kInt16, Int16Quant(s.out_scale)));
}

// A standalone int16 unary op (RELU, RELU6, LEAKY_RELU) with zero points 0.
Case Int16Unary(ir::OpType type, const ir::OpOptions& options, std::vector<int32_t> shape, float in_scale,
                float out_scale, uint32_t seed) {
  Builder b(std::string(ir::OpTypeName(type)) + "_int16_" + std::to_string(seed), seed);
  const int32_t in = b.Input(DType::kInt16, shape, Int16Operand(b.rng(), Count(shape)), Int16Quant(in_scale));
  return b.Finish(type, options, {in}, b.Output(DType::kInt16, Int16Quant(out_scale)));
}

Case Int16Relu(ir::OpType type, std::vector<int32_t> shape, float in_scale, float out_scale, uint32_t seed) {
  return Int16Unary(type, ir::OpOptions{}, std::move(shape), in_scale, out_scale, seed);
}

Case Int16LeakyRelu(float alpha, std::vector<int32_t> shape, float in_scale, float out_scale, uint32_t seed) {
  ir::OpOptions o;
  o.type = kLeakyReluOptions;
  o.alpha = alpha;
  return Int16Unary(ir::OpType::LEAKY_RELU, o, std::move(shape), in_scale, out_scale, seed);
}

std::vector<Case> HybridCases() {
  using P = ir::Padding;
  using A = ir::Activation;
  std::vector<Case> cases;
  uint32_t seed = 100;
  const ConvSpec convs[] = {
      {1, 8, 8, 16, 8, 1, 1, 1, 1, P::kSame, true, A::kNone, -1.0f, 1.0f},
      {1, 9, 7, 3, 5, 3, 3, 1, 1, P::kSame, true, A::kRelu, -0.3f, 2.0f},
      {2, 10, 9, 8, 12, 3, 3, 2, 1, P::kSame, true, A::kRelu6, 0.0f, 6.0f},
      {1, 11, 11, 4, 6, 3, 3, 1, 2, P::kValid, true, A::kNone, -2.0f, 0.5f},
      {1, 12, 10, 5, 7, 5, 3, 2, 1, P::kValid, true, A::kNone, -1.0f, 1.0f},
      {2, 6, 6, 7, 9, 3, 3, 1, 1, P::kSame, false, A::kNone, -1.0f, 3.0f},
      {1, 8, 8, 16, 8, 1, 1, 1, 1, P::kSame, false, A::kRelu, -1.0f, 1.0f},
      {1, 9, 9, 6, 4, 3, 3, 2, 1, P::kValid, false, A::kNone, 0.5f, 1.5f},
      {3, 5, 5, 32, 40, 1, 1, 1, 1, P::kSame, true, A::kNone, -0.1f, 4.0f},
      {1, 7, 7, 3, 4, 3, 3, 1, 2, P::kSame, true, A::kNone, -1.0f, 1.0f},
  };
  for (const ConvSpec& s : convs) cases.push_back(HybridConv(s, seed++));
  const std::pair<ConvSpec, int> depthwise[] = {
      {{1, 8, 8, 16, 0, 3, 3, 1, 1, P::kSame, true, A::kNone, -1.0f, 1.0f}, 1},
      {{2, 9, 7, 4, 0, 3, 3, 2, 1, P::kSame, true, A::kRelu6, -0.5f, 5.0f}, 2},
      {{1, 10, 10, 8, 0, 3, 3, 1, 2, P::kValid, true, A::kRelu, -2.0f, 1.0f}, 1},
      {{1, 7, 9, 3, 0, 5, 5, 2, 1, P::kSame, true, A::kNone, 0.0f, 1.0f}, 3},
  };
  for (const auto& [s, m] : depthwise) cases.push_back(HybridDepthwise(s, m, seed++));
  cases.push_back(HybridFullyConnected({1, 64}, 10, false, false, A::kNone, -1.0f, 1.0f, seed++));
  cases.push_back(HybridFullyConnected({1, 64}, 10, true, false, A::kNone, -0.2f, 3.0f, seed++));
  cases.push_back(HybridFullyConnected({4, 33}, 17, true, false, A::kRelu, -1.0f, 2.0f, seed++));
  cases.push_back(HybridFullyConnected({3, 40}, 16, false, false, A::kRelu6, -3.0f, 1.0f, seed++));
  cases.push_back(HybridFullyConnected({2, 3, 24}, 8, true, true, A::kNone, -1.0f, 1.0f, seed++));
  cases.push_back(HybridFullyConnected({1, 300}, 120, true, false, A::kNone, 0.0f, 5.0f, seed++));
  return cases;
}

std::vector<Case> ResizeCases() {
  std::vector<Case> cases;
  uint32_t seed = 500;
  struct R {
    std::vector<int32_t> in;
    int oh, ow;
  };
  const R sizes[] = {{{1, 4, 4, 3}, 8, 8}, {{1, 5, 7, 2}, 3, 4}, {{2, 3, 3, 5}, 7, 5}, {{1, 6, 5, 16}, 13, 11}};
  for (DType t : {DType::kInt8, DType::kUInt8, DType::kInt16})
    for (const R& r : sizes)
      for (int mode = 0; mode < 3; ++mode)
        cases.push_back(ResizeBilinear(t, r.in, r.oh, r.ow, mode == 1, mode == 2, seed++));
  return cases;
}

std::vector<Case> Int16BinaryCases() {
  using A = ir::Activation;
  using T = ir::OpType;
  std::vector<Case> cases;
  uint32_t seed = 700;
  for (T type : {T::SUB, T::MUL, T::ADD}) {
    // MUL's output scale near s1 * s2 * 32768 keeps most products in range; a smaller one saturates many.
    const bool mul = type == T::MUL;
    const Int16BinarySpec specs[] = {
        {type, {1, 8, 8, 16}, {1, 8, 8, 16}, 0.0003f, 0.0005f, mul ? 5e-3f : 0.0007f, A::kNone},
        {type, {2, 5, 7, 3}, {3}, 0.0011f, 0.0002f, mul ? 8e-3f : 0.0013f, A::kRelu},
        {type, {1, 4}, {3, 6, 1}, 0.0004f, 0.0004f, mul ? 2e-4f : 0.0004f, A::kNone},
        {type, {1, 1, 5, 1}, {2, 3, 1, 4}, 0.0002f, 0.0009f, mul ? 6e-3f : 0.0005f, A::kRelu6},
        {type, {}, {4, 9}, 0.0007f, 0.0003f, mul ? 7e-3f : 0.0009f, A::kReluN1To1},
        {type, {6, 10}, {6, 1}, 1.0f / 32768, 0.0001f, mul ? 1e-6f : 0.00002f, A::kNone},
        {type, {64}, {64}, 0.0078125f, 0.0078125f, mul ? 0.25f : 0.015625f, A::kNone},
    };
    for (const Int16BinarySpec& s : specs) cases.push_back(Int16Binary(s, seed++));
  }
  return cases;
}

// Largest |a - b| and largest |b| of two float tensors, or the count of differing elements of integer ones.
struct Diff {
  double max_abs = 0, max_ref = 0;
  int64_t differing = 0;
};

Diff Compare(const ops::TensorRef& ours, const data::NpyArray& ref) {
  Diff d;
  const int64_t n = ref.num_elements();
  if (ours.dtype == DType::kFloat32) {
    const float* a = ours.as<float>();
    const float* b = reinterpret_cast<const float*>(ref.data.data());
    for (int64_t i = 0; i < n; ++i) {
      d.max_ref = std::max(d.max_ref, std::abs(static_cast<double>(b[i])));
      const double e = std::abs(static_cast<double>(a[i]) - b[i]);
      d.max_abs = std::max(d.max_abs, std::isnan(e) ? INFINITY : e);
      if (a[i] != b[i]) ++d.differing;
    }
    return d;
  }
  const size_t es = DTypeSize(ours.dtype);
  for (int64_t i = 0; i < n; ++i)
    if (std::memcmp(ours.data + i * es, ref.data.data() + i * es, es) != 0) ++d.differing;
  return d;
}

// Writes every case (model and input .npy files) under `root`, runs them all in one oracle process and returns
// its answers, one per case.
void RunOracle(const fs::path& root, const std::vector<Case>& cases, std::vector<json>* results) {
  fs::remove_all(root);
  fs::create_directories(root);
  std::vector<json> jobs;
  for (const Case& c : cases) {
    const fs::path dir = root / c.id;
    fs::create_directories(dir);
    ASSERT_TRUE(io::tflite::WriteTfliteFile(c.graph, (dir / "model.tflite").string()).ok()) << c.id;
    json job = {{"model", (dir / "model.tflite").string()}, {"out_dir", (dir / "oracle").string()}, {"id", c.id}};
    job["inputs"] = json::array();
    const ir::Subgraph& sg = c.graph.main();
    for (size_t i = 0; i < sg.inputs.size(); ++i) {
      const ir::Tensor& t = sg.tensors[sg.inputs[i]];
      const std::string path = (dir / ("input_" + std::to_string(i) + ".npy")).string();
      ASSERT_TRUE(data::WriteNpy(path, t.dtype, {t.shape.begin(), t.shape.end()}, c.inputs[i].data(),
                                 c.inputs[i].size())
                      .ok());
      job["inputs"].push_back(path);
    }
    jobs.push_back(job);
  }
  *results = testing::RunOracleBatch(jobs, root);
  ASSERT_EQ(results->size(), cases.size()) << "the oracle did not answer every job";
}

// Variants the official runtime has no kernel for: it refuses every case, and liteopt refuses to prepare each one
// with an error containing `liteopt_error`.
void ExpectBothRefuse(const std::string& suite, const std::vector<Case>& cases, const std::string& liteopt_error) {
  if (!testing::HaveOracle()) GTEST_SKIP() << testing::kNoOracleMessage;
  std::vector<json> results;
  RunOracle(fs::path(LITEOPT_BINARY_DIR) / "single_op_oracle" / suite, cases, &results);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(cases[k].id);
    EXPECT_FALSE(results[k].value("ok", true)) << "the official runtime ran it: " << results[k].dump();
    std::printf("%s: official runtime: %s\n", cases[k].id.c_str(), results[k].value("error", "").c_str());
    auto interp = runtime::Interpreter::Create(std::make_shared<const ir::Graph>(cases[k].graph));
    ASSERT_FALSE(interp.ok()) << "liteopt ran it";
    EXPECT_NE(interp.status().message().find(liteopt_error), std::string::npos) << interp.status().message();
  }
}

// Writes every case, runs them all in one oracle process, then checks liteopt against each result.
// `fast_tolerance` < 0: the optimized kernels must match exactly too.
void RunCases(const std::string& suite, std::vector<Case> cases, double fast_tolerance) {
  if (!testing::HaveOracle()) GTEST_SKIP() << testing::kNoOracleMessage;
  const fs::path root = fs::path(LITEOPT_BINARY_DIR) / "single_op_oracle" / suite;
  std::vector<json> results;
  RunOracle(root, cases, &results);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    const ir::Op& op = c.graph.main().ops[0];
    SCOPED_TRACE(c.id + " (" + ir::OpTypeName(op.type) + " v" + std::to_string(op.version) + ", output shape " +
                 ops::ShapeString(c.graph.main().tensors[op.outputs[0]].shape) + ")");
    ASSERT_TRUE(results[k].value("ok", false)) << results[k].dump();
    auto ref = data::ReadNpy((root / c.id / "oracle" / "output_0.npy").string());
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    auto graph = std::make_shared<const ir::Graph>(c.graph);
    for (bool reference : {true, false}) {
      runtime::InterpreterOptions opt;
      opt.reference = reference;
      auto interp = runtime::Interpreter::Create(graph, opt);
      ASSERT_TRUE(interp.ok()) << interp.status().message();
      for (size_t i = 0; i < c.inputs.size(); ++i)
        std::memcpy((*interp)->input_bytes(static_cast<int>(i)), c.inputs[i].data(), c.inputs[i].size());
      ASSERT_TRUE((*interp)->Invoke().ok());
      const ops::TensorRef& out = (*interp)->output(0);
      ASSERT_EQ(out.bytes, ref->data.size());
      const Diff d = Compare(out, *ref);
      const char* kernels = reference ? "reference kernels" : "optimized kernels";
      if (reference || fast_tolerance < 0) {
        EXPECT_EQ(d.differing, 0) << kernels << ": " << d.differing << " elements differ, max |diff| " << d.max_abs
                                  << " of " << d.max_ref;
      } else {
        EXPECT_LE(d.max_abs, fast_tolerance * std::max(d.max_ref, 1e-6))
            << kernels << ": max |diff| " << d.max_abs << " of " << d.max_ref;
      }
    }
  }
}

TEST(SingleOpOracle, HybridOpsMatchTheOfficialRuntime) { RunCases("hybrid", HybridCases(), -1); }

TEST(SingleOpOracle, Int16AddSubMulMatchTheOfficialRuntime) { RunCases("int16_binary", Int16BinaryCases(), -1); }

// RELU_N1_TO_1 has no int16 kernel in the official runtime ("Only float32, uint8, int8 supported").
TEST(SingleOpOracle, Int16ReluRelu6MatchTheOfficialRuntime) {
  std::vector<Case> cases;
  uint32_t seed = 900;
  for (ir::OpType t : {ir::OpType::RELU, ir::OpType::RELU6}) {
    cases.push_back(Int16Relu(t, {2, 50}, 0.0004f, 0.0004f, seed++));
    cases.push_back(Int16Relu(t, {2, 50}, 0.0004f, 0.00017f, seed++));
    cases.push_back(Int16Relu(t, {3, 7, 5}, 0.001f, 0.0003f, seed++));
  }
  RunCases("int16_relu", std::move(cases), -1);
}

// int16 LEAKY_RELU (op version 2): small, large (> 1) and tiny alphas, output scales that keep the range, shrink it
// and saturate it.
TEST(SingleOpOracle, Int16LeakyReluMatchesTheOfficialRuntime) {
  std::vector<Case> cases;
  uint32_t seed = 1000;
  cases.push_back(Int16LeakyRelu(0.2f, {2, 50}, 0.0004f, 0.0004f, seed++));
  cases.push_back(Int16LeakyRelu(0.01f, {3, 7, 5}, 0.001f, 0.0003f, seed++));
  cases.push_back(Int16LeakyRelu(0.3f, {1, 4, 4, 8}, 0.0002f, 0.0007f, seed++));
  cases.push_back(Int16LeakyRelu(1.7f, {64}, 0.0005f, 0.0005f, seed++));
  cases.push_back(Int16LeakyRelu(0.0001f, {2, 33}, 0.0003f, 0.00011f, seed++));
  RunCases("int16_leaky_relu", std::move(cases), -1);
}

// An int16 SUM / REDUCE_MIN over constant `axes` (ReducerOptions keep_dims), zero points 0.
Case Int16Reduce(ir::OpType type, std::vector<int32_t> shape, std::vector<int32_t> axes, bool keep_dims,
                 float in_scale, float out_scale, uint32_t seed,
                 std::optional<std::vector<int32_t>> refused_output_shape = std::nullopt) {
  Builder b(std::string(ir::OpTypeName(type)) + "_int16_" + std::to_string(seed), seed);
  const int32_t in = b.Input(DType::kInt16, shape, Int16Operand(b.rng(), Count(shape)), Int16Quant(in_scale));
  const int32_t axis = b.Const("axes", DType::kInt32, {static_cast<int32_t>(axes.size())}, axes);
  ir::OpOptions o;
  o.type = kReducerOptions;
  o.keep_dims = keep_dims;
  return b.Finish(type, o, {in, axis}, b.Output(DType::kInt16, Int16Quant(out_scale)), refused_output_shape);
}

// int16 SUM with the output in the input's scale (the only int16 SUM TFLite runs: reduce.cc rescales 8-bit sums
// only): single, several, negative and all axes, with and without keep_dims; the random operands over the whole
// int16 range make most sums wrap around.
TEST(SingleOpOracle, Int16SumMatchesTheOfficialRuntime) {
  using V = std::vector<int32_t>;
  std::vector<Case> cases;
  uint32_t seed = 1100;
  cases.push_back(Int16Reduce(ir::OpType::SUM, {2, 3, 4}, V{1}, false, 0.0004f, 0.0004f, seed++));
  cases.push_back(Int16Reduce(ir::OpType::SUM, {1, 4, 5, 6}, V{1, 2}, true, 0.001f, 0.001f, seed++));
  cases.push_back(Int16Reduce(ir::OpType::SUM, {3, 7, 5}, V{-1}, true, 0.0002f, 0.0002f, seed++));
  cases.push_back(Int16Reduce(ir::OpType::SUM, {2, 6, 3}, V{0, 2}, false, 0.0003f, 0.0003f, seed++));
  cases.push_back(Int16Reduce(ir::OpType::SUM, {4, 9}, V{0, 1}, false, 0.0005f, 0.0005f, seed++));
  RunCases("int16_sum", std::move(cases), -1);
}

// int16 SUM whose output scale differs from the input's, as a calibrating converter writes it: the official
// runtime refuses it (its int16 SUM has no rescaling), and so does liteopt, naming the reason.
TEST(SingleOpOracle, Int16SumWithANewScaleIsRefusedByBoth) {
  using V = std::vector<int32_t>;
  std::vector<Case> cases;
  cases.push_back(Int16Reduce(ir::OpType::SUM, {2, 3, 4}, V{1}, false, 0.0004f, 0.0012f, 1150, V{2, 4}));
  cases.push_back(Int16Reduce(ir::OpType::SUM, {1, 4, 5, 6}, V{1, 2}, true, 0.001f, 0.02f, 1151, V{1, 1, 1, 6}));
  ExpectBothRefuse("int16_sum_rescaled", cases, "TFLite's int16 SUM does not rescale");
}

// REDUCE_MIN (new in liteopt): int16 (op version 3) over single, several, negative and all axes, with and without
// keep_dims, on operands at the ends of the int16 range; a float and an int8 case for the other paths.
TEST(SingleOpOracle, ReduceMinMatchesTheOfficialRuntime) {
  using V = std::vector<int32_t>;
  std::vector<Case> cases;
  uint32_t seed = 1200;
  cases.push_back(Int16Reduce(ir::OpType::REDUCE_MIN, {2, 3, 4}, V{1}, false, 0.0004f, 0.0004f, seed++));
  cases.push_back(Int16Reduce(ir::OpType::REDUCE_MIN, {1, 4, 5, 6}, V{1, 2}, true, 0.001f, 0.001f, seed++));
  cases.push_back(Int16Reduce(ir::OpType::REDUCE_MIN, {3, 7, 5}, V{-1, 0}, true, 0.0002f, 0.0002f, seed++));
  cases.push_back(Int16Reduce(ir::OpType::REDUCE_MIN, {4, 9}, V{0, 1}, false, 0.0005f, 0.0005f, seed++));
  for (DType t : {DType::kFloat32, DType::kInt8}) {
    Builder b("REDUCE_MIN_" + std::string(DTypeName(t)) + "_" + std::to_string(seed), seed);
    ir::QuantParams q;
    if (t == DType::kInt8) {
      q.scale = {0.05f};
      q.zero_point = {-7};
    }
    const std::vector<int32_t> shape = {2, 5, 6};
    const int32_t in = b.Input(t, shape,
                               t == DType::kInt8 ? IntBytes<int8_t>(b.rng(), Count(shape))
                                                 : FloatBytes(b.rng(), Count(shape), -3.0f, 2.0f),
                               q);
    const int32_t axis = b.Const("axes", DType::kInt32, {1}, V{1});
    ir::OpOptions o;
    o.type = kReducerOptions;
    cases.push_back(b.Finish(ir::OpType::REDUCE_MIN, o, {in, axis}, b.Output(t, q)));
    ++seed;
  }
  for (const Case& c : cases) {
    const DType t = c.graph.main().tensors[c.graph.main().ops[0].inputs[0]].dtype;
    EXPECT_EQ(c.graph.main().ops[0].version, t == DType::kInt16 ? 3 : t == DType::kInt8 ? 2 : 1) << c.id;
  }
  RunCases("reduce_min", std::move(cases), -1);
}

// int16 REDUCE_MIN with an output scale of its own: the official runtime refuses it, and so does liteopt.
TEST(SingleOpOracle, Int16ReduceMinWithANewScaleIsRefusedByBoth) {
  using V = std::vector<int32_t>;
  std::vector<Case> cases;
  cases.push_back(Int16Reduce(ir::OpType::REDUCE_MIN, {2, 3, 4}, V{1}, false, 0.0004f, 0.0003f, 1250, V{2, 4}));
  ExpectBothRefuse("int16_reduce_min_rescaled", cases, "differs from the input's");
}

// An int8 / uint8 SUM or MEAN over constant `axes`. The stored inputs are drawn from [zp_in - spread, zp_in + spread]
// (clamped to the type), so small spreads keep the real sums in range and full ones make them wrap.
struct EightBitReduceSpec {
  ir::OpType type;
  DType dtype;
  std::vector<int32_t> shape, axes;
  bool keep_dims;
  float in_scale;
  int32_t in_zp;
  float out_scale;
  int32_t out_zp;
  int spread;
};

Case EightBitReduce(const EightBitReduceSpec& s, uint32_t seed) {
  Builder b(std::string(ir::OpTypeName(s.type)) + "_" + std::string(DTypeName(s.dtype)) + "_" + std::to_string(seed),
            seed);
  const bool is_signed = s.dtype == DType::kInt8;
  const int lo = std::max(is_signed ? -128 : 0, s.in_zp - s.spread);
  const int hi = std::min(is_signed ? 127 : 255, s.in_zp + s.spread);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<uint8_t> bytes(Count(s.shape));
  for (uint8_t& v : bytes) v = static_cast<uint8_t>(d(b.rng()));  // two's complement bytes for int8
  const int32_t in = b.Input(s.dtype, s.shape, std::move(bytes), PerTensorQuant(s.in_scale, s.in_zp));
  const int32_t axis = b.Const("axes", DType::kInt32, {static_cast<int32_t>(s.axes.size())}, s.axes);
  ir::OpOptions o;
  o.type = kReducerOptions;
  o.keep_dims = s.keep_dims;
  return b.Finish(s.type, o, {in, axis}, b.Output(s.dtype, PerTensorQuant(s.out_scale, s.out_zp)));
}

// int8 / uint8 SUM and MEAN: one, several, negative and all axes, keep_dims on and off, zero points 0 and not 0,
// the output in the input's scale and zero point (TFLite's generic reducer for SUM, integer mean for MEAN) or in
// parameters of its own (the rescaling paths), sums in range and sums that wrap.
std::vector<Case> EightBitReduceCases() {
  using V = std::vector<int32_t>;
  using T = ir::OpType;
  std::vector<Case> cases;
  uint32_t seed = 1400;
  for (T type : {T::SUM, T::MEAN}) {
    for (DType t : {DType::kInt8, DType::kUInt8}) {
      const int32_t z = t == DType::kInt8 ? -5 : 131;  // a non-zero zero point
      const int32_t z0 = t == DType::kInt8 ? 0 : 128;  // the "usual" one (0 for int8; uint8 has no zero-centred 0)
      const int32_t zo = t == DType::kInt8 ? 9 : 100;  // an output zero point of its own
      const EightBitReduceSpec specs[] = {
          // same scale and zero point
          {type, t, {2, 3, 4}, V{1}, false, 0.05f, 0, 0.05f, 0, 10},
          {type, t, {2, 3, 4}, V{1}, false, 0.05f, z, 0.05f, z, 10},
          {type, t, {2, 3, 4}, V{1}, true, 0.05f, z, 0.05f, z, 255},
          {type, t, {1, 4, 5, 6}, V{1, 2}, true, 0.02f, z, 0.02f, z, 8},
          {type, t, {1, 4, 5, 6}, V{2, 1}, false, 0.02f, z, 0.02f, z, 255},
          {type, t, {3, 7, 5}, V{-1, 0}, true, 0.1f, z, 0.1f, z, 20},
          {type, t, {4, 9}, V{0, 1}, false, 0.03f, z, 0.03f, z, 5},
          {type, t, {2, 6, 3}, V{0, 2}, false, 0.03f, z0, 0.03f, z0, 255},
          // a different output scale and / or zero point
          {type, t, {2, 3, 4}, V{1}, false, 0.05f, z, 0.15f, zo, 40},
          {type, t, {2, 3, 4}, V{1}, true, 0.05f, 0, 0.05f, zo, 20},
          {type, t, {1, 4, 5, 6}, V{1, 2}, true, 0.02f, z, 0.4f, z, 30},
          {type, t, {1, 4, 5, 6}, V{1, 2}, false, 0.02f, z, 0.03f, zo, 255},
          {type, t, {3, 7, 5}, V{-1, 0}, false, 0.1f, z0, 0.7f, zo, 255},
          {type, t, {4, 9}, V{0, 1}, true, 0.03f, z, 0.001f, zo, 255},
          // s_in / s_out >= 2^8: past XNNPACK's range (MEAN over H, W with keep_dims: TFLite's integer kernel)
          {type, t, {1, 4, 5, 6}, V{1, 2}, true, 0.5f, z, 0.001f, zo, 3},
      };
      for (const EightBitReduceSpec& s : specs) cases.push_back(EightBitReduce(s, seed++));
    }
  }
  return cases;
}

TEST(SingleOpOracle, EightBitSumAndMeanMatchTheOfficialRuntime) {
  RunCases("eight_bit_reduce", EightBitReduceCases(), -1);
}

// A SQUARED_DIFFERENCE of two quantized inputs (scale, zero point each; int16 ones carry zero point 0).
struct SquaredDifferenceSpec {
  DType dtype;
  std::vector<int32_t> shape1, shape2;
  float scale1, scale2, out_scale;
  int32_t zp1, zp2, out_zp;
};

Case QuantizedSquaredDifference(const SquaredDifferenceSpec& s, uint32_t seed,
                                std::optional<std::vector<int32_t>> refused_output_shape = std::nullopt) {
  Builder b("SQUARED_DIFFERENCE_" + std::string(DTypeName(s.dtype)) + "_" + std::to_string(seed), seed);
  auto bytes = [&](const std::vector<int32_t>& shape) {
    return s.dtype == DType::kInt16 ? Int16Operand(b.rng(), Count(shape)) : IntBytes<int8_t>(b.rng(), Count(shape));
  };
  const int32_t in1 = b.Input(s.dtype, s.shape1, bytes(s.shape1), PerTensorQuant(s.scale1, s.zp1));
  const int32_t in2 = b.Input(s.dtype, s.shape2, bytes(s.shape2), PerTensorQuant(s.scale2, s.zp2));
  ir::OpOptions o;
  o.type = kSquaredDifferenceOptions;
  return b.Finish(ir::OpType::SQUARED_DIFFERENCE, o, {in1, in2},
                  b.Output(s.dtype, PerTensorQuant(s.out_scale, s.out_zp)), refused_output_shape);
}

// int8 SQUARED_DIFFERENCE (squared_difference.cc, op version 2): equal and unequal input scales, zero points of
// both signs, broadcasting, and an output scale small enough to saturate most results.
TEST(SingleOpOracle, Int8SquaredDifferenceMatchesTheOfficialRuntime) {
  const DType t = DType::kInt8;
  std::vector<Case> cases;
  uint32_t seed = 1300;
  const SquaredDifferenceSpec specs[] = {
      {t, {1, 8, 8, 4}, {1, 8, 8, 4}, 0.05f, 0.05f, 0.3f, 0, 0, -128},
      {t, {2, 5, 7, 3}, {3}, 0.02f, 0.07f, 0.2f, -5, 12, -120},
      {t, {1, 4}, {3, 6, 1}, 0.1f, 0.03f, 0.9f, 100, -100, -128},
      {t, {6, 10}, {6, 1}, 0.01f, 0.01f, 0.001f, 3, -3, -128},
  };
  for (const SquaredDifferenceSpec& s : specs) cases.push_back(QuantizedSquaredDifference(s, seed++));
  for (const Case& c : cases) EXPECT_EQ(c.graph.main().ops[0].version, 2) << c.id;
  RunCases("int8_squared_difference", std::move(cases), -1);
}

// int16 SQUARED_DIFFERENCE (what a 16x8 converter would write): the official runtime has no int16 kernel for it,
// and liteopt refuses it with that reason.
TEST(SingleOpOracle, Int16SquaredDifferenceIsRefusedByBoth) {
  const DType t = DType::kInt16;
  std::vector<Case> cases;
  cases.push_back(QuantizedSquaredDifference({t, {2, 8}, {2, 8}, 0.0004f, 0.0004f, 0.0006f, 0, 0, 0}, 1350,
                                             std::vector<int32_t>{2, 8}));
  cases.push_back(QuantizedSquaredDifference({t, {3, 5}, {5}, 0.0002f, 0.0009f, 0.0011f, 0, 0, 0}, 1351,
                                             std::vector<int32_t>{3, 5}));
  ExpectBothRefuse("int16_squared_difference", cases, "no int16 SQUARED_DIFFERENCE kernel");
}

TEST(SingleOpOracle, QuantizedResizeBilinearMatchesTheOfficialRuntime) {
  RunCases("resize_bilinear", ResizeCases(), -1);
}

}  // namespace
}  // namespace liteopt

// Quantization-aware training on real data: the fake quantization against base/quant_math bit for bit; a QAT net
// trained on Fashion-MNIST against the int8 model the converter writes from it (our interpreter, the official
// runtime); zero epochs = the post-training int8 model byte for byte; a residual graph; clear errors.
#include <gtest/gtest.h>
#include <torch/optim/adam.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "base/quant_math.h"
#include "common/cli_runner.h"
#include "common/fashion_model.h"
#include "common/fixtures.h"
#include "common/oracle.h"
#include "data/idx.h"
#include "data/image.h"
#include "data/npy.h"
#include "io/tflite/reader.h"
#include "train/qat.h"
#include "train/train_test_util.h"

namespace liteopt::train {
namespace {

namespace fs = std::filesystem;
using namespace testing_util;
using liteopt::testing::RunLiteopt;

// ---------------------------------------------------------------------------------------------------------------
// The fake quantization itself.

TEST(FakeQuantize, MatchesQuantMathBitForBit) {
  at::manual_seed(1);
  const QuantPoint points[] = {{0.0235294f, -128}, {0.1f, 3}, {1.0f / 256, -128}, {1.0f / 128, 0}, {3.7e-3f, 90}};
  for (const QuantPoint& q : points) {
    // Values across the range and beyond (clamped), and half steps, where rounding is decided.
    const at::Tensor halves = (at::arange(-300, 300).to(at::kFloat) + 0.5) * q.scale;
    const at::Tensor x = at::cat({at::randn({20000}) * (q.scale * 100), halves});
    const at::Tensor y = FakeQuantize(x, q);
    const float* px = x.data_ptr<float>();
    const float* py = y.data_ptr<float>();
    int differ = 0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float expected =
          qmath::DequantizeValue(qmath::QuantizeValue(px[i], q.scale, q.zero_point, -128, 127), q.scale, q.zero_point);
      differ += std::memcmp(&expected, &py[i], 4) != 0;
    }
    EXPECT_EQ(differ, 0) << "scale " << q.scale << " zero point " << q.zero_point;
  }
}

TEST(FakeQuantize, StraightThroughGradientIsClippedToTheRange) {
  const QuantPoint q{0.1f, -28};  // representable: [-10, 15.5]
  at::Tensor x = at::tensor({-20.0f, -9.0f, 0.04f, 15.0f, 16.0f}).requires_grad_(true);
  FakeQuantize(x, q).sum().backward();
  const std::vector<float> expected = {0, 1, 1, 1, 0};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(x.grad()[i].item<float>(), expected[i]) << "x = " << x[i].item<float>();
}

// ---------------------------------------------------------------------------------------------------------------
// A small Fashion-MNIST model trained by `liteopt train` (the small-input MobileNetV2 of the PyTorch baseline).

class Qat : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!HaveFashion()) return;
    dir_ = WorkDir("qat");
    auto r = RunLiteopt("data fashion-mnist --out " + dir_.string() + " --max-per-class 60");
    ASSERT_EQ(r.code, 0) << r.err;
    r = RunLiteopt("train --arch mobilenet_v2 " + Data() +
                   " --epochs 3 --batch 32 --lr 0.003 --threads 1 --quiet -o " + Model());
    ASSERT_EQ(r.code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    if (!HaveFashion()) GTEST_SKIP() << kNoFashionMessage;
  }
  static std::string Data() { return "--data " + (dir_ / "train.csv").string() + " --val " + (dir_ / "val.csv").string(); }
  static std::string Model() { return (dir_ / "float.tflite").string(); }
  static fs::path dir_;
};
fs::path Qat::dir_;

// Batch-1 float input bytes of each image (NHWC), as calibration takes them.
std::vector<std::vector<uint8_t>> Samples(const at::Tensor& nhwc) {
  std::vector<std::vector<uint8_t>> out;
  const at::Tensor c = nhwc.contiguous();
  const size_t bytes = c.numel() / c.size(0) * 4;
  for (int64_t i = 0; i < c.size(0); ++i) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(c.data_ptr<float>()) + i * bytes;
    out.emplace_back(p, p + bytes);
  }
  return out;
}

// Class ids as `liteopt data fashion-mnist` encodes them: the sorted class names.
at::Tensor SortedClassIds(const std::vector<int>& idx_labels) {
  std::vector<std::string> names(data::kFashionMnistClassNames, data::kFashionMnistClassNames + 10);
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> ids;
  for (int l : idx_labels) ids.push_back(std::find(sorted.begin(), sorted.end(), names[l]) - sorted.begin());
  return at::tensor(ids, at::kLong);
}

// QAT steps on real training images (NHWC, `resize` to the net's input): weights and ranges move away from the
// calibrated starting point, so the comparisons below test trained values.
void TrainSteps(Net& net, int steps, int batch) {
  torch::optim::Adam opt(net.TrainableParameters(), torch::optim::AdamOptions(1e-3));
  for (int s = 0; s < steps; ++s) {
    std::vector<int> labels;
    at::Tensor x = FashionImages(batch, true, 1000 + s * batch, &labels).permute({0, 3, 1, 2});
    if (net.height != 28) x = at::upsample_bilinear2d(x, {net.height, net.width}, false);
    x = x.repeat({1, net.channels, 1, 1}).contiguous(at::MemoryFormat::ChannelsLast);
    const at::Tensor loss = at::cross_entropy_loss(net.Forward(x, true), SortedClassIds(labels));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
}

struct Agreement {
  int images = 0, same_top1 = 0;
  int64_t values = 0, same_values = 0;
};

// The int8 model (float I/O) in our interpreter against the fake-quantized net's outputs, image by image.
Agreement Compare(const ir::Graph& int8_model, const Net& net, const at::Tensor& nhwc) {
  Agreement a;
  auto interp = LoadGraph(int8_model);
  if (!interp) return a;
  const at::Tensor torch_out = net.Predict(nhwc.permute({0, 3, 1, 2}).contiguous(at::MemoryFormat::ChannelsLast));
  for (int64_t i = 0; i < nhwc.size(0); ++i) {
    const std::vector<float> ours = Invoke(*interp, nhwc.slice(0, i, i + 1));
    const at::Tensor ref = torch_out[i].contiguous();
    const float* r = ref.data_ptr<float>();
    ++a.images;
    a.same_top1 += std::max_element(ours.begin(), ours.end()) - ours.begin() == std::max_element(r, r + ref.numel()) - r;
    for (size_t k = 0; k < ours.size(); ++k) a.same_values += ours[k] == r[k];
    a.values += static_cast<int64_t>(ours.size());
  }
  return a;
}

// Every op of the int8 model computes in int8 (no float op left but the QUANTIZE / DEQUANTIZE at the edges).
void ExpectFullInteger(const ir::Graph& g) {
  const ir::Subgraph& sg = g.main();
  for (const ir::Op& op : sg.ops) {
    if (op.type == ir::OpType::QUANTIZE || op.type == ir::OpType::DEQUANTIZE) continue;
    EXPECT_EQ(sg.tensors[op.outputs[0]].dtype, DType::kInt8) << ir::OpTypeName(op.type) << " '"
                                                            << sg.tensors[op.outputs[0]].name << "'";
  }
}

// The simulation is exact up to float summation order (qat.h): a float convolution of dequantized values can
// land on the other side of a rounding boundary than the int8 kernel's integer sum, which moves that value by
// one step, and SOFTMAX's int8 kernel approximates exp in fixed point. So nearly every output value and top-1
// prediction agree, not all.
TEST_F(Qat, Int8ModelPredictsWhatTheFakeQuantizedNetPredicts) {
  auto graph = io::tflite::ReadTfliteFile(Model());
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  auto qat = PrepareQat(**graph, {}, Samples(FashionImages(300, true)), 1);
  ASSERT_TRUE(qat.ok()) << qat.status().message();
  at::manual_seed(3);
  TrainSteps(qat->net, 20, 32);
  auto exported = ExportQat(qat->net, {});  // also checks every int8 tensor's parameters against the net's
  ASSERT_TRUE(exported.ok()) << exported.status().message();
  ExpectFullInteger(exported->int8_model);

  const Agreement a = Compare(exported->int8_model, qat->net, FashionImages(1000));
  std::printf("top-1 agreement %d/%d, output values equal %lld/%lld\n", a.same_top1, a.images,
              static_cast<long long>(a.same_values), static_cast<long long>(a.values));
  EXPECT_GE(a.same_top1, 0.99 * a.images);
  EXPECT_GE(a.same_values, 0.97 * a.values);
}

TEST_F(Qat, ResidualAddGraph) {
  if (!liteopt::testing::HaveFixtures()) GTEST_SKIP() << liteopt::testing::kNoFixturesMessage;
  // MLCommons Tiny's CIFAR ResNet: three residual ADDs (two with a 1x1 projection), AVERAGE_POOL_2D, RESHAPE.
  auto graph = io::tflite::ReadTfliteFile(liteopt::testing::FixturesDir() +
                                          "/tflite/mlcommons_tiny/pretrainedResnet_float.tflite");
  ASSERT_TRUE(graph.ok());
  auto rgb32 = [](const at::Tensor& nhwc) {
    return at::upsample_bilinear2d(nhwc.permute({0, 3, 1, 2}), {32, 32}, false).repeat({1, 3, 1, 1})
        .permute({0, 2, 3, 1}).contiguous();
  };
  auto qat = PrepareQat(**graph, {}, Samples(rgb32(FashionImages(64, true))), 1);
  ASSERT_TRUE(qat.ok()) << qat.status().message();
  at::manual_seed(4);
  TrainSteps(qat->net, 5, 16);
  auto exported = ExportQat(qat->net, {});
  ASSERT_TRUE(exported.ok()) << exported.status().message();
  ExpectFullInteger(exported->int8_model);
  int adds = 0;
  for (const ir::Op& op : exported->int8_model.main().ops) adds += op.type == ir::OpType::ADD;
  EXPECT_EQ(adds, 3);
  const Agreement a = Compare(exported->int8_model, qat->net, rgb32(FashionImages(200)));
  std::printf("ResNet top-1 agreement %d/%d, output values equal %lld/%lld\n", a.same_top1, a.images,
              static_cast<long long>(a.same_values), static_cast<long long>(a.values));
  EXPECT_GE(a.same_top1, 0.97 * a.images);
}

TEST_F(Qat, ConcatenationGraph) {
  auto qat = PrepareQat(ConcatenationModel(), {}, Samples(FashionImages(64, true)), 1);
  ASSERT_TRUE(qat.ok()) << qat.status().message();
  at::manual_seed(6);
  TrainSteps(qat->net, 10, 32);
  auto exported = ExportQat(qat->net, {});
  ASSERT_TRUE(exported.ok()) << exported.status().message();
  ExpectFullInteger(exported->int8_model);
  const Agreement a = Compare(exported->int8_model, qat->net, FashionImages(300));
  std::printf("concatenation model: top-1 agreement %d/%d, output values equal %lld/%lld\n", a.same_top1, a.images,
              static_cast<long long>(a.same_values), static_cast<long long>(a.values));
  EXPECT_GE(a.same_top1, 0.97 * a.images);
}

// The model with an op of `type` inserted after op `after` (reading its output, feeding its consumers).
ir::Graph WithOpAfter(const ir::Graph& model, size_t after, ir::OpType type) {
  ir::Graph g = model;
  ir::Subgraph& sg = g.main();
  const int32_t t = sg.ops[after].outputs[0];
  ir::Tensor out = sg.tensors[t];
  out.name += "_inserted";
  sg.tensors.push_back(out);
  const int32_t n = static_cast<int32_t>(sg.tensors.size()) - 1;
  for (ir::Op& op : sg.ops)
    for (int32_t& in : op.inputs) in = in == t ? n : in;
  ir::Op op;
  op.type = type;
  op.inputs = {t};
  op.outputs = {n};
  sg.ops.insert(sg.ops.begin() + after + 1, op);
  return g;
}

TEST_F(Qat, UnsupportedModelsGiveClearErrors) {
  auto graph = io::tflite::ReadTfliteFile(Model());
  ASSERT_TRUE(graph.ok());
  const auto samples = Samples(FashionImages(8, true));
  auto error = [&](const ir::Graph& g, const QatOptions& o) {
    auto r = PrepareQat(g, o, samples, 1);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.status().message();
  };
  // An op without an int8 form: named, with the way out.
  const ir::Graph with_exp = WithOpAfter(**graph, 0, ir::OpType::EXP);
  std::string m = error(with_exp, {});
  EXPECT_NE(m.find("op 1 '"), std::string::npos) << m;
  EXPECT_NE(m.find("(EXP)"), std::string::npos) << m;
  EXPECT_NE(m.find("--keep-float"), std::string::npos) << m;
  // Kept float, it still cannot be trained through: the bridge says so, naming it.
  QatOptions keep;
  keep.keep_float = {"EXP"};
  m = error(with_exp, keep);
  EXPECT_NE(m.find("(EXP) is not supported for training"), std::string::npos) << m;
  // An unknown --keep-float name.
  keep.keep_float = {"no_such_tensor"};
  m = error(**graph, keep);
  EXPECT_NE(m.find("'no_such_tensor' names no op"), std::string::npos) << m;
  if (!liteopt::testing::HaveFixtures()) return;
  // An op with an int8 form that the training bridge lacks.
  auto prelu = io::tflite::ReadTfliteFile(liteopt::testing::FixturesDir() + "/tflite/tflite2onnx_ops/prelu.float32.tflite");
  ASSERT_TRUE(prelu.ok());
  m = error(**prelu, {});
  EXPECT_NE(m.find("(PRELU) is not supported for training"), std::string::npos) << m;
}

// quant::ConvertOptions::activation_ranges index the tensors of the graph as given: a graph the cleanups would
// change (here a RELU they fuse into the FULLY_CONNECTED before it) is refused, as are ranges of another count.
TEST_F(Qat, ConverterTakesRangesOnlyForAGraphItsCleanupsLeaveAlone) {
  auto graph = io::tflite::ReadTfliteFile(Model());
  ASSERT_TRUE(graph.ok());
  const auto& ops = (*graph)->main().ops;
  const size_t fc = std::find_if(ops.begin(), ops.end(), [](const ir::Op& op) {
                      return op.type == ir::OpType::FULLY_CONNECTED;
                    }) - ops.begin();
  ASSERT_LT(fc, ops.size());
  const ir::Graph relu = WithOpAfter(**graph, fc, ir::OpType::RELU);
  quant::ConvertOptions o;
  o.mode = quant::Mode::kFullInteger;
  o.activation_ranges.assign(relu.main().tensors.size(), quant::TensorRange{true, -1.0f, 1.0f});
  auto r = quant::Convert(relu, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cleanups leave unchanged"), std::string::npos) << r.status().message();
  o.activation_ranges.resize(3);
  r = quant::Convert(**graph, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("3 given for a model with"), std::string::npos) << r.status().message();
}

// ---------------------------------------------------------------------------------------------------------------
// `liteopt qat` end to end.

TEST_F(Qat, ZeroEpochsIsThePostTrainingInt8ModelByteForByte) {
  const fs::path d = WorkDir("qat_zero");
  const std::string ptq = (d / "ptq.tflite").string(), qat = (d / "qat.tflite").string();
  auto r = RunLiteopt("convert " + Model() + " --optimize default --representative-data " +
                      (dir_ / "train.csv").string() + " --samples 200 --seed 7 -q -o " + ptq);
  ASSERT_EQ(r.code, 0) << r.err;
  r = RunLiteopt("qat " + Model() + " " + Data() + " --epochs 0 --calibration-samples 200 --seed 7 --quiet -o " + qat);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ReadAll(ptq), ReadAll(qat)) << "ranges from calibration and no training must give the PTQ model";
  EXPECT_TRUE(fs::exists(d / "qat.float.tflite"));
}

TEST_F(Qat, CliWritesInt8AndFloatModelsTheOfficialRuntimeAgreesWith) {
  const fs::path d = WorkDir("qat_cli");
  const std::string out = (d / "qat_int8.tflite").string();
  auto r = RunLiteopt("qat " + Model() + " " + Data() + " --epochs 2 --max-steps 8 --threads 1 -o " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("epoch 2/2"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("int8 tensors simulated"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the written int8 model in liteopt's interpreter: validation accuracy"), std::string::npos)
      << r.out;
  for (const char* f : {"qat_int8.tflite", "qat_int8.float.tflite", "labels.txt", "qat_int8.history.json", "qat_int8.ckpt"})
    EXPECT_TRUE(fs::exists(d / f)) << f;
  auto int8 = io::tflite::ReadTfliteFile(out);
  ASSERT_TRUE(int8.ok());
  ExpectFullInteger(**int8);
  auto float_model = io::tflite::ReadTfliteFile((d / "qat_int8.float.tflite").string());
  ASSERT_TRUE(float_model.ok());
  EXPECT_EQ((*float_model)->main().tensors[(*float_model)->main().inputs[0]].dtype, DType::kFloat32);

  // int8 I/O: the interpreter check quantizes the images with the input's parameters.
  r = RunLiteopt("qat " + Model() + " " + Data() + " --epochs 1 --max-steps 2 --io-type int8 --quiet -o " +
                 (d / "io8.tflite").string());
  ASSERT_EQ(r.code, 0) << r.err;
  auto io8 = io::tflite::ReadTfliteFile((d / "io8.tflite").string());
  ASSERT_TRUE(io8.ok());
  EXPECT_EQ((*io8)->main().tensors[(*io8)->main().inputs[0]].dtype, DType::kInt8);

  if (!liteopt::testing::HaveOracle()) GTEST_SKIP() << liteopt::testing::kNoOracleMessage;
  // Validation images in the official runtime and in ours: the same output bytes.
  auto ours = LoadGraph(**int8);
  ASSERT_TRUE(ours);
  const at::Tensor images = FashionImages(24);
  std::vector<nlohmann::json> jobs;
  for (int i = 0; i < images.size(0); ++i) {
    const std::string npy = (d / ("x" + std::to_string(i) + ".npy")).string();
    const at::Tensor x = images.slice(0, i, i + 1).contiguous();
    ASSERT_TRUE(data::WriteNpy(npy, DType::kFloat32, {1, 28, 28, 1}, x.data_ptr<float>(), 28 * 28 * 4).ok());
    jobs.push_back({{"model", out}, {"inputs", {npy}}, {"out_dir", (d / ("o" + std::to_string(i))).string()}});
  }
  const auto results = liteopt::testing::RunOracleBatch(jobs, d);
  ASSERT_EQ(results.size(), jobs.size());
  int same = 0;
  for (int i = 0; i < images.size(0); ++i) {
    ASSERT_TRUE(results[i].value("ok", false)) << results[i].dump();
    auto official = data::ReadNpy((d / ("o" + std::to_string(i)) / "output_0.npy").string());
    ASSERT_TRUE(official.ok());
    const std::vector<float> mine = Invoke(*ours, images.slice(0, i, i + 1));
    same += official->data.size() == mine.size() * 4 && std::memcmp(official->data.data(), mine.data(), official->data.size()) == 0;
  }
  EXPECT_EQ(same, images.size(0)) << "outputs of the official runtime and liteopt differ";
}

TEST_F(Qat, CliBadInputGivesClearErrors) {
  const fs::path d = WorkDir("qat_bad");
  // A quantized model.
  if (liteopt::testing::HaveFixtures()) {
    auto r = RunLiteopt("qat " + liteopt::testing::FixturesDir() + "/tflite/mlcommons_tiny/vww_96_int8.tflite " + Data() +
                        " -o " + (d / "m.tflite").string());
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("QAT starts from the float model"), std::string::npos) << r.err;
  }
  // Training data with other classes than the model's outputs.
  {
    std::ofstream f(d / "two.csv");
    f << "filename,label\n" << (dir_ / "images/train/00000.png").string() << ",a\n"
      << (dir_ / "images/train/00001.png").string() << ",b\n";
  }
  auto r = RunLiteopt("qat " + Model() + " --data " + (d / "two.csv").string() + " -o " + (d / "m.tflite").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("QAT fine-tunes the model's own classifier"), std::string::npos) << r.err;
  // An unknown op name to keep in float.
  r = RunLiteopt("qat " + Model() + " " + Data() + " --keep-float NO_SUCH_OP -o " + (d / "m.tflite").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("'NO_SUCH_OP' names no op"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace liteopt::train

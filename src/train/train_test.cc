// Tests of the training plugin's code on real data: batch-norm folding against torch, the IR <-> libtorch round
// trip on the shared fixture models, and end-to-end runs of `liteopt train` on Fashion-MNIST checked in our
// interpreter and in the official TFLite runtime (the conformance oracle).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/cli_runner.h"
#include "common/deterministic_inputs.h"
#include "common/fixtures.h"
#include "data/idx.h"
#include "data/image.h"
#include "data/npy.h"
#include "io/tflite/reader.h"
#include "io/tflite/writer.h"
#include "runtime/interpreter.h"
#include "train/model.h"
#include "train/train_test_util.h"

namespace liteopt::train {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using testing_util::FashionImages;
using testing_util::HaveFashion;
using testing_util::ReadAll;
using testing_util::RunInterpreter;
using testing_util::WorkDir;

using CliResult = liteopt::testing::CliResult;
CliResult RunCli(const std::string& args, const std::string& env = "") { return liteopt::testing::RunLiteopt(args, env); }

// Real running statistics: a few training-mode passes over real images, then a few optimizer-free updates of
// gamma and beta so the fold has non-trivial values everywhere.
void GiveBatchNormRealStatistics(Net& net, const at::Tensor& images) {
  at::NoGradGuard no_grad;
  for (int i = 0; i < 5; ++i) net.Forward(images.permute({0, 3, 1, 2}), true);
  for (auto& l : net.layers) {
    if (l.kind != LayerKind::kBatchNorm) continue;
    l.gamma.uniform_(0.5, 1.5);
    l.beta.uniform_(-0.5, 0.5);
  }
}

// Same float for float within a relative tolerance of the largest magnitude.
void ExpectClose(const std::vector<float>& a, const at::Tensor& ref, double rel, const std::string& what) {
  const at::Tensor r = ref.contiguous().reshape({-1});
  ASSERT_EQ(static_cast<int64_t>(a.size()), r.numel()) << what;
  const float* p = r.data_ptr<float>();
  double max_ref = 0, max_diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(static_cast<double>(p[i])));
    max_diff = std::max(max_diff, std::fabs(static_cast<double>(a[i]) - p[i]));
  }
  EXPECT_LE(max_diff, rel * std::max(max_ref, 1e-30)) << what << ": max |diff| " << max_diff << ", max |ref| " << max_ref;
}

// ---------------------------------------------------------------------------------------------------------------

TEST(FoldBatchNorm, ExportedModelMatchesTorchInEvalMode) {
  if (!HaveFashion()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const at::Tensor images = FashionImages(16);
  struct Case {
    std::string arch;
    ArchOptions options;
  };
  std::vector<Case> cases = {{"small_cnn", {28, 28, 1, 10, 1.0f, 0.2f}},
                             {"mobilenet_v2", {28, 28, 1, 10, 1.0f, 0.0f}},
                             {"mobilenet_v2", {64, 64, 3, 5, 0.35f, 0.2f}}};
  for (const auto& c : cases) {
    at::manual_seed(7);
    auto net = BuildArchitecture(c.arch, c.options);
    ASSERT_TRUE(net.ok()) << net.status().message();
    // Real images at the model's size: Fashion-MNIST resized and replicated to the channels.
    at::Tensor x = at::upsample_bilinear2d(images.permute({0, 3, 1, 2}), {c.options.height, c.options.width}, false)
                       .repeat({1, c.options.channels, 1, 1})
                       .permute({0, 2, 3, 1})
                       .contiguous();
    GiveBatchNormRealStatistics(*net, x);
    auto g = ExportGraph(*net);
    ASSERT_TRUE(g.ok()) << g.status().message();
    for (const auto& op : g->main().ops) EXPECT_NE(op.type, ir::OpType::MUL) << "batch norm must be folded";
    for (int i = 0; i < 4; ++i) {
      const at::Tensor xi = x.slice(0, i, i + 1);
      const at::Tensor ref = net->Predict(xi.permute({0, 3, 1, 2}));
      ExpectClose(RunInterpreter(*g, xi), ref, 1e-5, c.arch + " image " + std::to_string(i));
    }
  }
}

TEST(FoldBatchNorm, Formula) {
  Layer bn;
  bn.gamma = at::tensor({2.0f, 0.5f});
  bn.beta = at::tensor({1.0f, -1.0f});
  bn.running_mean = at::tensor({0.5f, 2.0f});
  bn.running_var = at::tensor({3.0f, 0.25f});
  bn.bn_eps = 1.0;
  const at::Tensor w = at::ones({2, 1, 1, 1});
  auto [fw, fb] = FoldBatchNorm(w, at::tensor({1.0f, 0.0f}), bn);
  // s = gamma / sqrt(var + eps) = {1, 0.5 / sqrt(1.25)}.
  EXPECT_FLOAT_EQ(fw[0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(fw[1].item<float>(), static_cast<float>(0.5 / std::sqrt(1.25)));
  EXPECT_FLOAT_EQ(fb[0].item<float>(), (1.0f - 0.5f) * 1.0f + 1.0f);
  EXPECT_FLOAT_EQ(fb[1].item<float>(), static_cast<float>((0.0 - 2.0) * 0.5 / std::sqrt(1.25) - 1.0));
}

// ---------------------------------------------------------------------------------------------------------------

// Every fixture float model with one image input whose ops the bridge supports (the single-op ADD, MUL and
// CONCATENATION fixtures have two graph inputs; ADD of two activations is in pretrainedResnet).
const char* kRoundTripModels[] = {
    "tflite/tflite2onnx_ops/mobilenet_v1_0.25_128_float.tflite",
    "tflite/mlcommons_tiny/vww_96_float.tflite",
    "tflite/mlcommons_tiny/pretrainedResnet_float.tflite",
    "tflite/litert/quantization/mobilenet_like_model.tflite",
    "tflite/litert/quantization/single_conv_no_bias.tflite",
    "tflite/litert/quantization/single_avg_pool_min_minus_5_max_plus_5.tflite",
    "tflite/litert/quantization/fc.tflite",
    "tflite/tflite2onnx_ops/avgpooling.float32.tflite",
    "tflite/tflite2onnx_ops/conv-dilation.float32.tflite",
    "tflite/tflite2onnx_ops/conv-relu6.float32.tflite",
    "tflite/tflite2onnx_ops/conv-stride.float32.tflite",
    "tflite/tflite2onnx_ops/depthwise-conv-stride.float32.tflite",
    "tflite/tflite2onnx_ops/maxpooling.float32.tflite",
    "tflite/tflite2onnx_ops/mean.float32.tflite",
    "tflite/tflite2onnx_ops/mean-keepdims.float32.tflite",
    "tflite/tflite2onnx_ops/padding.float32.tflite",
    "tflite/tflite2onnx_ops/reshape.float32.tflite",
    "tflite/tflite2onnx_ops/sigmoid.float32.tflite",
    "tflite/tflite2onnx_ops/softmax.float32.tflite",
};

class RoundTrip : public ::testing::TestWithParam<const char*> {};

// Load, zero steps, write: the same outputs bit for bit; and torch computes what the interpreter computes.
void ExpectZeroStepRoundTrip(const std::shared_ptr<const ir::Graph>& shared, const std::string& label) {
  const ir::Graph& graph = *shared;
  auto net = NetFromGraph(shared);
  ASSERT_TRUE(net.ok()) << net.status().message();
  auto exported = ExportGraph(*net);
  ASSERT_TRUE(exported.ok()) << exported.status().message();

  const auto& in = graph.main().tensors[graph.main().inputs[0]];
  std::vector<int64_t> shape(in.shape.begin(), in.shape.end());
  const auto bytes = testing::DeterministicInput(DType::kFloat32, ir::NumElements(in.shape));
  const at::Tensor x = at::from_blob(const_cast<uint8_t*>(bytes.data()), shape, at::kFloat).clone();
  const std::vector<float> before = RunInterpreter(graph, x);
  const std::vector<float> after = RunInterpreter(*exported, x);
  ASSERT_EQ(before.size(), after.size());
  EXPECT_EQ(std::memcmp(before.data(), after.data(), before.size() * 4), 0) << "outputs differ after the round trip";
  // The written file's weights are the original bytes.
  auto a = io::tflite::SerializeTflite(graph), b = io::tflite::SerializeTflite(*exported);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);

  const at::Tensor ref = net->Predict(x.permute({0, 3, 1, 2}));
  ExpectClose(before, ref, 2e-5, label);
}

TEST_P(RoundTrip, ZeroStepsIsBitExactAndTorchAgrees) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  auto graph = io::tflite::ReadTfliteFile(testing::FixturesDir() + "/" + GetParam());
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  ExpectZeroStepRoundTrip(*graph, GetParam());
}

// No fixture with one image input has a CONCATENATION of two activations: a built one (conv and max-pool
// branches joined on channels).
TEST(RoundTripBuilt, ConcatenationIsBitExactAndTorchAgrees) {
  ExpectZeroStepRoundTrip(std::make_shared<const ir::Graph>(testing_util::ConcatenationModel()), "concatenation model");
}

INSTANTIATE_TEST_SUITE_P(Fixtures, RoundTrip, ::testing::ValuesIn(kRoundTripModels),
                         [](const auto& info) { return testing::Slug(fs::path(info.param).stem().string()); });

TEST(NetFromGraph, RejectsWhatCannotBeTrained) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  const std::pair<const char*, const char*> cases[] = {
      {"tflite/mlcommons_tiny/kws_ref_model_float32_hybrid.tflite", "training needs a float model"},
      {"tflite/tflite2onnx_ops/prelu.float32.tflite", "PRELU) is not supported for training"},
      {"tflite/mlcommons_tiny/vww_96_int8.tflite", "float32 NHWC image input"},
      {"tflite/litert/quantization/multi_input_add_reshape.tflite", "one input and one output"},
  };
  for (const auto& [file, message] : cases) {
    auto graph = io::tflite::ReadTfliteFile(testing::FixturesDir() + "/" + file);
    ASSERT_TRUE(graph.ok()) << graph.status().message();
    auto net = NetFromGraph(*graph);
    ASSERT_FALSE(net.ok()) << file;
    EXPECT_NE(net.status().message().find(message), std::string::npos) << net.status().message();
  }
}

TEST(NetFromGraph, NewHeadAndFreeze) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  auto graph = io::tflite::ReadTfliteFile(testing::FixturesDir() + "/tflite/mlcommons_tiny/vww_96_float.tflite");
  ASSERT_TRUE(graph.ok());
  auto net = NetFromGraph(*graph);
  ASSERT_TRUE(net.ok()) << net.status().message();
  EXPECT_EQ(net->num_classes, 2);
  at::manual_seed(3);
  ASSERT_TRUE(ReplaceHead(*net, 5).ok());
  const size_t before = net->TrainableParameters().size();
  ASSERT_TRUE(FreezeUntil(*net, "3").ok());
  EXPECT_LT(net->TrainableParameters().size(), before);
  EXPECT_FALSE(FreezeUntil(*net, "no_such_layer").ok());
  auto g = ExportGraph(*net);
  ASSERT_TRUE(g.ok()) << g.status().message();
  const auto& out = g->main().tensors[g->main().outputs[0]];
  EXPECT_EQ(out.shape.back(), 5);
  at::Tensor x = at::rand({1, 96, 96, 3});
  ExpectClose(RunInterpreter(*g, x), net->Predict(x.permute({0, 3, 1, 2})), 2e-5, "new head");
}

// ---------------------------------------------------------------------------------------------------------------
// End to end through the executable.

class TrainCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!HaveFashion()) return;
    data_ = WorkDir("fashion");
    const CliResult r = RunCli("data fashion-mnist --out " + data_.string() + " --max-per-class 100 --classes 0,1,7,8");
    ASSERT_EQ(r.code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    if (!data_.empty()) fs::remove_all(data_);
  }
  void SetUp() override {
    if (!HaveFashion()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  static std::string Data() { return "--data " + (data_ / "train.csv").string() + " --val " + (data_ / "val.csv").string(); }
  static fs::path data_;
};
fs::path TrainCli::data_;

bool HaveNode() { return std::system("node --version >/dev/null 2>&1") == 0; }

TEST_F(TrainCli, TrainsAndExportsAModelBothRuntimesAgreeOn) {
  const fs::path out = WorkDir("e2e");
  const CliResult r = RunCli("train --arch mobilenet_v2 " + Data() +
                             " --epochs 4 --batch 16 --lr 0.003 --flip-lr --threads 1 -o " + (out / "m.tflite").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("epoch 4/4"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("img/s"), std::string::npos);
  for (const char* f : {"m.tflite", "labels.txt", "m.history.csv", "m.history.json", "m.ckpt"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  EXPECT_EQ(ReadAll(out / "labels.txt"), "Bag\nSneaker\nT-shirt/top\nTrouser\n");
  const json history = json::parse(ReadAll(out / "m.history.json"));
  ASSERT_EQ(history.size(), 4u);
  EXPECT_GT(history[3]["val_accuracy"].get<double>(), 0.5);  // 4 classes: chance is 0.25
  // The best epoch's model is the file: its validation accuracy in our interpreter equals torch's.
  double best = 0;
  for (const auto& h : history) best = std::max(best, h["val_accuracy"].get<double>());

  auto interp = runtime::Interpreter::FromFile((out / "m.tflite").string());
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  // Validation images through the same decoding as the pipeline (PNG, /255).
  std::ifstream csv(data_ / "val.csv");
  std::string line;
  std::getline(csv, line);
  const std::vector<std::string> names = {"Bag", "Sneaker", "T-shirt/top", "Trouser"};
  int correct = 0, total = 0;
  std::vector<float> first_image;
  std::vector<int> liteopt_top1;
  while (std::getline(csv, line)) {
    const std::string file = line.substr(0, line.find(','));
    const std::string label = line.substr(line.find(',') + 1);
    auto img = data::ReadImage((data_ / file).string());
    ASSERT_TRUE(img.ok());
    float* in = (*interp)->input_data<float>(0);
    for (int i = 0; i < 28 * 28; ++i) in[i] = img->pixels[i] / 255.0f;
    if (first_image.empty()) first_image.assign(in, in + 28 * 28);
    ASSERT_TRUE((*interp)->Invoke().ok());
    const float* o = (*interp)->output_data<float>(0);
    const int top = static_cast<int>(std::max_element(o, o + 4) - o);
    liteopt_top1.push_back(top);
    correct += names[top] == label;
    ++total;
  }
  EXPECT_NEAR(static_cast<double>(correct) / total, best, 1e-9);

  if (!HaveNode()) GTEST_SKIP() << "node is not installed: official-runtime check skipped";
  const fs::path in_npy = out / "x.npy";
  ASSERT_TRUE(data::WriteNpy(in_npy.string(), DType::kFloat32, {1, 28, 28, 1}, first_image.data(), first_image.size() * 4).ok());
  const std::string cmd = "node " + std::string(LITEOPT_SOURCE_DIR) + "/tests/conformance/oracle/oracle.mjs " +
                          (out / "m.tflite").string() + " --input " + in_npy.string() + " --out-dir " +
                          (out / "oracle").string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto official = data::ReadNpy((out / "oracle" / "output_0.npy").string());
  ASSERT_TRUE(official.ok());
  const float* p = reinterpret_cast<const float*>(official->data.data());
  EXPECT_EQ(static_cast<int>(std::max_element(p, p + 4) - p), liteopt_top1[0]);
}

TEST_F(TrainCli, DeterministicAndResumable) {
  const fs::path a = WorkDir("det_a"), b = WorkDir("det_b"), c = WorkDir("det_c");
  const std::string common = "train --arch small_cnn --alpha 0.25 " + Data() + " --batch 32 --threads 1 --quiet ";
  ASSERT_EQ(RunCli(common + "--seed 5 --epochs 2 -o " + (a / "m.tflite").string()).code, 0);
  ASSERT_EQ(RunCli(common + "--seed 5 --epochs 2 -o " + (b / "m.tflite").string()).code, 0);
  EXPECT_EQ(ReadAll(a / "m.tflite"), ReadAll(b / "m.tflite")) << "same seed, one thread: same model";
  // One epoch, then resume to two: the same as two at once.
  ASSERT_EQ(RunCli(common + "--seed 5 --epochs 1 -o " + (c / "m.tflite").string()).code, 0);
  const CliResult r = RunCli(common + "--seed 5 --epochs 2 --resume " + (c / "m.ckpt").string() + " -o " + (c / "m.tflite").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ReadAll(a / "m.tflite"), ReadAll(c / "m.tflite")) << "resumed run differs";
  const json ha = json::parse(ReadAll(a / "m.history.json")), hc = json::parse(ReadAll(c / "m.history.json"));
  ASSERT_EQ(hc.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(ha[i]["loss"], hc[i]["loss"]);
    EXPECT_EQ(ha[i]["val_accuracy"], hc[i]["val_accuracy"]);
  }
  // Another seed gives another model.
  const fs::path e = WorkDir("det_e");
  ASSERT_EQ(RunCli(common + "--epochs 1 --seed 6 -o " + (e / "m.tflite").string()).code, 0);
  EXPECT_NE(ReadAll(e / "m.tflite"), ReadAll(c / "m.tflite"));
}

TEST_F(TrainCli, SigintSavesACheckpointAndResumes) {
  const fs::path d = WorkDir("sigint");
  const std::string cmd = "exec " + std::string(LITEOPT_EXE) + " train --arch small_cnn " + Data() +
                          " --epochs 50 --threads 1 --quiet -o " + (d / "m.tflite").string() + " >/dev/null 2>" +
                          (d / "err.txt").string();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Let it finish at least one epoch, then Ctrl-C.
  for (int i = 0; i < 600 && !fs::exists(d / "m.history.csv"); ++i) usleep(100000);
  ::kill(pid, SIGINT);
  int status = 0;
  for (int i = 0; i < 600 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) usleep(100000);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << "exit status " << status;
  const std::string err = ReadAll(d / "err.txt");
  EXPECT_NE(err.find("interrupted: checkpoint saved"), std::string::npos) << err;
  EXPECT_TRUE(fs::exists(d / "m.ckpt"));
  EXPECT_TRUE(fs::exists(d / "m.tflite"));
  const CliResult r = RunCli("train --arch small_cnn " + Data() + " --epochs 2 --threads 1 --quiet --resume " +
                             (d / "m.ckpt").string() + " -o " + (d / "m.tflite").string());
  // Either it resumes and finishes epoch 2, or the checkpoint is already past it.
  EXPECT_TRUE(r.code == 0 || r.err.find("already done") != std::string::npos) << r.err;
}

TEST_F(TrainCli, BadInputGivesClearErrors) {
  const fs::path d = WorkDir("bad");
  // A single class.
  {
    std::ofstream f(d / "one.csv");
    f << "filename,label\n" << (data_ / "images/train/00000.png").string() << ",x\n"
      << (data_ / "images/train/00001.png").string() << ",x\n";
  }
  CliResult r = RunCli("train --arch small_cnn --data " + (d / "one.csv").string() + " -o " + (d / "m.tflite").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("single class"), std::string::npos) << r.err;
  // A validation label the training set does not have.
  {
    std::ofstream f(d / "val.csv");
    f << "filename,label\n" << (data_ / "images/train/00000.png").string() << ",Coat\n";
  }
  r = RunCli("train --arch small_cnn --data " + (data_ / "train.csv").string() + " --val " + (d / "val.csv").string() +
             " -o " + (d / "m.tflite").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not one of the 4 training labels"), std::string::npos) << r.err;
  // Unwritable / missing output directory.
  r = RunCli("train --arch small_cnn " + Data() + " -o " + (d / "no/such/dir/m.tflite").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  // NaN loss: stops, keeps the last good epoch's files.
  const fs::path n = WorkDir("nan");
  const std::string sgd = "train --arch small_cnn --alpha 0.25 " + Data() + " --optimizer sgd --quiet ";
  ASSERT_EQ(RunCli(sgd + "--epochs 1 --lr 0.01 -o " + (n / "m.tflite").string()).code, 0);
  const std::string model = ReadAll(n / "m.tflite"), checkpoint = ReadAll(n / "m.ckpt");
  r = RunCli(sgd + "--epochs 3 --lr 1e38 --resume " + (n / "m.ckpt").string() + " -o " + (n / "m.tflite").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("the loss became"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("are kept"), std::string::npos) << r.err;
  EXPECT_EQ(ReadAll(n / "m.tflite"), model);
  EXPECT_EQ(ReadAll(n / "m.ckpt"), checkpoint);
  // Resuming with another optimizer.
  r = RunCli("train --arch small_cnn --alpha 0.25 " + Data() + " --epochs 2 --resume " + (n / "m.ckpt").string() +
             " -o " + (d / "m.tflite").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("resume with the same optimizer"), std::string::npos) << r.err;
  // A checkpoint of another architecture.
  r = RunCli("train --arch mobilenet_v2 " + Data() + " --epochs 2 --resume " + (n / "m.ckpt").string() + " -o " +
             (d / "m.tflite").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("is of another model"), std::string::npos) << r.err;
  // Neither --arch nor --init; the plugin missing.
  r = RunCli("train " + Data() + " -o " + (d / "m.tflite").string());
  EXPECT_NE(r.code, 0);
  r = RunCli("train --arch small_cnn " + Data() + " -o " + (d / "m.tflite").string(), "LITEOPT_TRAIN_PLUGIN=/nonexistent.so");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("training support is not built"), std::string::npos) << r.err;
}

TEST_F(TrainCli, ImageSizeMismatchResizesAndSaysSo) {
  const fs::path d = WorkDir("resize");
  const CliResult r = RunCli("train --arch small_cnn --alpha 0.25 --input-size 32x32x3 " + Data() +
                             " --epochs 1 --max-steps 2 -o " + (d / "m.tflite").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("resizing every image"), std::string::npos) << r.err;
  auto g = io::tflite::ReadTfliteFile((d / "m.tflite").string());
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)->main().tensors[(*g)->main().inputs[0]].shape, (std::vector<int32_t>{1, 32, 32, 3}));
}

TEST_F(TrainCli, FineTunesAFixtureModelWithANewHead) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  const fs::path d = WorkDir("finetune");
  const std::string init = testing::FixturesDir() + "/tflite/tflite2onnx_ops/mobilenet_v1_0.25_128_float.tflite";
  const CliResult r = RunCli("train --init " + init + " --freeze-until 20 " + Data() +
                             " --epochs 1 --max-steps 3 --batch 8 --threads 1 -o " + (d / "m.tflite").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("new classifier head"), std::string::npos) << r.err;
  auto interp = runtime::Interpreter::FromFile((d / "m.tflite").string());
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  EXPECT_EQ((*interp)->output(0).shape.back(), 4);
}

// `liteopt inspect` and `run` must not load libtorch.
TEST(TrainPlugin, OtherCommandsDoNotLoadTorch) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  const std::string model = testing::FixturesDir() + "/tflite/litert/testdata/add.tflite";
  CliResult r = RunCli("inspect " + model + " 2>&1", "LD_DEBUG=files");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.find("libtorch"), std::string::npos);
  EXPECT_EQ(r.err.find("libtorch"), std::string::npos);
  EXPECT_EQ(r.err.find("liteopt_train"), std::string::npos);
  // While `train` does (it fails on the missing CSV after loading the plugin).
  r = RunCli("train --arch small_cnn --data /nonexistent.csv -o /tmp/x.tflite", "LD_DEBUG=files");
  EXPECT_NE(r.err.find("libtorch"), std::string::npos);
}

}  // namespace
}  // namespace liteopt::train

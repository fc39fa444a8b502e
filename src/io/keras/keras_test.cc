// The Keras reader on the real .h5 files in ../shared/fixtures/keras: every file reads and runs; the models
// that have an official-converter .tflite give the same outputs (1e-5 of the largest output) and the same
// top-1 on real images; hostile and unsupported inputs give clear errors.
#include "io/keras/reader.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "base/quant_math.h"
#include "common/fixtures.h"
#include "common/oracle.h"
#include "data/npy.h"
#include "data/image.h"
#include "data/resize.h"
#include "io/keras/hdf5_file.h"
#include "io/keras/qat_ranges.h"
#include "io/model_file.h"
#include "io/tflite/reader.h"
#include "io/tflite/writer.h"
#include "quant/cleanup.h"
#include "quant/convert.h"
#include "runtime/interpreter.h"

namespace liteopt::io::keras {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

#define REQUIRE_FIXTURES() \
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage

std::string Fx(const std::string& rel) { return testing::FixturesDir() + "/" + rel; }

fs::path TempDir(const std::string& name) {
  const fs::path d = fs::path(LITEOPT_BINARY_DIR) / "keras_test_files" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::vector<float> RunModel(const std::shared_ptr<const ir::Graph>& g, const std::vector<float>& input) {
  auto interp = runtime::Interpreter::Create(g);
  EXPECT_TRUE(interp.ok()) << interp.status().message();
  if (!interp.ok()) return {};
  EXPECT_EQ((*interp)->input(0).bytes, input.size() * sizeof(float));
  std::memcpy((*interp)->input_bytes(0), input.data(), std::min((*interp)->input(0).bytes, input.size() * 4));
  EXPECT_TRUE((*interp)->Invoke().ok());
  const ops::TensorRef& out = (*interp)->output(0);
  return std::vector<float>(out.as<float>(), out.as<float>() + out.bytes / 4);
}

// max |a - b| / max |b|.
double RelDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0, m = 1e-30;
  for (size_t i = 0; i < b.size() && i < a.size(); ++i) {
    d = std::max(d, std::abs(static_cast<double>(a[i]) - b[i]));
    m = std::max(m, std::abs(static_cast<double>(b[i])));
  }
  return a.size() == b.size() ? d / m : 1e30;
}

size_t ArgMax(const std::vector<float>& v) { return std::max_element(v.begin(), v.end()) - v.begin(); }

// An image file as the model's input: resized (bilinear) to h x w with c channels, times `scale`.
std::vector<float> ImageInput(const std::string& path, int h, int w, int c, float scale) {
  auto img = data::ReadImage(path);
  EXPECT_TRUE(img.ok()) << path;
  if (!img.ok()) return {};
  auto conv = data::ConvertChannels(*img, c);
  EXPECT_TRUE(conv.ok());
  auto px = data::Resize(*conv, h, w);
  EXPECT_TRUE(px.ok());
  for (float& v : *px) v *= scale;
  return *px;
}

std::vector<std::string> ImagesIn(const std::string& rel_dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(Fx(rel_dir)))
    if (e.path().extension() == ".png" || e.path().extension() == ".jpeg" || e.path().extension() == ".jpg" ||
        e.path().extension() == ".bmp")
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(KerasReader, EveryFullModelFixtureReadsAndRuns) {
  REQUIRE_FIXTURES();
  const char* files[] = {"mlcommons_tiny/vww_96.h5", "mlcommons_tiny/pretrainedResnet.h5",
                         "mlcommons_tiny/trainedResnet_keras3.h5", "community/clarenceee_mnist_cnn.h5",
                         "community/clarenceee_mnist_cnn_pruned_stripped.h5", "community/sheena_mnist_mlp.h5",
                         "community/sheena_mnist_cnn.h5", "community/sheena_mnist_cnn_qat.h5"};
  for (const char* f : files) {
    SCOPED_TRACE(f);
    auto m = ReadKerasFile(Fx(std::string("keras/") + f));
    ASSERT_TRUE(m.ok()) << m.status().message();
    EXPECT_FALSE(m->keras_version.empty());
    EXPECT_EQ(m->backend, "tensorflow");
    const ir::Tensor& in = m->graph->main().tensors[m->graph->main().inputs[0]];
    std::vector<float> x(static_cast<size_t>(ir::NumElements(in.shape)), 0.5f);
    const auto y = RunModel(m->graph, x);
    ASSERT_FALSE(y.empty());
    for (float v : y) EXPECT_TRUE(std::isfinite(v));
  }
}

TEST(KerasReader, ReportsVersionsLossAndFoldsBatchNorm) {
  REQUIRE_FIXTURES();
  auto m = ReadKerasFile(Fx("keras/mlcommons_tiny/vww_96.h5"));
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->keras_version, "2.4.0");
  EXPECT_EQ(m->model_class, "Functional");
  EXPECT_EQ(m->loss, "categorical_crossentropy");
  EXPECT_EQ(m->folded_ops, 2 * 27);  // 27 BatchNormalization layers, all after a conv
  std::map<ir::OpType, int> ops;
  for (const ir::Op& op : m->graph->main().ops) ++ops[op.type];
  EXPECT_EQ(ops[ir::OpType::CONV_2D], 14);
  EXPECT_EQ(ops[ir::OpType::DEPTHWISE_CONV_2D], 13);
  EXPECT_EQ(ops.count(ir::OpType::MUL), 0u);
  EXPECT_EQ(ops.count(ir::OpType::RELU), 0u);  // fused
  auto k3 = ReadKerasFile(Fx("keras/mlcommons_tiny/trainedResnet_keras3.h5"));
  ASSERT_TRUE(k3.ok()) << k3.status().message();
  EXPECT_EQ(k3->keras_version, "3.7.0");
}

struct Pair {
  const char* h5;
  const char* tflite;
  const char* images;
  int h, w, c;
  float scale;  // pixel values 0..255 times this
};

// The official converter's float .tflite and ours, both run in liteopt's interpreter.
TEST(KerasReader, MatchesTheOfficialConverterOnRealImages) {
  REQUIRE_FIXTURES();
  const Pair pairs[] = {
      {"keras/mlcommons_tiny/vww_96.h5", "tflite/mlcommons_tiny/vww_96_float.tflite", "images/litert_mini_benchmark",
       96, 96, 3, 1.0f / 255},
      {"keras/mlcommons_tiny/pretrainedResnet.h5", "tflite/mlcommons_tiny/pretrainedResnet_float.tflite",
       "images/litert_mini_benchmark", 32, 32, 3, 1.0f},
      {"keras/community/clarenceee_mnist_cnn.h5", "tflite/community/clarenceee_mnist_cnn_float.tflite",
       "images/tflm_mnist", 28, 28, 1, 1.0f / 255},
      {"keras/community/sheena_mnist_mlp.h5", "tflite/community/sheena_mnist_mlp_float.tflite", "images/tflm_mnist",
       28, 28, 1, 1.0f / 255},
  };
  for (const Pair& p : pairs) {
    SCOPED_TRACE(p.h5);
    auto ours = ReadKerasFile(Fx(p.h5));
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    auto official = tflite::ReadTfliteFile(Fx(p.tflite));
    ASSERT_TRUE(official.ok());
    // Written and read back, as `liteopt convert model.h5 -o model.tflite` does.
    const fs::path dir = TempDir(testing::Slug(p.h5));
    ASSERT_TRUE(tflite::WriteTfliteFile(*ours->graph, (dir / "model.tflite").string()).ok());
    auto written = tflite::ReadTfliteFile((dir / "model.tflite").string());
    ASSERT_TRUE(written.ok()) << written.status().message();
    std::vector<std::vector<float>> inputs;
    for (const std::string& img : ImagesIn(p.images)) inputs.push_back(ImageInput(img, p.h, p.w, p.c, p.scale));
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> u(0.0f, 255.0f * p.scale);
    for (int s = 0; s < 4; ++s) {
      std::vector<float> x(static_cast<size_t>(p.h) * p.w * p.c);
      for (float& v : x) v = u(rng);
      inputs.push_back(std::move(x));
    }
    double worst = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto want = RunModel(*official, inputs[i]);
      const auto got = RunModel(*written, inputs[i]);
      ASSERT_EQ(got.size(), want.size());
      const double rel = RelDiff(got, want);
      worst = std::max(worst, rel);
      EXPECT_LE(rel, 1e-5) << "input " << i;
      EXPECT_EQ(ArgMax(got), ArgMax(want)) << "input " << i;
      EXPECT_EQ(RunModel(ours->graph, inputs[i]), got) << "the written file computes something else";
    }
    std::printf("%s vs %s: %zu inputs, max |diff| / max |output| = %.3g\n", p.h5, p.tflite, inputs.size(), worst);
  }
}

// The MNIST samples are labelled by their file name: the Keras models classify them as the official .tflite does
// (checked above) and mostly correctly.
TEST(KerasReader, ClassifiesTheMnistSamples) {
  REQUIRE_FIXTURES();
  auto m = ReadKerasFile(Fx("keras/community/clarenceee_mnist_cnn.h5"));
  ASSERT_TRUE(m.ok()) << m.status().message();
  int correct = 0;
  for (int d = 0; d < 10; ++d) {
    const auto y = RunModel(m->graph, ImageInput(Fx("images/tflm_mnist/sample" + std::to_string(d) + ".png"), 28, 28, 1,
                                            1.0f / 255));
    correct += static_cast<int>(ArgMax(y)) == d;
  }
  EXPECT_GE(correct, 9);
}

std::string ModelConfigOf(const std::string& h5) {
  auto lock = internal::Hdf5Lock();
  auto f = internal::H5File::Open(h5);
  EXPECT_TRUE(f.ok());
  auto s = (*f)->StringAttribute("", "model_config");
  EXPECT_TRUE(s.ok());
  return s.ok() ? *s : "";
}

std::string WriteText(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

TEST(KerasReader, WeightsOnlyFilesWithAJsonConfig) {
  REQUIRE_FIXTURES();
  const fs::path dir = TempDir("weights_only");
  const std::string weights = Fx("keras/community/clarenceee_mnist_cnn_weights_only.h5");
  auto no_config = ReadKerasFile(weights);
  ASSERT_FALSE(no_config.ok());
  EXPECT_NE(no_config.status().message().find("--config"), std::string::npos) << no_config.status().message();

  KerasReadOptions o;
  o.config_path = WriteText(dir / "model.json", ModelConfigOf(Fx("keras/community/clarenceee_mnist_cnn.h5")));
  auto m = ReadKerasFile(weights, o);
  ASSERT_TRUE(m.ok()) << m.status().message();
  // The file holds the net's initial (untrained) weights: the dense layer's are the dataset, transposed.
  std::vector<float> kernel;
  {
    auto lock = internal::Hdf5Lock();
    auto f = internal::H5File::Open(weights);
    ASSERT_TRUE(f.ok());
    auto k = (*f)->ReadFloats("dense/dense/kernel:0");
    ASSERT_TRUE(k.ok());
    ASSERT_EQ(k->shape, (std::vector<int64_t>{2028, 10}));
    kernel = k->values;
  }
  const ir::Subgraph& sg = m->graph->main();
  const auto fc = std::find_if(sg.ops.begin(), sg.ops.end(),
                               [](const ir::Op& op) { return op.type == ir::OpType::FULLY_CONNECTED; });
  ASSERT_NE(fc, sg.ops.end());
  const ir::Buffer& w = m->graph->data(sg.tensors[fc->inputs[1]]);
  ASSERT_EQ(w.size, kernel.size() * 4);
  const float* wf = reinterpret_cast<const float*>(w.data);
  for (int o = 0; o < 10; ++o)
    for (int i = 0; i < 2028; ++i) ASSERT_EQ(wf[o * 2028 + i], kernel[i * 10 + o]);

  // Very old Keras (2.0.x) to_json() + save_weights() pairs: Model / list-style Sequential configs.
  for (const char* name : {"KERAS_3layer", "KERAS_conv2d_model", "KERAS_3layer_batch_norm"}) {
    SCOPED_TRACE(name);
    KerasReadOptions ho;
    ho.config_path = Fx(std::string("keras/hls4ml/") + name + ".json");
    auto h = ReadModelFile(Fx(std::string("keras/hls4ml/") + name + "_weights.h5"), {ho.config_path});
    ASSERT_TRUE(h.ok()) << h.status().message();
    const ir::Tensor& in = (*h)->main().tensors[(*h)->main().inputs[0]];
    const auto y = RunModel(*h, std::vector<float>(static_cast<size_t>(ir::NumElements(in.shape)), 0.25f));
    ASSERT_FALSE(y.empty());
    double sum = 0;
    for (float v : y) sum += v;
    EXPECT_NEAR(sum, 1.0, 1e-5);  // all three end in softmax
  }
}

// The .tflite files written from the Keras models load in the official TensorFlow Lite runtime (the Node.js
// oracle of tests/conformance) and agree with liteopt within the conformance criterion (1e-4 of the largest
// output) on the oracle's deterministic inputs.
TEST(KerasReader, WrittenModelsRunInTheOfficialRuntime) {
  REQUIRE_FIXTURES();
  const std::string oracle = std::string(LITEOPT_SOURCE_DIR) + "/tests/conformance/oracle";
  if (std::system("node --version > /dev/null 2>&1") != 0 || !fs::is_directory(oracle + "/node_modules"))
    GTEST_SKIP() << "Node.js or the oracle's node_modules missing (scripts/install-deps.sh)";
  const char* models[] = {"mlcommons_tiny/vww_96.h5", "mlcommons_tiny/pretrainedResnet.h5",
                          "mlcommons_tiny/trainedResnet_keras3.h5", "community/clarenceee_mnist_cnn.h5",
                          "community/sheena_mnist_mlp.h5", "community/sheena_mnist_cnn.h5",
                          "community/sheena_mnist_cnn_qat.h5"};
  const fs::path root = TempDir("oracle");
  json jobs = json::array();
  std::vector<std::shared_ptr<ir::Graph>> graphs;
  for (const char* rel : models) {
    auto m = ReadKerasFile(Fx(std::string("keras/") + rel));
    ASSERT_TRUE(m.ok()) << m.status().message();
    const fs::path dir = root / testing::Slug(rel);
    fs::create_directories(dir);
    ASSERT_TRUE(tflite::WriteTfliteFile(*m->graph, (dir / "model.tflite").string()).ok());
    jobs.push_back({{"model", (dir / "model.tflite").string()}, {"gen_inputs", (dir / "in").string()},
                    {"out_dir", (dir / "out").string()}, {"id", rel}});
    graphs.push_back(m->graph);
  }
  WriteText(root / "jobs.json", jobs.dump());
  const std::string cmd = "node '" + oracle + "/oracle.mjs' --batch < '" + (root / "jobs.json").string() + "' > '" +
                          (root / "results.txt").string() + "' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "see " << (root / "results.txt");
  for (size_t k = 0; k < graphs.size(); ++k) {
    SCOPED_TRACE(models[k]);
    const fs::path dir = root / testing::Slug(models[k]);
    auto in = data::ReadNpy((dir / "in" / "input_0.npy").string());
    auto want = data::ReadNpy((dir / "out" / "output_0.npy").string());
    ASSERT_TRUE(in.ok() && want.ok()) << "the official runtime did not run it: see " << (root / "results.txt");
    std::vector<float> x(in->data.size() / 4), ref(want->data.size() / 4);
    std::memcpy(x.data(), in->data.data(), in->data.size());
    std::memcpy(ref.data(), want->data.data(), want->data.size());
    const double rel = RelDiff(RunModel(graphs[k], x), ref);
    EXPECT_LE(rel, 1e-4);
    std::printf("%s: official runtime vs liteopt, max |diff| / max |output| = %.3g\n", models[k], rel);
  }
}

// ---- TFMOT quantization-aware training: the learned ranges give the int8 model, no recalibration ----

const ir::Tensor* TensorNamed(const ir::Graph& g, const std::string& name) {
  for (const ir::Tensor& t : g.main().tensors)
    if (t.name == name) return &t;
  return nullptr;
}

// The QAT fixture (QuantizeLayer + QuantizeWrapperV2 around Reshape, Conv2D, MaxPooling2D, Flatten, Dense) as
// `liteopt convert --optimize default` converts it: cleaned graph, activation ranges from the learned ones.
struct QatInt8 {
  KerasModel keras;
  std::shared_ptr<ir::Graph> int8;
};
QatInt8 ConvertQatFixture() {
  QatInt8 out;
  auto m = ReadKerasFile(Fx("keras/community/sheena_mnist_cnn_qat.h5"));
  EXPECT_TRUE(m.ok()) << m.status().message();
  if (!m.ok()) return out;
  out.keras = *m;
  ir::Graph cleaned = *m->graph;
  quant::CleanupOptions co;
  co.fold_dequantize = true;
  EXPECT_TRUE(quant::CleanupGraph(cleaned, co).ok());
  const ResolvedRanges r = ResolveQatRanges(cleaned, m->qat_ranges);
  EXPECT_TRUE(r.missing.empty()) << DescribeTensors(cleaned, r.missing);
  EXPECT_EQ(r.learned, 3);  // input, conv2d (after relu), dense
  EXPECT_EQ(r.derived, 3);  // reshape, max pooling, flatten share their input's
  quant::ConvertOptions o;
  o.mode = quant::Mode::kFullInteger;
  o.activation_ranges.resize(r.by_tensor.size());
  for (size_t t = 0; t < r.by_tensor.size(); ++t)
    if (r.by_tensor[t]) o.activation_ranges[t] = {true, r.by_tensor[t]->first, r.by_tensor[t]->second};
  auto q = quant::Convert(cleaned, o);
  EXPECT_TRUE(q.ok()) << q.status().message();
  if (q.ok()) out.int8 = std::make_shared<ir::Graph>(std::move(*q));
  return out;
}

TEST(KerasQat, LearnedRangesSetTheInt8Parameters) {
  REQUIRE_FIXTURES();
  QatInt8 q = ConvertQatFixture();
  ASSERT_TRUE(q.int8);
  const auto& ranges = q.keras.qat_ranges;
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges.at("input_1"), std::make_pair(0.0f, 1.0f));  // quantize_layer_min / _max
  // Activations: ChooseQuantizationParams of the stored ranges ((max - min) / 255, nudged zero point).
  for (const char* name : {"quant_conv2d", "quant_dense"}) {
    SCOPED_TRACE(name);
    const ir::Tensor* t = TensorNamed(*q.int8, std::string(name) + (std::string(name) == "quant_dense" ? "_int8" : ""));
    ASSERT_NE(t, nullptr);
    ASSERT_EQ(t->dtype, DType::kInt8);
    const auto [lo, hi] = ranges.at(name);
    float scale = 0;
    int32_t zp = 0;
    qmath::ChooseQuantizationParams(lo, hi, -128, 127, &scale, &zp);
    EXPECT_FLOAT_EQ(t->quant.scale[0], scale);
    EXPECT_NEAR(t->quant.scale[0], (hi - lo) / 255.0f, 1e-6f);
    EXPECT_EQ(t->quant.zero_point[0], zp);
  }
  const ir::Tensor* in = TensorNamed(*q.int8, "input_1_int8");
  ASSERT_NE(in, nullptr);
  EXPECT_FLOAT_EQ(in->quant.scale[0], 1.0f / 255);
  EXPECT_EQ(in->quant.zero_point[0], -128);
  // Weights: the learned per-channel kernel_max / 127 (TFLite's conversion of the FakeQuant op).
  auto lock = internal::Hdf5Lock();
  auto f = internal::H5File::Open(Fx("keras/community/sheena_mnist_cnn_qat.h5"));
  ASSERT_TRUE(f.ok());
  auto kmax = (*f)->ReadFloats("model_weights/quant_conv2d/quant_conv2d/kernel_max:0");
  ASSERT_TRUE(kmax.ok());
  const ir::Tensor* k = TensorNamed(*q.int8, "quant_conv2d/kernel");
  ASSERT_NE(k, nullptr);
  ASSERT_EQ(k->quant.scale.size(), kmax->values.size());
  for (size_t c = 0; c < kmax->values.size(); ++c) EXPECT_NEAR(k->quant.scale[c], kmax->values[c] / 127, 1e-6f * kmax->values[c]);
}

// Smoke test of accuracy on the MNIST digits: the int8 model picks the digit on every sample, as the QAT float
// model does, and the official runtime gives the same outputs as liteopt on them.
TEST(KerasQat, Int8ModelClassifiesDigitsLikeTheFloatModelInBothRuntimes) {
  REQUIRE_FIXTURES();
  QatInt8 q = ConvertQatFixture();
  ASSERT_TRUE(q.int8);
  const fs::path dir = TempDir("qat");
  ASSERT_TRUE(tflite::WriteTfliteFile(*q.int8, (dir / "model.tflite").string()).ok());
  std::vector<nlohmann::json> jobs;
  std::vector<std::vector<float>> liteopt_out;
  for (int digit = 0; digit < 10; ++digit) {
    SCOPED_TRACE(digit);
    const std::vector<float> x =
        ImageInput(Fx("images/tflm_mnist/sample" + std::to_string(digit) + ".png"), 28, 28, 1, 1.0f / 255);
    const auto y_float = RunModel(q.keras.graph, x);
    liteopt_out.push_back(RunModel(q.int8, x));
    EXPECT_EQ(ArgMax(y_float), static_cast<size_t>(digit));
    EXPECT_EQ(ArgMax(liteopt_out.back()), static_cast<size_t>(digit));
    const std::string in = (dir / ("in" + std::to_string(digit) + ".npy")).string();
    ASSERT_TRUE(data::WriteNpy(in, DType::kFloat32, {1, 28, 28}, x.data(), x.size() * 4).ok());
    jobs.push_back({{"model", (dir / "model.tflite").string()}, {"inputs", {in}},
                    {"out_dir", (dir / ("out" + std::to_string(digit))).string()}});
  }
  if (!testing::HaveOracle()) GTEST_SKIP() << testing::kNoOracleMessage;
  const auto results = testing::RunOracleBatch(jobs, dir);
  ASSERT_EQ(results.size(), jobs.size());
  for (int digit = 0; digit < 10; ++digit) {
    SCOPED_TRACE(digit);
    auto want = data::ReadNpy((dir / ("out" + std::to_string(digit)) / "output_0.npy").string());
    ASSERT_TRUE(want.ok()) << results[digit].dump();
    std::vector<float> ref(want->data.size() / 4);
    std::memcpy(ref.data(), want->data.data(), want->data.size());
    EXPECT_EQ(liteopt_out[digit], ref);  // int8 arithmetic: identical, dequantized the same way
  }
}

// ---- nested models and pruning wrappers (no public fixture has them: built from the MNIST CNN's weights) ----

void WriteStrings(hid_t obj, const char* name, const std::vector<std::string>& v, bool scalar) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  const hsize_t n = v.size();
  hid_t space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr);
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, type, ptrs.data());
  H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
}

// A Sequential holding a nested Sequential "base" (reshape, conv2d, max_pooling2d), then flatten and the dense
// layer inside TFMOT's PruneLowMagnitude with a mask that drops every third weight. Returns the mask.
std::vector<float> WriteNestedPrunedModel(const std::string& path) {
  const std::string src_path = Fx("keras/community/clarenceee_mnist_cnn.h5");
  json src = json::parse(ModelConfigOf(src_path));
  json layers = src["config"]["layers"];  // input_1, reshape, conv2d, max_pooling2d, flatten, dense
  json base = {{"class_name", "Sequential"},
               {"config", {{"name", "base"}, {"layers", json::array({layers[0], layers[1], layers[2], layers[3]})}}}};
  base["config"]["layers"][0]["config"]["name"] = "base_input";
  json wrapper = {{"class_name", "PruneLowMagnitude"},
                  {"config", {{"name", "prune_low_magnitude_dense"}, {"layer", layers[5]}}}};
  json model = {{"class_name", "Sequential"},
                {"config", {{"name", "outer"}, {"layers", json::array({layers[0], base, layers[4], wrapper})}}}};
  auto lock = internal::Hdf5Lock();
  hid_t src_f = H5Fopen(src_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  WriteStrings(f, "keras_version", {"2.10.0"}, true);
  WriteStrings(f, "backend", {"tensorflow"}, true);
  WriteStrings(f, "model_config", {model.dump()}, true);
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t mw = H5Gcreate2(f, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  WriteStrings(mw, "layer_names", {"base", "flatten", "prune_low_magnitude_dense"}, false);
  H5Ocopy(src_f, "model_weights/conv2d/conv2d", f, "model_weights/base/conv2d", H5P_DEFAULT, lcpl);
  H5Ocopy(src_f, "model_weights/dense/dense", f, "model_weights/prune_low_magnitude_dense/dense", H5P_DEFAULT, lcpl);
  hid_t g = H5Gopen2(f, "model_weights/base", H5P_DEFAULT);
  WriteStrings(g, "weight_names", {"conv2d/kernel:0", "conv2d/bias:0"}, false);
  H5Gclose(g);
  g = H5Gopen2(f, "model_weights/prune_low_magnitude_dense", H5P_DEFAULT);
  WriteStrings(g, "weight_names", {"dense/kernel:0", "dense/bias:0", "prune_low_magnitude_dense/mask:0"}, false);
  std::vector<float> mask(2028 * 10);
  for (size_t i = 0; i < mask.size(); ++i) mask[i] = i % 3 == 0 ? 0.0f : 1.0f;
  const hsize_t dims[2] = {2028, 10};
  hid_t space = H5Screate_simple(2, dims, nullptr);
  hid_t d = H5Dcreate2(g, "prune_low_magnitude_dense/mask:0", H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, mask.data());
  H5Dclose(d);
  H5Sclose(space);
  H5Gclose(g);
  H5Gclose(mw);
  H5Pclose(lcpl);
  H5Fclose(f);
  H5Fclose(src_f);
  return mask;
}

TEST(KerasReader, NestedModelsAndPruningWrappers) {
  REQUIRE_FIXTURES();
  const fs::path dir = TempDir("nested");
  const std::string path = (dir / "nested_pruned.h5").string();
  const std::vector<float> mask = WriteNestedPrunedModel(path);
  auto m = ReadKerasFile(path);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const auto& tensors = m->graph->main().tensors;
  EXPECT_TRUE(std::any_of(tensors.begin(), tensors.end(), [](const ir::Tensor& t) { return t.name == "base/conv2d"; }));
  // The same as the original model with the dense kernel masked.
  auto ref = ReadKerasFile(Fx("keras/community/clarenceee_mnist_cnn.h5"));
  ASSERT_TRUE(ref.ok());
  ir::Graph masked = *ref->graph;
  for (const ir::Op& op : masked.main().ops) {
    if (op.type != ir::OpType::FULLY_CONNECTED) continue;
    ir::Tensor& w = masked.main().tensors[op.inputs[1]];
    const ir::Buffer& b = masked.data(w);
    std::vector<float> v(b.size / 4);
    std::memcpy(v.data(), b.data, b.size);
    for (int o = 0; o < 10; ++o)
      for (int i = 0; i < 2028; ++i) v[o * 2028 + i] *= mask[i * 10 + o];
    std::vector<uint8_t> bytes(b.size);
    std::memcpy(bytes.data(), v.data(), bytes.size());
    w.buffer = static_cast<int32_t>(masked.buffers.size());
    masked.buffers.push_back(ir::Buffer::Owned(std::move(bytes)));
  }
  auto masked_graph = std::make_shared<const ir::Graph>(std::move(masked));
  for (int d = 0; d < 10; ++d) {
    const auto x = ImageInput(Fx("images/tflm_mnist/sample" + std::to_string(d) + ".png"), 28, 28, 1, 1.0f / 255);
    EXPECT_EQ(RunModel(m->graph, x), RunModel(masked_graph, x)) << "sample " << d;
  }
}

// ---- bad input ----

std::string ErrorOf(const std::string& path, const KerasReadOptions& o = {}) {
  auto m = ReadKerasFile(path, o);
  EXPECT_FALSE(m.ok()) << path;
  return m.ok() ? std::string() : m.status().message();
}

TEST(KerasReaderBadInput, TruncatedCopiesAreRejected) {
  REQUIRE_FIXTURES();
  const fs::path dir = TempDir("truncated");
  std::ifstream in(Fx("keras/community/clarenceee_mnist_cnn.h5"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t n : {size_t{0}, size_t{7}, size_t{64}, size_t{1000}, size_t{4096}, bytes.size() / 2, bytes.size() - 1}) {
    SCOPED_TRACE(n);
    const std::string p = WriteText(dir / ("cut_" + std::to_string(n) + ".h5"), bytes.substr(0, n));
    const std::string e = ErrorOf(p);
    EXPECT_EQ(e.rfind(p, 0), 0u) << "the message names the file: " << e;
  }
}

TEST(KerasReaderBadInput, OtherFormats) {
  REQUIRE_FIXTURES();
  const fs::path dir = TempDir("formats");
  fs::copy_file(Fx("tflite/mlcommons_tiny/vww_96_float.tflite"), dir / "model.h5");
  EXPECT_NE(ErrorOf((dir / "model.h5").string()).find("not an HDF5 file"), std::string::npos);
  const std::string zip = WriteText(dir / "model.keras", std::string("PK\x03\x04", 4) + std::string(60, '\0'));
  EXPECT_NE(ErrorOf(zip).find("Keras 3 .keras"), std::string::npos);
  auto via_dispatch = ReadModelFile(zip);
  ASSERT_FALSE(via_dispatch.ok());
  EXPECT_EQ(via_dispatch.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(ErrorOf((dir / "missing.h5").string()).find("cannot open"), std::string::npos);
  // The .tflite reader still gets .tflite files through the same entry point.
  EXPECT_TRUE(ReadModelFile(Fx("tflite/mlcommons_tiny/vww_96_float.tflite")).ok());
}

// A config derived from the real one, edited by `edit`, used as --config for the weights-only file.
std::string EditedConfig(const fs::path& dir, const std::function<void(json&)>& edit) {
  json j = json::parse(ModelConfigOf(Fx("keras/community/clarenceee_mnist_cnn.h5")));
  edit(j);
  return WriteText(dir / "edited.json", j.dump());
}

json& LayerNamed(json& model, const std::string& name) {
  for (json& l : model["config"]["layers"])
    if (l["config"].value("name", "") == name) return l;
  throw std::runtime_error("no layer " + name);
}

TEST(KerasReaderBadInput, ConfigAndWeightsDisagree) {
  REQUIRE_FIXTURES();
  const fs::path dir = TempDir("mismatch");
  KerasReadOptions o;
  o.config_path = EditedConfig(dir, [](json& j) { LayerNamed(j, "conv2d")["config"]["filters"] = 8; });
  const std::string e = ErrorOf(Fx("keras/community/clarenceee_mnist_cnn_weights_only.h5"), o);
  EXPECT_NE(e.find("Conv2D 'conv2d'"), std::string::npos) << e;
  EXPECT_NE(e.find("has shape [3,3,1,12]"), std::string::npos) << e;
  EXPECT_NE(e.find("[3,3,1,8]"), std::string::npos) << e;
}

TEST(KerasReaderBadInput, EveryUnsupportedLayerInOneError) {
  REQUIRE_FIXTURES();
  const fs::path dir = TempDir("unsupported");
  KerasReadOptions o;
  o.config_path = EditedConfig(dir, [](json& j) {
    LayerNamed(j, "reshape")["class_name"] = "Lambda";
    LayerNamed(j, "max_pooling2d")["class_name"] = "Conv3D";
    LayerNamed(j, "dense")["config"]["activation"] = "gelu";
  });
  const std::string e = ErrorOf(Fx("keras/community/clarenceee_mnist_cnn_weights_only.h5"), o);
  EXPECT_NE(e.find("3 unsupported layers"), std::string::npos) << e;
  EXPECT_NE(e.find("Lambda 'reshape'"), std::string::npos) << e;
  EXPECT_NE(e.find("Conv3D 'max_pooling2d'"), std::string::npos) << e;
  EXPECT_NE(e.find("Dense 'dense' (activation 'gelu')"), std::string::npos) << e;
}

TEST(KerasReaderBadInput, ChannelsFirst) {
  REQUIRE_FIXTURES();
  const fs::path dir = TempDir("channels_first");
  KerasReadOptions o;
  o.config_path = EditedConfig(dir, [](json& j) { LayerNamed(j, "conv2d")["config"]["data_format"] = "channels_first"; });
  const std::string e = ErrorOf(Fx("keras/community/clarenceee_mnist_cnn_weights_only.h5"), o);
  EXPECT_NE(e.find("channels-first"), std::string::npos) << e;
  EXPECT_NE(e.find("Conv2D 'conv2d'"), std::string::npos) << e;
}

TEST(KerasReaderBadInput, MalformedConfigs) {
  REQUIRE_FIXTURES();
  const fs::path dir = TempDir("malformed");
  const std::string weights = Fx("keras/community/clarenceee_mnist_cnn_weights_only.h5");
  KerasReadOptions o;
  o.config_path = WriteText(dir / "bad.json", "{\"class_name\": ");
  EXPECT_NE(ErrorOf(weights, o).find("not valid JSON"), std::string::npos);
  const std::function<void(json&)> edits[] = {
      [](json& j) { j["config"]["layers"] = 5; },
      [](json& j) { LayerNamed(j, "conv2d")["config"]["kernel_size"] = "big"; },
      [](json& j) { LayerNamed(j, "conv2d")["config"]["strides"] = json::array({0, 1}); },
      [](json& j) { LayerNamed(j, "input_1")["config"]["batch_input_shape"] = json::array({nullptr, nullptr, 28}); },
      [](json& j) { LayerNamed(j, "reshape")["config"]["target_shape"] = json::array({5, 5, 5}); },
      [](json& j) { LayerNamed(j, "dense")["config"]["units"] = -3; },
      [](json& j) { j["class_name"] = "Dense"; },
  };
  for (const auto& edit : edits) {
    o.config_path = EditedConfig(dir, edit);
    EXPECT_FALSE(ErrorOf(weights, o).empty());
  }
}

}  // namespace
}  // namespace liteopt::io::keras

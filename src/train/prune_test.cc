// Pruning: TFMOT's schedule formulas at chosen steps, masks at the target sparsity per layer on a real model,
// zeros that survive export, and `liteopt prune` end to end on Fashion-MNIST (the written sparse int8 file in
// our interpreter and in the official runtime, its size against the dense int8 file), with its clear errors.
#include <gtest/gtest.h>
#include <torch/optim/adam.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "common/cli_runner.h"
#include "common/deterministic_inputs.h"
#include "common/fixtures.h"
#include "common/oracle.h"
#include "data/npy.h"
#include "io/tflite/reader.h"
#include "io/tflite/sparse.h"
#include "runtime/interpreter.h"
#include "train/model.h"
#include "train/prune.h"

namespace liteopt::train {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------------------------
// Schedules. Expected values are computed here from TFMOT's definitions (prune_api.h):
//   PolynomialDecay: sparsity = final + (initial - final) * (1 - p)^power, p = clip((step - begin) / (end - begin))
//   masks update when begin <= step <= end and (step - begin) % frequency == 0.

ResolvedSchedule Resolve(const PruneSchedule& s, int64_t total) {
  auto r = ResolveSchedule(s, total);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : ResolvedSchedule{};
}

TEST(PruneSchedule, PolynomialDecayMatchesTfmotsFormula) {
  PruneSchedule s;
  s.initial_sparsity = 0.1;
  s.target_sparsity = 0.8;
  s.begin_step = 100;
  s.end_step = 1100;
  s.power = 3;
  s.frequency = 100;
  const ResolvedSchedule r = Resolve(s, 2000);
  auto formula = [](int64_t step) {
    const double p = std::min(1.0, std::max(0.0, (step - 100) / 1000.0));
    return 0.8 + (0.1 - 0.8) * std::pow(1 - p, 3);
  };
  struct Point {
    int64_t step;
    bool update;
  };
  for (const Point& pt : {Point{0, false}, Point{99, false}, Point{100, true}, Point{150, false}, Point{600, true},
                          Point{650, false}, Point{1000, true}, Point{1100, true}, Point{1200, false}}) {
    const auto [update, sparsity] = SparsityAt(r, pt.step);
    EXPECT_EQ(update, pt.update) << "step " << pt.step;
    EXPECT_NEAR(sparsity, formula(pt.step), 1e-12) << "step " << pt.step;
  }
  // Hand values: p = 0.5 at step 600: 0.8 - 0.7 * 0.125; the end and beyond: the final sparsity.
  EXPECT_NEAR(SparsityAt(r, 600).second, 0.7125, 1e-12);
  EXPECT_NEAR(SparsityAt(r, 100).second, 0.1, 1e-12);
  EXPECT_NEAR(SparsityAt(r, 5000).second, 0.8, 1e-12);
  EXPECT_EQ(r.last_update_step, 1100);
  EXPECT_NEAR(r.final_sparsity, 0.8, 1e-12);
  EXPECT_TRUE(r.note.empty());

  // end - begin not a multiple of the frequency: the last update is before end_step, below the target (TFMOT).
  s.end_step = 1050;
  const ResolvedSchedule r2 = Resolve(s, 2000);
  EXPECT_EQ(r2.last_update_step, 1000);
  EXPECT_NEAR(r2.final_sparsity, 0.8 - 0.7 * std::pow(1 - 900.0 / 950.0, 3), 1e-12);
  EXPECT_FALSE(r2.note.empty());
}

TEST(PruneSchedule, ConstantSparsityMatchesTfmot) {
  PruneSchedule s;
  s.kind = "constant";
  s.target_sparsity = 0.5;
  s.begin_step = 200;
  s.frequency = 100;
  ResolvedSchedule r = Resolve(s, 1000);  // end_step -1: until the end of training
  EXPECT_EQ(r.s.end_step, -1);
  for (int64_t step : {200, 300, 900, 100000}) EXPECT_EQ(SparsityAt(r, step), std::make_pair(true, 0.5)) << step;
  for (int64_t step : {0, 100, 250, 999}) EXPECT_FALSE(SparsityAt(r, step).first) << step;
  s.end_step = 500;
  r = Resolve(s, 1000);
  EXPECT_TRUE(SparsityAt(r, 500).first);
  EXPECT_FALSE(SparsityAt(r, 600).first);
  EXPECT_EQ(r.last_update_step, 200);
}

TEST(PruneSchedule, DefaultsFromTheRunsLength) {
  PruneSchedule s;  // polynomial 0 -> 0.5, nothing else given
  ResolvedSchedule r = Resolve(s, 1000);
  EXPECT_EQ(r.s.begin_step, 0);
  EXPECT_EQ(r.s.frequency, 75);  // 10 updates over the first 75%
  EXPECT_EQ(r.s.end_step, 750);
  EXPECT_EQ(r.last_update_step, 750);
  EXPECT_DOUBLE_EQ(r.final_sparsity, 0.5);
  r = Resolve(s, 100000);
  EXPECT_EQ(r.s.frequency, 100);  // TFMOT's default
  EXPECT_EQ(r.s.end_step, 75000);
  r = Resolve(s, 20);
  EXPECT_EQ(r.s.frequency, 1);
  EXPECT_EQ(r.s.end_step, 15);
}

TEST(PruneSchedule, BadValuesGiveClearErrors) {
  const std::pair<void (*)(PruneSchedule&), const char*> cases[] = {
      {[](PruneSchedule& s) { s.target_sparsity = 1.5; }, "--target-sparsity 1.5 is outside (0, 1)"},
      {[](PruneSchedule& s) { s.target_sparsity = 0; }, "--target-sparsity 0 is outside (0, 1)"},
      {[](PruneSchedule& s) { s.target_sparsity = 1; }, "--target-sparsity 1 is outside (0, 1)"},
      {[](PruneSchedule& s) { s.target_sparsity = -0.2; }, "outside (0, 1)"},
      {[](PruneSchedule& s) { s.initial_sparsity = 0.6; }, "--initial-sparsity 0.6 must be in [0"},
      {[](PruneSchedule& s) { s.frequency = 0; }, "--frequency 0"},
      {[](PruneSchedule& s) { s.kind = "linear"; }, "--schedule linear"},
      {[](PruneSchedule& s) { s.begin_step = 10, s.end_step = 5; }, "before --begin-step"},
      {[](PruneSchedule& s) { s.end_step = 5000; }, "--end-step 5000 is not within the run: the run has 1000"},
      {[](PruneSchedule& s) { s.begin_step = 1000; }, "--begin-step 1000 is not within the run"},
      {[](PruneSchedule& s) { s.power = 0; }, "--power 0"},
  };
  for (const auto& [edit, message] : cases) {
    PruneSchedule s;
    edit(s);
    auto r = ResolveSchedule(s, 1000);
    ASSERT_FALSE(r.ok()) << message;
    EXPECT_NE(r.status().message().find(message), std::string::npos) << r.status().message();
  }
  auto r = ResolveSchedule(PruneSchedule{}, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("too short to prune gradually"), std::string::npos) << r.status().message();
}

// ---------------------------------------------------------------------------------------------------------------
// Masks on a real model's weights.

Net ImportFixture(const std::string& rel) {
  auto g = io::tflite::ReadTfliteFile(testing::FixturesDir() + "/" + rel);
  EXPECT_TRUE(g.ok()) << g.status().message();
  auto net = NetFromGraph(*g);
  EXPECT_TRUE(net.ok()) << net.status().message();
  return std::move(net).value();
}

TEST(Pruner, MasksReachTheTargetPerLayerAndSurviveExport) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  for (const std::string structure : {"1x1", "1x4", "2:4"}) {
    SCOPED_TRACE(structure);
    Net net = ImportFixture("tflite/mlcommons_tiny/vww_96_float.tflite");
    auto pruner = Pruner::Create(net, structure, "vww");
    ASSERT_TRUE(pruner.ok()) << pruner.status().message();
    pruner->UpdateMasks(0.5);
    const auto stats = pruner->Stats();
    ASSERT_GT(stats.size(), 5u);
    int blocked = 0;
    for (const auto& s : stats) {
      const double sparsity = static_cast<double>(s.zeros) / s.elements;
      const int64_t units = s.structure == "1x4" ? s.elements / 4 : s.elements;
      EXPECT_GE(sparsity, 0.5 - 1.0 / units) << s.name;  // round(n * 0.5) units kept
      EXPECT_LE(sparsity, 0.5 + 0.02) << s.name;         // real weights have few exact zeros
      blocked += s.structure != "1x1";
    }
    if (structure != "1x1") {
      EXPECT_GT(blocked, 0);
    }
    // Every step re-applies the masks: weights a step made non-zero are zero again.
    for (const at::Tensor& p : net.TrainableParameters()) p.detach().add_(0.01);
    pruner->ApplyMasks();
    for (const auto& s : pruner->Stats()) EXPECT_GE(static_cast<double>(s.zeros) / s.elements, 0.49) << s.name;

    // Export: the same zeros in the graph, in TFLite's layout, and the block / 2:4 structure there.
    auto g = ExportGraph(net);
    ASSERT_TRUE(g.ok()) << g.status().message();
    size_t k = 0;
    for (const ir::Op& op : g->main().ops) {
      if (op.type != ir::OpType::CONV_2D && op.type != ir::OpType::FULLY_CONNECTED) continue;
      ASSERT_LT(k, stats.size());
      const ir::Tensor& w = g->main().tensors[op.inputs[1]];
      const ir::Buffer& b = g->data(w);
      const float* v = reinterpret_cast<const float*>(b.data);
      const int64_t n = static_cast<int64_t>(b.size / 4);
      int64_t zeros = 0;
      for (int64_t i = 0; i < n; ++i) zeros += v[i] == 0.0f;
      EXPECT_EQ(zeros, stats[k].zeros) << w.name;
      if (stats[k].structure != "1x1") {  // groups of 4 consecutive input channels
        int64_t empty_blocks = 0;
        for (int64_t i = 0; i < n; i += 4) {
          int z = 0;
          for (int e = 0; e < 4; ++e) z += v[i + e] == 0.0f && !std::signbit(v[i + e]);  // +0.0: masks strip cleanly
          empty_blocks += z == 4;
          if (structure == "2:4") {
            EXPECT_GE(z, 2) << w.name << " group " << i / 4;
          }
        }
        if (structure == "1x4") {
          EXPECT_GE(empty_blocks, n / 8) << w.name << ": half the 1x4 blocks are empty";
        }
      }
      ++k;
    }
    EXPECT_EQ(k, stats.size());
  }
}

// Global scope: one ranking over every pruned layer. The kept weights are (1 - s) of all of them, every kept unit
// scores at least as high as every pruned one, and the layers end up at different sparsities.
TEST(Pruner, GlobalScopeRanksAllLayersTogether) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  for (const std::string structure : {"1x1", "1x4"}) {
    SCOPED_TRACE(structure);
    Net net = ImportFixture("tflite/mlcommons_tiny/vww_96_float.tflite");
    auto pruner = Pruner::Create(net, structure, "vww", "global");
    ASSERT_TRUE(pruner.ok()) << pruner.status().message();
    // Unit scores before pruning, in TFLite's layout (OHWI / [units, depth]).
    std::vector<at::Tensor> scores;
    for (const Layer& l : net.layers) {
      if ((l.kind != LayerKind::kConv && l.kind != LayerKind::kDense) || !l.weight.defined()) continue;
      const at::Tensor w = (l.kind == LayerKind::kConv ? l.weight.permute({0, 2, 3, 1}) : l.weight).detach().abs();
      const bool blocks = structure == "1x4" && w.size(-1) % 4 == 0;
      scores.push_back(blocks ? w.contiguous().reshape({-1, 4}).mean(1) : w.contiguous().reshape({-1}));
    }
    pruner->UpdateMasks(0.5);
    const auto stats = pruner->Stats();
    ASSERT_EQ(stats.size(), scores.size());
    int64_t zeros = 0, elements = 0;
    double lowest_kept = 1e30, highest_pruned = -1, min_sparsity = 1, max_sparsity = 0;
    size_t k = 0;
    for (const Layer& l : net.layers) {
      if ((l.kind != LayerKind::kConv && l.kind != LayerKind::kDense) || !l.weight.defined()) continue;
      const at::Tensor w = (l.kind == LayerKind::kConv ? l.weight.permute({0, 2, 3, 1}) : l.weight).detach();
      const int64_t group = w.numel() / scores[k].numel();
      const at::Tensor pruned = w.contiguous().reshape({-1, group}).eq(0).all(1);
      if (pruned.any().item<bool>())
        highest_pruned = std::max(highest_pruned, scores[k].masked_select(pruned).max().item<double>());
      if (!pruned.all().item<bool>())
        lowest_kept = std::min(lowest_kept, scores[k].masked_select(~pruned).min().item<double>());
      const double s = static_cast<double>(stats[k].zeros) / stats[k].elements;
      min_sparsity = std::min(min_sparsity, s);
      max_sparsity = std::max(max_sparsity, s);
      zeros += stats[k].zeros;
      elements += stats[k].elements;
      ++k;
    }
    EXPECT_NEAR(static_cast<double>(zeros) / elements, 0.5, 0.005);
    EXPECT_LE(highest_pruned, lowest_kept);
    EXPECT_GT(max_sparsity - min_sparsity, 0.1) << "a global ranking spreads the sparsity unevenly";
  }
  Net net = ImportFixture("tflite/mlcommons_tiny/vww_96_float.tflite");
  auto bad = Pruner::Create(net, "2:4", "vww", "global");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--scope global"), std::string::npos) << bad.status().message();
}

// QAT's --preserve-sparsity: the zeros of a pruned net stay zero through optimizer steps, by the gradient mask
// alone (Adam's moments stay zero there), while the other weights train.
TEST(SparsityKeeper, ZerosSurviveOptimizerSteps) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  Net net = ImportFixture("tflite/mlcommons_tiny/vww_96_float.tflite");
  auto pruner = Pruner::Create(net, "1x4", "vww");
  ASSERT_TRUE(pruner.ok());
  pruner->UpdateMasks(0.5);
  int64_t pruned = 0;
  for (const auto& s : pruner->Stats()) pruned += s.zeros;
  std::vector<at::Tensor> before;
  for (const at::Tensor& p : net.TrainableParameters()) before.push_back(p.detach().clone());

  SparsityKeeper keeper(net);
  EXPECT_GE(keeper.zeros(), pruned);  // and the rare exact zeros of depthwise kernels
  EXPECT_LT(keeper.zeros(), pruned + pruned / 50);
  const std::vector<at::Tensor> params = net.TrainableParameters();
  torch::optim::Adam adam(params, torch::optim::AdamOptions(0.01));
  at::manual_seed(3);
  for (int step = 0; step < 3; ++step) {
    const at::Tensor x = at::rand({2, net.height, net.width, net.channels}).permute({0, 3, 1, 2});
    adam.zero_grad();
    net.Forward(x, true).pow(2).sum().backward();
    adam.step();
  }
  int64_t zeros_after = 0, moved = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const at::Tensor was_zero = before[i].eq(0);
    zeros_after += params[i].detach().eq(0).logical_and(was_zero).sum().item<int64_t>();
    moved += params[i].detach().ne(before[i]).sum().item<int64_t>();
  }
  EXPECT_GE(zeros_after, keeper.zeros()) << "a kept zero moved";
  EXPECT_GT(moved, 1000) << "the other weights train";
  keeper.Apply();
  int64_t zeros_applied = 0;
  for (size_t i = 0; i < params.size(); ++i)
    zeros_applied += params[i].detach().eq(0).logical_and(before[i].eq(0)).sum().item<int64_t>();
  EXPECT_EQ(zeros_applied, zeros_after);
}

TEST(Pruner, NoPrunableLayersIsAClearError) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  Net net = ImportFixture("tflite/tflite2onnx_ops/depthwise-conv.float32.tflite");
  auto p = Pruner::Create(net, "1x4", "depthwise-conv.float32.tflite");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("no prunable layers: depthwise-conv.float32.tflite"), std::string::npos)
      << p.status().message();
}

// ---------------------------------------------------------------------------------------------------------------
// `liteopt prune` on Fashion-MNIST.

constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";
bool HaveFashion() { return fs::exists(std::string(kFashionDir) + "/t10k-images-idx3-ubyte.gz"); }

using testing::RunLiteopt;

class PruneCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!HaveFashion()) return;
    dir_ = fs::path(LITEOPT_BINARY_DIR) / "prune_test_tmp" / std::to_string(::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto r = RunLiteopt("data fashion-mnist --out " + dir_.string() + " --max-per-class 100 --classes 0,1,7,8");
    ASSERT_EQ(r.code, 0) << r.err;
    fs::create_directories(dir_ / "base");
    r = RunLiteopt("train --arch small_cnn --alpha 0.5 " + Data() + " --epochs 3 --threads 1 --quiet -o " + Base());
    ASSERT_EQ(r.code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    if (!HaveFashion()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  static std::string Data() {
    return "--data " + (dir_ / "train.csv").string() + " --val " + (dir_ / "val.csv").string();
  }
  static std::string Base() { return (dir_ / "base" / "m.tflite").string(); }
  static fs::path Out(const std::string& name) {
    fs::create_directories(dir_ / name);
    return dir_ / name / "p.tflite";
  }
  static fs::path dir_;
};
fs::path PruneCli::dir_;

// The zero flags of each filter of a file (CONV_2D and FULLY_CONNECTED, and DEPTHWISE_CONV_2D with
// `depthwise`), densified from the sparse format where stored that way, in op order.
std::vector<std::vector<bool>> FilterZeros(const ir::Graph& g, bool depthwise = false) {
  std::vector<std::vector<bool>> out;
  const ir::Subgraph& sg = g.main();
  for (const ir::Op& op : sg.ops) {
    if (op.type != ir::OpType::CONV_2D && op.type != ir::OpType::FULLY_CONNECTED &&
        (!depthwise || op.type != ir::OpType::DEPTHWISE_CONV_2D))
      continue;
    const ir::Tensor& w = sg.tensors[op.inputs[1]];
    std::vector<uint8_t> bytes;
    const ir::Tensor* src = &w;
    for (const ir::Op& d : sg.ops)  // a DENSIFY output: read its sparse input
      if (d.type == ir::OpType::DENSIFY && d.outputs[0] == op.inputs[1]) src = &sg.tensors[d.inputs[0]];
    if (src->sparsity) {
      auto dense = io::tflite::DensifyTensor(*src, g.data(*src));
      if (!dense.ok()) {
        ADD_FAILURE() << dense.status().message();
        continue;
      }
      bytes = *dense;
    } else {
      bytes.assign(g.data(w).data, g.data(w).data + g.data(w).size);
    }
    const size_t elem = DTypeSize(w.dtype);
    std::vector<bool> zeros;
    for (size_t i = 0; i < bytes.size(); i += elem) {
      float f = 0;
      if (elem == 4) std::memcpy(&f, &bytes[i], 4);
      zeros.push_back(elem == 4 ? f == 0.0f : bytes[i] == 0);
    }
    out.push_back(std::move(zeros));
  }
  return out;
}

std::vector<double> FilterSparsities(const ir::Graph& g) {
  std::vector<double> out;
  for (const auto& z : FilterZeros(g))
    out.push_back(static_cast<double>(std::count(z.begin(), z.end(), true)) / z.size());
  return out;
}

int DensifyOps(const ir::Graph& g) {
  int n = 0;
  for (const ir::Op& op : g.main().ops) n += op.type == ir::OpType::DENSIFY;
  return n;
}

// The official runtime loads `model` (float I/O, 28x28x1) and gives liteopt's output bytes on one input.
void ExpectOfficialRuntimeAgrees(const fs::path& model) {
  auto interp = runtime::Interpreter::FromFile(model.string());
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  const auto x = testing::DeterministicInput(DType::kFloat32, 28 * 28);
  std::memcpy((*interp)->input_bytes(0), x.data(), x.size());
  ASSERT_TRUE((*interp)->Invoke().ok());
  const fs::path npy = model.parent_path() / "x.npy";
  ASSERT_TRUE(data::WriteNpy(npy.string(), DType::kFloat32, {1, 28, 28, 1}, x.data(), x.size()).ok());
  std::vector<nlohmann::json> jobs;
  jobs.push_back({{"model", model.string()},
                  {"inputs", std::vector<std::string>{npy.string()}},
                  {"out_dir", (model.parent_path() / "oracle").string()}});
  const auto res = testing::RunOracleBatch(jobs, model.parent_path());
  ASSERT_EQ(res.size(), 1u);
  ASSERT_TRUE(res[0].value("ok", false)) << res[0].dump();
  auto official = data::ReadNpy((model.parent_path() / "oracle" / "output_0.npy").string());
  ASSERT_TRUE(official.ok());
  const auto& o = (*interp)->output(0);
  ASSERT_EQ(official->data.size(), o.bytes);
  EXPECT_EQ(std::memcmp(official->data.data(), o.data, o.bytes), 0) << "outputs differ from the official runtime";
}

// Top-1 of a model on the fixture's validation set in liteopt's interpreter (`liteopt evaluate --json`).
double ValTop1(const fs::path& model, const fs::path& val_csv) {
  const auto r = RunLiteopt("evaluate " + model.string() + " --data " + val_csv.string() + " --no-batched --json");
  EXPECT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out;
  return j.is_discarded() ? -1.0 : j.value("top1", -1.0);
}

TEST_F(PruneCli, Int8SparseFileIsSmallerAndTheOfficialRuntimeAgrees) {
  const fs::path out = Out("int8");
  const auto r = RunLiteopt("prune " + Base() + " " + Data() + " --epochs 2 --batch 16 --threads 1 --block 1x4 "
                            "--target-sparsity 0.5 --int8 --representative-data " + (dir_ / "train.csv").string() +
                            " --samples 50 -o " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("validation top-1 (liteopt's interpreter)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sparse 1x4"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("pruning 5 layers (1x4)"), std::string::npos) << r.err;

  auto g = io::tflite::ReadTfliteFile(out.string());
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_GE(DensifyOps(**g), 3);
  // Every pruned layer at the target in the int8 weights (the first conv has one input channel: element-wise).
  for (double s : FilterSparsities(**g)) EXPECT_GE(s, 0.49);

  // Smaller than the dense int8 file of the unpruned model by what 1x4 blocks save: a 50%-pruned weight costs
  // 0.625 of its bytes plus its share of the segments; per-channel quantization parameters and biases do not
  // shrink (0.668x measured on this 97K-parameter model).
  const fs::path dense = Out("dense_int8");
  const auto c = RunLiteopt("convert " + Base() + " --representative-data " + (dir_ / "train.csv").string() +
                            " --samples 50 -o " + dense.string());
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_LE(static_cast<double>(fs::file_size(out)), 0.70 * fs::file_size(dense))
      << fs::file_size(out) << " vs " << fs::file_size(dense);
  std::printf("pruned int8 file %lld bytes, unpruned int8 file %lld bytes: %.3fx\n",
              static_cast<long long>(fs::file_size(out)), static_cast<long long>(fs::file_size(dense)),
              static_cast<double>(fs::file_size(out)) / fs::file_size(dense));

  // The official runtime loads the file and gives our outputs (int8 inside, float I/O).
  if (!testing::HaveOracle()) GTEST_SKIP() << testing::kNoOracleMessage;
  ExpectOfficialRuntimeAgrees(out);
}

// `qat --preserve-sparsity` on a pruned float model (TFMOT's PQAT): the float checkpoint has exactly the pruned
// model's zeros, the int8 model those and the weights int8 rounding makes zero, stored sparse, at least as
// accurate as the post-training int8 model of the same pruned model, and the official runtime agrees. Without
// the flag, fine-tuning fills the zeros in.
TEST_F(PruneCli, QatPreservesTheZerosOfAPrunedModel) {
  const fs::path pruned = Out("pqat_pruned");
  auto r = RunLiteopt("prune " + Base() + " " + Data() + " --epochs 2 --batch 16 --threads 1 --block 1x4 "
                      "--target-sparsity 0.5 --quiet -o " + pruned.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const fs::path train_csv = dir_ / "train.csv", val_csv = dir_ / "val.csv";
  const fs::path ptq = Out("pqat_ptq");
  r = RunLiteopt("convert " + pruned.string() + " --representative-data " + train_csv.string() + " -o " + ptq.string());
  ASSERT_EQ(r.code, 0) << r.err;

  const fs::path qat = Out("pqat").parent_path() / "q.tflite";
  r = RunLiteopt("qat " + pruned.string() + " " + Data() + " --epochs 2 --threads 1 --preserve-sparsity -o " +
                 qat.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("preserving sparsity:"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("int8 filters stored in TFLite's sparse format"), std::string::npos) << r.out;

  auto p = io::tflite::ReadTfliteFile(pruned.string());
  auto f = io::tflite::ReadTfliteFile((qat.parent_path() / "q.float.tflite").string());
  auto q = io::tflite::ReadTfliteFile(qat.string());
  ASSERT_TRUE(p.ok() && f.ok() && q.ok());
  const auto want = FilterZeros(**p, true), got_float = FilterZeros(**f, true), got_int8 = FilterZeros(**q, true);
  ASSERT_EQ(want.size(), got_float.size());
  ASSERT_EQ(want.size(), got_int8.size());
  int64_t zeros = 0;
  for (size_t k = 0; k < want.size(); ++k) {
    EXPECT_EQ(got_float[k], want[k]) << "filter " << k << ": the float checkpoint's zeros are the pruned model's";
    for (size_t i = 0; i < want[k].size(); ++i) {
      zeros += want[k][i];
      if (want[k][i] && !got_int8[k][i]) {
        ADD_FAILURE() << "filter " << k << " weight " << i << " is no longer zero in the int8 model";
        break;
      }
    }
  }
  EXPECT_GT(zeros, 10000);
  EXPECT_GE(DensifyOps(**q), 3);
  const double qat_top1 = ValTop1(qat, val_csv), ptq_top1 = ValTop1(ptq, val_csv);
  EXPECT_GE(qat_top1, ptq_top1) << "QAT " << qat_top1 << " vs PTQ " << ptq_top1;
  std::printf("pruned model: %lld zero weights kept; int8 top-1 QAT %.4f, PTQ %.4f\n", static_cast<long long>(zeros),
              qat_top1, ptq_top1);

  const fs::path plain = Out("qat_plain").parent_path() / "q.tflite";
  r = RunLiteopt("qat " + pruned.string() + " " + Data() + " --epochs 1 --max-steps 5 --threads 1 --quiet -o " +
                 plain.string());
  ASSERT_EQ(r.code, 0) << r.err;
  auto lost = io::tflite::ReadTfliteFile((plain.parent_path() / "q.float.tflite").string());
  ASSERT_TRUE(lost.ok());
  int64_t kept = 0;
  for (const auto& z : FilterZeros(**lost, true)) kept += std::count(z.begin(), z.end(), true);
  EXPECT_LT(kept, zeros / 10) << "without --preserve-sparsity, training moves the pruned weights";

  if (!testing::HaveOracle()) GTEST_SKIP() << testing::kNoOracleMessage;
  ExpectOfficialRuntimeAgrees(qat);
}

TEST_F(PruneCli, FloatTwoOfFourKeepsTheStructureInTheFile) {
  const fs::path out = Out("f24");
  const auto r = RunLiteopt("prune " + Base() + " " + Data() + " --epochs 1 --batch 16 --threads 1 --block 2:4 "
                            "--schedule constant --frequency 5 --quiet -o " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  auto g = io::tflite::ReadTfliteFile(out.string());
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto interp = runtime::Interpreter::Create(*g);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  const auto sparsities = FilterSparsities(**g);
  ASSERT_EQ(sparsities.size(), 5u);
  for (size_t i = 1; i < sparsities.size(); ++i) EXPECT_GE(sparsities[i], 0.5) << "layer " << i;
}

TEST_F(PruneCli, BadInputGivesClearErrors) {
  const fs::path out = Out("bad");
  struct Case {
    std::string args, message;
  };
  const std::string model = testing::FixturesDir() + "/tflite/tflite2onnx_ops/depthwise-conv.float32.tflite";
  const Case cases[] = {
      {"--target-sparsity 1.5", "--target-sparsity 1.5 is outside (0, 1)"},
      {"--target-sparsity 0", "--target-sparsity 0 is outside (0, 1)"},
      {"--block 2:4 --target-sparsity 0.75", "use --target-sparsity 0.5"},
      {"--int8", "--int8 and --representative-data go together"},
      {"--end-step 100000", "--end-step 100000 is not within the run"},
      {"--block 2:4 --scope global", "--scope global ranks 1x1 or 1x4 units"},
  };
  for (const Case& c : cases) {
    const auto r = RunLiteopt("prune " + Base() + " " + Data() + " --max-steps 2 --quiet " + c.args + " -o " +
                              out.string());
    EXPECT_EQ(r.code, 1) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
  }
  if (testing::HaveFixtures()) {
    const auto r = RunLiteopt("prune " + model + " " + Data() + " -o " + out.string());
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no prunable layers"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(out)) << "nothing is written on bad input";
}

}  // namespace
}  // namespace liteopt::train

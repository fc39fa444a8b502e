// `liteopt debug-quant FLOAT QUANT --data CSV [--samples N] [--max-accuracy-drop X [-o OUT]] [--json]`: per-layer
// error of a quantized model against its float original, worst first, with what to do about each bad layer;
// with --max-accuracy-drop, the worst layers kept float until the top-1 drop is within the budget.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/file_io.h"
#include "cli/commands.h"
#include "cli/eval_report.h"
#include "cli/outputs.h"
#include "cli/quant_debug_report.h"
#include "cli/samples.h"
#include "eval/keep_float_search.h"
#include "eval/metrics.h"
#include "eval/quant_debug.h"
#include "io/model_file.h"
#include "io/tflite/writer.h"
#include "quant/convert.h"

namespace liteopt::cli {

namespace {

namespace fs = std::filesystem;

struct DebugQuantConfig {
  std::string float_model, quant_model, output;
  EvalFlags eval;
  int samples = 300;
  uint64_t seed = 42;
  double max_drop = -1;
  std::string calibration = "minmax";
  size_t max_steps = 16;
  size_t top = 20;
  bool json = false, quiet = false;
};

// A folder of candidate models beside the output (so the chosen one is renamed into place), removed at exit.
class ScratchDir {
 public:
  explicit ScratchDir(const fs::path& parent)
      : path_(parent / (".liteopt-debug-quant-" + std::to_string(::getpid()))) {}
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  Status Create() {
    std::error_code ec;
    fs::create_directories(path_, ec);
    if (ec) return IoError(path_.string() + ": cannot create the folder for candidate models: " + ec.message());
    return Status::Ok();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Result<quant::Calibration> ParseCalibration(const std::string& name) {
  for (auto c : {quant::Calibration::kMinMax, quant::Calibration::kPercentile, quant::Calibration::kMse,
                 quant::Calibration::kEntropy})
    if (quant::CalibrationName(c) == name) return c;
  return InvalidArgument("unknown calibration '" + name + "'");
}

// The conversion that made a quantized model like `q`, so that candidates differ from it only in what is kept
// float: the mode from its tensors, its I/O type, per-tensor weights.
Result<quant::ConvertOptions> OptionsLike(const ir::Graph& q, const std::string& path, quant::Calibration c) {
  quant::ConvertOptions o;
  o.calibration = c;
  const eval::ModelKind kind = eval::ClassifyModel(q);
  switch (kind) {
    case eval::ModelKind::kInt8:
    case eval::ModelKind::kUInt8:
      o.mode = quant::Mode::kFullInteger;
      break;
    case eval::ModelKind::kDynamicRange:
      o.mode = quant::Mode::kDynamicRange;
      break;
    case eval::ModelKind::kFloat16:
      o.mode = quant::Mode::kFloat16;
      break;
    case eval::ModelKind::kInt16x8:
      o.mode = quant::Mode::kInt16x8;
      break;
    case eval::ModelKind::kFloat32:
      return InvalidArgument(path + ": is a float32 model; give the quantized model as QUANT");
  }
  const ir::Subgraph& sg = q.main();
  const DType in = sg.tensors[sg.inputs[0]].dtype;
  if (o.mode == quant::Mode::kFullInteger && (in == DType::kInt8 || in == DType::kUInt8)) o.io_type = in;
  for (const ir::Op& op : sg.ops) {
    if ((op.type != ir::OpType::CONV_2D && op.type != ir::OpType::DEPTHWISE_CONV_2D) || op.inputs.size() < 2 ||
        op.inputs[1] < 0)
      continue;
    const ir::Tensor& w = sg.tensors[op.inputs[1]];
    if (w.quant.scale.size() == 1 && w.shape.size() == 4) o.per_tensor = true;
  }
  return o;
}

Status CopyFileAtomic(const std::string& from, const std::string& to) {
  std::ifstream f(from, std::ios::binary);
  if (!f) return IoError(from + ": cannot read");
  const std::string bytes((std::istreambuf_iterator<char>(f)), {});
  return WriteFileAtomic(to, bytes);
}

void PrintSearch(const eval::KeepFloatSearchResult& s, double budget) {
  std::printf("\nkeep-float search (budget %.2f points of top-1; float top-1 %.2f%%)\n", budget, s.float_top1 * 100);
  for (size_t i = 0; i < s.steps.size(); ++i) {
    const auto& st = s.steps[i];
    std::printf("  %-40s top-1 %6.2f%%  drop %6.2f points%s\n",
                i == 0 ? "the quantized model as given" : ("+ " + st.added).c_str(), st.top1 * 100, st.drop_points,
                static_cast<int>(i) == s.chosen ? "  within budget" : "");
  }
}

int RunDebugQuant(const DebugQuantConfig& cfg) {
  const bool search = cfg.max_drop >= 0;
  if (!cfg.output.empty() && !search) return Fail("-o needs --max-accuracy-drop (the model it writes meets that budget)");
  if (!cfg.output.empty())
    if (Status st = CheckOutputFile(cfg.output, {cfg.float_model, cfg.quant_model}); !st.ok()) return Fail(st.message());
  auto calibration = ParseCalibration(cfg.calibration);
  if (!calibration.ok()) return Fail(calibration.status().message());
  auto fg = io::ReadModelFile(cfg.float_model, {cfg.eval.keras_config});
  if (!fg.ok()) return Fail(fg.status().message());
  auto qg = io::ReadModelFile(cfg.quant_model);
  if (!qg.ok()) return Fail(qg.status().message());
  if (eval::ClassifyModel(**fg) != eval::ModelKind::kFloat32)
    return Fail(cfg.float_model + ": is a " + std::string(eval::ModelKindName(eval::ClassifyModel(**fg))) +
                " model; FLOAT must be the float32 original");
  auto options = OptionsLike(**qg, cfg.quant_model, *calibration);
  if (!options.ok()) return Fail(options.status().message());

  // The float graph as the converter sees it (fused activations, no-ops removed): the same function, and its
  // op output names are the ones --keep-float takes.
  quant::ConvertOptions cleanup;
  auto cleaned = quant::Convert(**fg, cleanup);
  if (!cleaned.ok()) return Fail(cfg.float_model + ": " + cleaned.status().message());
  auto float_graph = std::make_shared<const ir::Graph>(std::move(*cleaned));

  SampleFlags sf{cfg.samples, cfg.seed, cfg.eval.normalize};
  auto samples = LoadModelSamples(cfg.eval.data, **fg, sf, cfg.eval.dataset, "--data");
  if (!samples.ok()) return Fail(samples.status().message());
  if (!cfg.quiet) std::fprintf(stderr, "loaded %zu samples from %s\n", samples->size(), cfg.eval.data.c_str());

  eval::QuantDebugOptions dopt;
  dopt.threads = cfg.eval.threads;
  std::unique_ptr<Progress> bar = std::make_unique<Progress>("comparing layers", samples->size(), cfg.quiet);
  dopt.progress = [&](size_t done, size_t) { bar->Update(done); };
  auto report = eval::DebugQuantization(float_graph, *qg, *samples, dopt);
  bar->Done();
  if (!report.ok()) return Fail(cfg.float_model + " vs " + cfg.quant_model + ": " + report.status().message());

  std::optional<eval::KeepFloatSearchResult> found;
  if (search) {
    const fs::path parent = cfg.output.empty() ? fs::temp_directory_path()
                            : fs::path(cfg.output).has_parent_path() ? fs::path(cfg.output).parent_path()
                                                                      : fs::path(".");
    ScratchDir scratch(parent);
    if (Status st = scratch.Create(); !st.ok()) return Fail(st.message());
    int made = 0;
    auto make = [&](const std::vector<std::string>& keep) -> Result<std::string> {
      quant::ConvertOptions co = *options;
      co.keep_float = keep;
      LITEOPT_ASSIGN_OR_RETURN(ir::Graph g, quant::Convert(**fg, co, *samples));
      const std::string path = (scratch.path() / ("candidate_" + std::to_string(++made) + ".tflite")).string();
      LITEOPT_RETURN_IF_ERROR(io::tflite::WriteTfliteFile(g, path));
      return path;
    };
    eval::KeepFloatSearchOptions so;
    so.max_drop_points = cfg.max_drop;
    so.max_steps = cfg.max_steps;
    so.eval = cfg.eval.Options();
    std::unique_ptr<Progress> ebar;
    so.eval.progress = [&](size_t done, size_t total) {
      if (done <= 1 || !ebar) ebar = std::make_unique<Progress>("evaluating on " + cfg.eval.data, total, cfg.quiet);
      ebar->Update(done);
      if (done == total) ebar->Done();
    };
    so.on_step = [&](const eval::KeepFloatStep& s) {
      if (!cfg.quiet)
        std::fprintf(stderr, "%s: top-1 %.2f%%, drop %.2f points\n",
                     s.added.empty() ? "the quantized model" : ("keeping float " + s.added).c_str(), s.top1 * 100,
                     s.drop_points);
    };
    auto result = eval::SearchKeepFloat(cfg.float_model, cfg.quant_model, report->layers, make, so);
    if (!result.ok()) return Fail(result.status().message());
    found = std::move(*result);
    if (found->chosen >= 0 && !cfg.output.empty()) {
      const auto& step = found->steps[found->chosen];
      Status st = Status::Ok();
      if (found->chosen == 0) {
        st = CopyFileAtomic(cfg.quant_model, cfg.output);
      } else {
        std::error_code ec;
        fs::rename(step.model_path, cfg.output, ec);
        if (ec) st = IoError(cfg.output + ": cannot move the model into place: " + ec.message());
      }
      if (!st.ok()) return Fail(st.message());
      CopyLabelsBeside(cfg.float_model, fs::path(cfg.output).parent_path().string());
    }
  }

  if (cfg.json) {
    nlohmann::json j;
    j["float"] = cfg.float_model;
    j["quant"] = cfg.quant_model;
    j["data"] = cfg.eval.data;
    j["debug"] = QuantDebugJson(*report);
    if (found) {
      j["search"] = KeepFloatSearchJson(*found, cfg.max_drop);
      if (found->chosen >= 0 && !cfg.output.empty()) j["search"]["output"] = cfg.output;
    }
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("float     %s\nquantized %s (%s)\n", cfg.float_model.c_str(), cfg.quant_model.c_str(),
                std::string(eval::ModelKindName(eval::ClassifyModel(**qg))).c_str());
    PrintQuantDebugText(*report, cfg.top);
    if (found) {
      PrintSearch(*found, cfg.max_drop);
      if (found->chosen >= 0) {
        const auto& s = found->steps[found->chosen];
        std::string kept;
        for (const auto& k : s.keep_float) kept += (kept.empty() ? "" : ",") + k;
        std::printf("kept float: %s; top-1 %.2f%% (drop %.2f points)%s\n", kept.empty() ? "nothing" : kept.c_str(),
                    s.top1 * 100, s.drop_points, cfg.output.empty() ? "" : ("; wrote " + cfg.output).c_str());
      }
    }
  }
  if (found && found->chosen < 0)
    return Fail("no candidate within " + std::to_string(cfg.max_drop) + " points of top-1 after keeping " +
                std::to_string(found->steps.size() - 1) + " layer(s) float (--max-steps " +
                std::to_string(cfg.max_steps) + "); nothing written");
  return kExitOk;
}

}  // namespace

Command AddDebugQuantCommand(CLI::App& root) {
  auto cfg = std::make_shared<DebugQuantConfig>();
  CLI::App* app = root.add_subcommand(
      "debug-quant",
      "Per-layer error of a quantized model against its float original (RMSE/scale, SQNR, cosine), worst first, "
      "with a suggestion for each bad layer; --max-accuracy-drop keeps the worst layers float until top-1 is within "
      "budget");
  app->add_option("float", cfg->float_model, "the float32 .tflite")->required();
  app->add_option("quant", cfg->quant_model, "the quantized .tflite made from it")->required();
  cfg->eval.Add(*app);
  app->add_option("--samples", cfg->samples, "images compared layer by layer (and calibration of candidates)")
      ->check(CLI::Range(1, 1000000));
  app->add_option("--seed", cfg->seed, "seed of the sample shuffle");
  app->add_option("--max-accuracy-drop", cfg->max_drop,
                  "points of top-1 on --data the model may lose; keeps the worst layers float until it is met")
      ->check(CLI::Range(0.0, 100.0));
  app->add_option("-o,--output", cfg->output, "write the model that meets --max-accuracy-drop here (atomically)");
  app->add_option("--calibration", cfg->calibration, "calibration of the candidate models")
      ->check(CLI::IsMember({"minmax", "percentile", "mse", "entropy"}));
  app->add_option("--max-steps", cfg->max_steps, "candidates tried at most by --max-accuracy-drop");
  app->add_option("--top", cfg->top, "layers listed in the table (0 = all)");
  app->add_flag("--json", cfg->json, "print one JSON object instead of the table");
  app->add_flag("-q,--quiet", cfg->quiet, "no progress on stderr");
  return {app, [cfg] { return RunDebugQuant(*cfg); }};
}

}  // namespace liteopt::cli

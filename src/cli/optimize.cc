// `liteopt optimize MODEL --train CSV --val CSV --test CSV --out DIR`: the course's whole post-training part in one
// command. Every variant (float32 with cleanups, dynamic range, full int8 calibrated on --train, float16) is
// converted, checked on --val (int8 losing more than --debug-threshold points gets a per-layer diagnosis), and
// compared on --test; the models and report.{md,html,json} land in DIR together, or not at all: everything is
// written to a scratch folder inside DIR and renamed into place once every step succeeded.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "base/file_io.h"
#include "cli/commands.h"
#include "cli/eval_report.h"
#include "cli/outputs.h"
#include "cli/quant_debug_report.h"
#include "cli/samples.h"
#include "eval/compare.h"
#include "eval/metrics.h"
#include "eval/quant_debug.h"
#include "io/model_file.h"
#include "io/tflite/writer.h"
#include "quant/convert.h"
#include "runtime/interpreter.h"

namespace liteopt::cli {

namespace {

namespace fs = std::filesystem;

struct OptimizeConfig {
  std::string model, train, val, test, out;
  EvalFlags eval;  // --test is its data
  int samples = 300;
  uint64_t seed = 42;
  std::string calibration = "minmax";
  double debug_threshold = 0.5;
  bool json = false, quiet = false;
};

struct Variant {
  quant::Mode mode;
  const char* suffix;  // file name: <model stem>_<suffix>.tflite
  const char* what;
};

constexpr Variant kVariants[] = {
    {quant::Mode::kFloat, "float32", "float32 (graph cleanups)"},
    {quant::Mode::kDynamicRange, "dynamic_range", "dynamic range (int8 weights, float activations)"},
    {quant::Mode::kFullInteger, "int8", "full integer int8 (calibrated on --train)"},
    {quant::Mode::kFloat16, "float16", "float16 weights"},
};
constexpr int kSteps = 7;  // samples, four conversions, validation, comparison

// The output folder: created when missing, checked writable; a scratch folder inside it holds everything until
// the end. On failure the scratch folder goes, and DIR too when this run created it and it is still empty.
class OutputDir {
 public:
  explicit OutputDir(std::string dir) : dir_(std::move(dir)) {}
  ~OutputDir() {
    std::error_code ec;
    if (!scratch_.empty()) fs::remove_all(scratch_, ec);
    if (created_ && fs::is_empty(dir_, ec)) fs::remove(dir_, ec);
  }
  Status Prepare() {
    std::error_code ec;
    if (fs::exists(dir_, ec) && !fs::is_directory(dir_, ec)) return IoError("--out " + dir_ + ": is a file, not a folder");
    if (!fs::exists(dir_, ec)) {
      fs::create_directories(dir_, ec);
      if (ec) return IoError("--out " + dir_ + ": cannot create the folder: " + ec.message());
      created_ = true;
    }
    if (::access(dir_.c_str(), W_OK) != 0) return IoError("--out " + dir_ + ": the folder is not writable");
    scratch_ = fs::path(dir_) / (".liteopt-optimize-" + std::to_string(::getpid()));
    fs::create_directories(scratch_, ec);
    if (ec) return IoError("--out " + dir_ + ": cannot create a scratch folder in it: " + ec.message());
    return Status::Ok();
  }
  std::string Scratch(const std::string& name) const { return (scratch_ / name).string(); }
  std::string Final(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  // Moves every scratch file into DIR (one rename each).
  Status Commit(const std::vector<std::string>& names) {
    for (const std::string& n : names) {
      std::error_code ec;
      fs::rename(Scratch(n), Final(n), ec);
      if (ec) return IoError(Final(n) + ": cannot move into place: " + ec.message());
    }
    created_ = false;
    return Status::Ok();
  }

 private:
  std::string dir_;
  fs::path scratch_;
  bool created_ = false;
};

Result<std::shared_ptr<const ir::Graph>> ConvertVariant(const ir::Graph& model, const Variant& v,
                                                        quant::Calibration calibration,
                                                        const std::vector<std::vector<uint8_t>>& samples,
                                                        const std::string& path) {
  quant::ConvertOptions o;
  o.mode = v.mode;
  o.calibration = calibration;
  auto g = quant::Convert(model, o, v.mode == quant::Mode::kFullInteger ? samples : std::vector<std::vector<uint8_t>>{});
  if (!g.ok()) return Status(g.status()).Prepend(v.what);
  auto shared = std::make_shared<const ir::Graph>(std::move(*g));
  // It must load in liteopt before it is written: a bug never leaves a broken file behind.
  auto check = runtime::Interpreter::Create(shared);
  if (!check.ok()) return Status(check.status()).Prepend(std::string(v.what) + ": the converted model does not load");
  LITEOPT_RETURN_IF_ERROR(io::tflite::WriteTfliteFile(*shared, path));
  return shared;
}

// The int8 model on --val against the float one; a per-layer diagnosis when it loses more than the threshold.
struct Validation {
  double float_top1 = 0, int8_top1 = 0, drop_points = 0;
  size_t n = 0;
  std::optional<eval::QuantDebugReport> debug;
};

Result<Validation> Validate(const OptimizeConfig& cfg, const eval::EvalOptions& base, const std::string& float_path,
                            const std::string& int8_path, std::shared_ptr<const ir::Graph> float_graph,
                            std::shared_ptr<const ir::Graph> int8_graph) {
  eval::EvalOptions o = base;
  o.data_csv = cfg.val;
  o.batched = false;
  o.progress = nullptr;
  Validation v;
  LITEOPT_ASSIGN_OR_RETURN(eval::EvalResult f, eval::Evaluate(float_path, o));
  LITEOPT_ASSIGN_OR_RETURN(eval::EvalResult q, eval::Evaluate(int8_path, o));
  v.float_top1 = f.top1;
  v.int8_top1 = q.top1;
  v.n = q.n;
  v.drop_points = (f.top1 - q.top1) * 100.0;
  if (v.drop_points <= cfg.debug_threshold) return v;
  SampleFlags sf{cfg.samples, cfg.seed, cfg.eval.normalize};
  LITEOPT_ASSIGN_OR_RETURN(auto samples, LoadModelSamples(cfg.val, *float_graph, sf, cfg.eval.dataset, "--val"));
  eval::QuantDebugOptions dopt;
  dopt.threads = cfg.eval.threads;
  LITEOPT_ASSIGN_OR_RETURN(v.debug, eval::DebugQuantization(float_graph, int8_graph, samples, dopt));
  return v;
}

nlohmann::json ValidationJson(const Validation& v, double threshold) {
  nlohmann::json j = {{"n", v.n},
                      {"float32_top1", v.float_top1},
                      {"int8_top1", v.int8_top1},
                      {"int8_drop_points", v.drop_points},
                      {"debug_threshold_points", threshold}};
  if (v.debug) j["debug"] = QuantDebugJson(*v.debug);
  return j;
}

std::string ValidationMarkdown(const Validation& v, const OptimizeConfig& cfg) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "\n## Validation (%s, %zu images)\n\nint8 top-1 %.2f%% against float32 %.2f%%: %.2f points lost.\n",
                cfg.val.c_str(), v.n, v.int8_top1 * 100, v.float_top1 * 100, v.drop_points);
  std::string md = buf;
  if (!v.debug) return md;
  md += "\nMore than " + std::to_string(cfg.debug_threshold).substr(0, 4) + " points: the layers that lose it "
        "(`liteopt debug-quant`):\n\n";
  for (const auto& l : v.debug->layers)
    if (l.bad) md += "- `" + l.name + "` (" + l.op_type + "): " + l.suggestion + "\n";
  for (const auto& w : v.debug->warnings) md += "- warning: " + w + "\n";
  return md;
}

int RunOptimize(const OptimizeConfig& cfg) {
  auto calibration = [&]() -> quant::Calibration {
    for (auto c : {quant::Calibration::kPercentile, quant::Calibration::kMse, quant::Calibration::kEntropy})
      if (quant::CalibrationName(c) == cfg.calibration) return c;
    return quant::Calibration::kMinMax;
  }();
  auto model = io::ReadModelFile(cfg.model, {cfg.eval.keras_config});
  if (!model.ok()) return Fail(model.status().message());
  const eval::ModelKind kind = eval::ClassifyModel(**model);
  if (kind != eval::ModelKind::kFloat32)
    return Fail(cfg.model + ": is a " + std::string(eval::ModelKindName(kind)) + " model; optimize needs a float32 model");
  OutputDir out(cfg.out);
  if (Status st = out.Prepare(); !st.ok()) return Fail(st.message());
  auto step = [&](int i, const std::string& what) {
    if (!cfg.quiet) std::fprintf(stderr, "[%d/%d] %s\n", i, kSteps, what.c_str());
  };

  step(1, "loading " + std::to_string(cfg.samples) + " representative samples from " + cfg.train);
  auto samples = LoadModelSamples(cfg.train, **model, {cfg.samples, cfg.seed, cfg.eval.normalize}, cfg.eval.dataset,
                                  "--train");
  if (!samples.ok()) return Fail(samples.status().message());

  const std::string stem = fs::path(cfg.model).stem().string();
  std::vector<std::string> files, models;
  std::vector<std::shared_ptr<const ir::Graph>> graphs;
  for (size_t i = 0; i < std::size(kVariants); ++i) {
    const Variant& v = kVariants[i];
    const std::string name = stem + "_" + v.suffix + ".tflite";
    step(static_cast<int>(i) + 2, std::string(v.what) + " -> " + out.Final(name));
    auto g = ConvertVariant(**model, v, calibration, *samples, out.Scratch(name));
    if (!g.ok()) return Fail(cfg.model + ": " + g.status().message());
    graphs.push_back(*g);
    files.push_back(name);
    models.push_back(out.Scratch(name));
  }
  eval::EvalOptions eo = cfg.eval.Options();
  eo.data_csv = cfg.test;
  if (eo.labels_path.empty()) eo.labels_path = LabelsBeside(cfg.model);
  if (!LabelsBeside(cfg.model).empty()) {
    CopyLabelsBeside(cfg.model, out.Scratch(""));
    files.push_back("labels.txt");
  }

  step(6, "int8 against float32 on " + cfg.val);
  auto validation = Validate(cfg, eo, models[0], models[2], graphs[0], graphs[2]);
  if (!validation.ok()) return Fail(validation.status().message());
  if (!cfg.quiet)
    std::fprintf(stderr, "      int8 loses %.2f points of top-1 on %zu images%s\n", validation->drop_points,
                 validation->n, validation->debug ? ": per-layer diagnosis below" : "");

  step(7, "comparing the variants on " + cfg.test);
  eval::CompareOptions co;
  co.eval = eo;
  CompareProgress progress(cfg.quiet);
  progress.Attach(&co);
  auto report = eval::Compare(models, co);
  progress.Done();
  if (!report.ok()) return Fail(report.status().message());
  for (size_t i = 0; i < report->rows.size(); ++i) report->rows[i].result.model_path = out.Final(files[i]);

  nlohmann::json j = CompareJson(*report);
  j["source"] = cfg.model;
  j["train"] = cfg.train;
  j["calibration"] = {{"method", cfg.calibration}, {"samples", samples->size()}};
  j["validation"] = ValidationJson(*validation, cfg.debug_threshold);
  const std::pair<const char*, std::string> reports[] = {
      {"report.md", eval::RenderMarkdown(*report) + ValidationMarkdown(*validation, cfg)},
      {"report.html", eval::RenderHtml(*report)},
      {"report.json", j.dump(2) + "\n"}};
  for (const auto& [name, text] : reports) {
    if (Status st = WriteFileAtomic(out.Scratch(name), text); !st.ok()) return Fail(st.message());
    files.push_back(name);
  }
  if (Status st = out.Commit(files); !st.ok()) return Fail(st.message());

  if (cfg.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%s", eval::RenderText(*report).c_str());
  std::printf("\nvalidation (%s, %zu images): int8 top-1 %.2f%% vs float32 %.2f%% (%.2f points lost)\n",
              cfg.val.c_str(), validation->n, validation->int8_top1 * 100, validation->float_top1 * 100,
              validation->drop_points);
  if (validation->debug) {
    std::printf("more than %.2f points: per-layer diagnosis of the int8 model on %zu samples of --val\n",
                cfg.debug_threshold, validation->debug->samples);
    PrintBadLayers(*validation->debug);
  }
  std::printf("\nwrote to %s:", cfg.out.c_str());
  for (const std::string& f : files) std::printf(" %s", f.c_str());
  std::printf("\n");
  return kExitOk;
}

}  // namespace

Command AddOptimizeCommand(CLI::App& root) {
  auto cfg = std::make_shared<OptimizeConfig>();
  CLI::App* app = root.add_subcommand(
      "optimize",
      "The whole post-training part in one command: float32 (cleanups), dynamic-range, full int8 and float16 "
      "variants of a float model, checked on --val and compared on --test; models and report.{md,html,json} "
      "written to --out");
  app->add_option("model", cfg->model, "a float32 .tflite (never modified)")->required();
  app->add_option("--train", cfg->train, "CSV of training images: the int8 calibration's representative data")
      ->required();
  app->add_option("--val", cfg->val, "CSV of validation images: int8 against float, diagnosed when it loses too much")
      ->required();
  app->add_option("--test", cfg->test, "CSV of test images: the comparison")->required();
  app->add_option("--out", cfg->out, "folder for the models and reports (created if missing)")->required();
  cfg->eval.Add(*app, false);
  app->add_option("--samples", cfg->samples, "representative samples for the int8 calibration")
      ->check(CLI::Range(1, 1000000));
  app->add_option("--seed", cfg->seed, "seed of the representative sample shuffle");
  app->add_option("--calibration", cfg->calibration, "activation range from calibration")
      ->check(CLI::IsMember({"minmax", "percentile", "mse", "entropy"}));
  app->add_option("--debug-threshold", cfg->debug_threshold,
                  "points of top-1 int8 may lose on --val before its layers are diagnosed");
  app->add_flag("--json", cfg->json, "print report.json instead of the table");
  app->add_flag("-q,--quiet", cfg->quiet, "no progress on stderr");
  return {app, [cfg] { return RunOptimize(*cfg); }};
}

}  // namespace liteopt::cli

// `liteopt compare MODEL... --data test.csv [--markdown F] [--html F] [--json]`: one table for every variant of a
// model (size raw and gzipped, top-1 and its delta to the float model, agreement with it, latency, images/s).
#include "eval/compare.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "base/file_io.h"
#include "cli/commands.h"
#include "cli/eval_report.h"

namespace liteopt::cli {

namespace {

namespace fs = std::filesystem;

struct CompareConfig {
  std::vector<std::string> models;
  EvalFlags eval;
  std::string markdown, html, baseline;
  bool json = false;
  int latency_rounds = 5;
};

// An output path must be writable before minutes of evaluation are spent, and must not be one of the models.
Status CheckOutputPath(const std::string& path, const std::vector<std::string>& models) {
  if (path.empty()) return Status::Ok();
  std::error_code ec;
  if (fs::is_directory(path, ec)) return InvalidArgument(path + ": is a directory; give a file name");
  for (const std::string& m : models)
    if (fs::weakly_canonical(m, ec) == fs::weakly_canonical(path, ec))
      return InvalidArgument(path + ": is one of the models being compared; refusing to overwrite it");
  fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent, ec)) return NotFound(path + ": the folder " + parent.string() + " does not exist");
  if (::access(parent.c_str(), W_OK) != 0)
    return IoError(path + ": the folder " + parent.string() + " is not writable");
  return Status::Ok();
}

int RunCompare(const CompareConfig& cfg) {
  for (const std::string& out : {cfg.markdown, cfg.html})
    if (Status st = CheckOutputPath(out, cfg.models); !st.ok()) return Fail(st.message());
  eval::CompareOptions o;
  o.eval = cfg.eval.Options();
  o.latency_rounds = cfg.latency_rounds;
  if (!cfg.baseline.empty()) {
    std::error_code ec;
    for (size_t i = 0; i < cfg.models.size() && o.baseline < 0; ++i)
      if (cfg.models[i] == cfg.baseline ||
          fs::weakly_canonical(cfg.models[i], ec) == fs::weakly_canonical(cfg.baseline, ec))
        o.baseline = static_cast<int>(i);
    if (o.baseline < 0) return Fail("--baseline " + cfg.baseline + " is not one of the models compared");
  }
  CompareProgress progress(cfg.json);
  progress.Attach(&o);
  auto report = eval::Compare(cfg.models, o);
  progress.Done();
  if (!report.ok()) return Fail(report.status().message());

  for (const auto& [path, text] :
       {std::pair{cfg.markdown, eval::RenderMarkdown(*report)}, std::pair{cfg.html, eval::RenderHtml(*report)}}) {
    if (path.empty()) continue;
    if (Status st = WriteFileAtomic(path, text); !st.ok()) return Fail(st.message());
    std::fprintf(stderr, "liteopt: wrote %s\n", path.c_str());
  }
  if (cfg.json) {
    std::printf("%s\n", CompareJson(*report).dump(2).c_str());
  } else {
    std::printf("%s", eval::RenderText(*report).c_str());
  }
  return kExitOk;
}

}  // namespace

Command AddCompareCommand(CLI::App& root) {
  auto cfg = std::make_shared<CompareConfig>();
  CLI::App* app = root.add_subcommand(
      "compare",
      "Compare variants of a classifier on one test set: size, gzipped size, top-1 and its delta to the "
      "float model, agreement with it, latency, images/s; Markdown and HTML reports");
  app->add_option("models", cfg->models, ".tflite (or Keras .h5) files, in the order of the table")->required();
  cfg->eval.Add(*app);
  app->add_option("--baseline", cfg->baseline,
                  "the reference model for deltas and agreement (default: the first float32 model given)");
  app->add_option("--markdown", cfg->markdown, "also write the table as Markdown to this file");
  app->add_option("--html", cfg->html,
                  "also write a self-contained HTML report (table and a plot of accuracy against size) to this file");
  app->add_flag("--json", cfg->json, "print one JSON object (models, baseline, hints) instead of the table");
  app->add_option("--latency-rounds", cfg->latency_rounds,
                  "time latency and images/s (1 thread) after the accuracy passes in this many interleaved rounds "
                  "(every model in turn, 0.2 s each, on the first 8 test images), so that a change in the machine's "
                  "speed affects every model alike; 0: each model's own accuracy pass")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  return {app, [cfg] { return RunCompare(*cfg); }};
}

}  // namespace liteopt::cli

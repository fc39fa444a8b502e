// `liteopt evaluate MODEL --data test.csv`: accuracy, speed and size of one classifier on a labelled test set.
#include "eval/evaluate.h"

#include <cstdio>

#include "cli/commands.h"
#include "cli/eval_report.h"

namespace liteopt::cli {

namespace {

struct EvaluateConfig {
  std::string model;
  EvalFlags eval;
  bool json = false;
};

int RunEvaluate(const EvaluateConfig& cfg) {
  eval::EvalOptions o = cfg.eval.Options();
  std::unique_ptr<Progress> bar;  // created at the first image, when the row count is known
  o.progress = [&](size_t done, size_t total) {
    if (!bar) bar = std::make_unique<Progress>("evaluate", total, cfg.json);
    bar->Update(done);
  };
  auto r = eval::Evaluate(cfg.model, o);
  if (bar) bar->Done();
  if (!r.ok()) return Fail(r.status().message());
  if (!r->skipped.empty()) {
    std::fprintf(stderr, "skipped %zu bad sample%s (--skip-bad):\n", r->skipped.size(),
                 r->skipped.size() == 1 ? "" : "s");
    for (size_t i = 0; i < std::min<size_t>(r->skipped.size(), 10); ++i)
      std::fprintf(stderr, "  %s\n", r->skipped[i].c_str());
    if (r->skipped.size() > 10) std::fprintf(stderr, "  ... and %zu more\n", r->skipped.size() - 10);
  }
  if (cfg.json) {
    std::printf("%s\n", EvalJson(*r, true).dump(2).c_str());
  } else {
    PrintEvalText(*r);
  }
  return kExitOk;
}

}  // namespace

Command AddEvaluateCommand(CLI::App& root) {
  auto cfg = std::make_shared<EvaluateConfig>();
  CLI::App* app = root.add_subcommand(
      "evaluate", "Accuracy (top-1, top-k, per class, confusion matrix), images/s, latency and size of a classifier");
  app->add_option("model", cfg->model, "a .tflite image classifier or a Keras .h5 one")->required();
  cfg->eval.Add(*app);
  app->add_option("--top-k", cfg->eval.top_k, "k of the top-k accuracy (top-5 is always reported)")
      ->check(CLI::Range(1, 1000));
  app->add_flag("--json", cfg->json,
                "print one JSON object (n, top1, top5, images_per_second, latency_ms, size_bytes, per_class, "
                "confusion, ...) instead of text");
  return {app, [cfg] { return RunEvaluate(*cfg); }};
}

}  // namespace liteopt::cli

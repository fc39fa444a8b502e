// Printing evaluation results (text and JSON), shared by `liteopt evaluate` and `liteopt compare`.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/dataset_flags.h"
#include "eval/compare.h"
#include "eval/evaluate.h"

namespace liteopt::cli {

// The evaluation flags both commands share (dataset flags included).
struct EvalFlags {
  std::string data;
  std::string labels;
  size_t limit = 0;
  int threads = 0;
  int top_k = 5;
  bool no_batched = false;
  std::string normalize = "auto";
  std::string keras_config;  // --config: a Keras weights-only model's architecture
  DatasetFlags dataset;

  // with_data: also the required --data (commands that name their datasets otherwise pass false).
  void Add(CLI::App& app, bool with_data = true);
  eval::EvalOptions Options() const;
};

// Progress on stderr while a comparison runs: one bar per model, labelled "[i/n] file name".
class CompareProgress {
 public:
  explicit CompareProgress(bool quiet) : quiet_(quiet) {}
  void Attach(eval::CompareOptions* options);  // sets on_model and eval.progress; this must outlive the run
  void Done();

 private:
  std::unique_ptr<Progress> bar_;
  std::string label_;
  bool quiet_;
};

// "0,1" style name of an input range.
std::string NormalizationText(data::PixelNormalization n);

// One JSON object: n, top1, top5, images_per_second, latency_ms {p50,p90,p99}, size_bytes, and more. With
// `details`, also per-class accuracy and the confusion matrix (dense up to 100 classes, else the non-zero cells).
nlohmann::json EvalJson(const eval::EvalResult& r, bool details);

// A comparison as `liteopt compare --json` prints it: data, baseline, baseline_reason, models (EvalJson of each,
// with name, top1_delta, agreement, agreement_n), hints.
nlohmann::json CompareJson(const eval::CompareReport& report);

// The human-readable report of one evaluation, to stdout.
void PrintEvalText(const eval::EvalResult& r);

}  // namespace liteopt::cli

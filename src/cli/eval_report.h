// Printing evaluation results (text and JSON), shared by `liteopt evaluate` and `liteopt compare`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cli/dataset_flags.h"
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
  DatasetFlags dataset;

  void Add(CLI::App& app);
  eval::EvalOptions Options() const;
};

// "0,1" style name of an input range.
std::string NormalizationText(data::PixelNormalization n);

// One JSON object: n, top1, top5, images_per_second, latency_ms {p50,p90,p99}, size_bytes, and more. With
// `details`, also per-class accuracy and the confusion matrix (dense up to 100 classes, else the non-zero cells).
nlohmann::json EvalJson(const eval::EvalResult& r, bool details);

// The human-readable report of one evaluation, to stdout.
void PrintEvalText(const eval::EvalResult& r);

}  // namespace liteopt::cli

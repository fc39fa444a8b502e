// Evaluation of an image classifier (.tflite) on a labelled CSV dataset: accuracy (top-1, top-k, per class,
// confusion matrix), speed measured as the course measures it (image by image, batch 1, one thread) and batched
// on every thread, latency percentiles, file size.
//
//   eval::EvalOptions o;
//   o.data_csv = "test.csv";
//   auto r = eval::Evaluate("model.tflite", o);   // r->top1, r->images_per_second, r->latency.p50_ms ...
//
// The library never prints: progress goes through EvalOptions::progress.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "data/dataset.h"
#include "data/model_input.h"
#include "eval/metrics.h"

namespace liteopt::eval {

struct EvalOptions {
  std::string data_csv;
  data::CsvDatasetOptions csv;  // columns, skip_bad (CSV rows and images), image_root
  // The class order: a labels.txt (one name per line, line index = the model's class id). Empty: labels.txt
  // beside the model when there is one, else the CSV's own labels in sorted order (the course's encoding).
  std::string labels_path;
  std::string normalize = "auto";  // as data::ModelInputSpecFor
  std::string keras_config;        // the architecture JSON of Keras weights-only models (io::ModelReadOptions)
  data::ResizeMethod resize = data::ResizeMethod::kBilinear;
  bool jpeg_dct_scaling = true;  // as data::PipelineOptions
  size_t limit = 0;              // evaluate the first `limit` rows of the CSV; 0 = all
  int top_k = 5;                 // k of the top-k accuracy (top-5 is always computed as well)

  // Batched throughput (inference only, on inputs decoded beforehand), on `threads` threads (0 = the cores this
  // process may use). Two ways are measured and the faster kept: one interpreter with the batch resized to
  // `batch` using every thread, and one single-thread interpreter per thread at batch 1.
  bool batched = true;
  int threads = 0;
  int batch = 32;
  double min_measure_seconds = 0.25;  // per way, at least one pass over the kept inputs

  // Decoded inputs (the first ones of the dataset, as fed to the model) kept in EvalResult::kept_inputs, for a
  // later MeasureLatencyInterleaved.
  size_t keep_inputs = 0;

  // Called after each image of the accuracy pass with (images done, rows to evaluate).
  std::function<void(size_t, size_t)> progress;
};

struct LatencyStats {  // per image, batch 1 on one thread: input copy + invoke + reading the scores
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, mean_ms = 0, min_ms = 0, max_ms = 0;
};

struct ThroughputTrial {
  std::string mode;  // "batch 32 x 2 threads" or "2 interpreters x batch 1"
  int batch = 1;
  int threads = 1;
  int interpreters = 1;
  double images_per_second = 0;  // 0 when the way is not possible; `note` then says why
  std::string note;
};

struct Throughput {
  double images_per_second = 0;  // the best trial
  std::string mode;              // of the best trial
  std::vector<ThroughputTrial> trials;
  size_t distinct_inputs = 0;  // decoded inputs cycled through (the first ones of the dataset)
};

struct ClassStats {
  std::string name;
  int64_t count = 0;    // images whose label is this class
  int64_t correct = 0;  // of those, predicted as this class
  double accuracy() const { return count ? static_cast<double>(correct) / count : 0.0; }
};

struct Prediction {
  size_t index = 0;   // row of the (limited) dataset, 0-based, in CSV order
  int32_t label = 0;  // true class id
  int32_t top1 = 0;   // predicted class id (the lowest id among equal top scores)
  int32_t rank = 0;   // how many classes rank above the true one (0 = top-1 correct)
};

struct EvalResult {
  std::string model_path;
  int64_t size_bytes = 0;
  int64_t gzip_bytes = 0;
  ModelKind kind = ModelKind::kFloat32;
  std::string input_name, output_name;
  std::vector<int32_t> input_shape;
  data::ModelInputSpec input;  // how images were fed
  data::LabelMap labels;
  std::string labels_source;  // "labels.txt beside the model", "--labels FILE", "the CSV's sorted labels"
  std::string data_csv;
  size_t rows = 0;                   // rows evaluated or skipped (after --limit)
  std::vector<std::string> skipped;  // rows and images skipped with skip_bad, with where and why

  // Accuracy.
  size_t n = 0;  // images evaluated
  int top_k = 5;
  int64_t top1_correct = 0, top5_correct = 0, topk_correct = 0;
  double top1 = 0, top5 = 0, topk = 0;          // fractions in [0, 1]
  std::vector<ClassStats> per_class;            // one per label, in class-id order
  std::vector<std::vector<int64_t>> confusion;  // [true class][predicted class]
  std::vector<Prediction> predictions;          // in dataset order

  // Speed, batch 1 on one thread, as the course measures (a loop of set_tensor + invoke + argmax):
  double images_per_second = 0;             // n / (time of input copy + invoke + argmax)
  double end_to_end_images_per_second = 0;  // n / wall time including read, decode and resize
  LatencyStats latency;
  // How `latency` and `images_per_second` were measured: 0 = over the accuracy pass, one run per image; else by
  // MeasureLatencyInterleaved in this many rounds. latency_runs: the timed runs in all (n for the accuracy pass).
  int latency_rounds = 0;
  size_t latency_runs = 0;
  std::optional<Throughput> batched;  // when EvalOptions::batched
  std::vector<std::vector<uint8_t>> kept_inputs;  // EvalOptions::keep_inputs
};

Result<EvalResult> Evaluate(const std::string& model_path, const EvalOptions& options);

// Batch-1, one-thread latency of several evaluated models, measured in `rounds` interleaved rounds (A B C, A B C,
// ...): in each round every model runs input copy + invoke + argmax on its kept inputs (EvalResult::kept_inputs,
// cycled) for `seconds_per_round`. A host whose speed changes during the measurement then slows every model alike,
// where one model after the other would credit the change to whichever model ran at the time. Replaces each result's
// `latency` and `images_per_second` (runs / their total time) and sets latency_rounds and latency_runs.
Status MeasureLatencyInterleaved(const std::vector<EvalResult*>& results, const EvalOptions& options, int rounds,
                                 double seconds_per_round);

}  // namespace liteopt::eval

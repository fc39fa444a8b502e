// Comparison of model variants (float, dynamic-range, int8, float16, ...) on one test set: one row per model with
// size (raw and gzipped), top-1 and its delta to a baseline (the float model), top-1 agreement with the
// baseline's predictions, latency and images/s; rendered as a terminal table, Markdown or a self-contained HTML
// page with a plot of accuracy against size.
//
//   eval::CompareOptions o;
//   o.eval.data_csv = "test.csv";
//   auto report = eval::Compare({"float.tflite", "int8.tflite"}, o);
//   std::string md = eval::RenderMarkdown(*report);
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "eval/evaluate.h"

namespace liteopt::eval {

struct CompareOptions {
  EvalOptions eval;   // the same data and settings for every model
  int baseline = -1;  // index of the reference model; -1: the first float32 model, or the first model if none
  // An int8 (or other quantized) model losing more than this many points of top-1 gets a hint.
  double hint_drop_points = 1.0;
  // Latency and images/s (batch 1, one thread) measured after the accuracy passes in this many interleaved rounds
  // of `latency_round_seconds` per model (eval::MeasureLatencyInterleaved) on the first `latency_inputs` test
  // images; 0 keeps each model's figures from its own accuracy pass.
  int latency_rounds = 5;
  double latency_round_seconds = 0.2;
  size_t latency_inputs = 8;
  // Called before each model is evaluated, with (index, count, path).
  std::function<void(size_t, size_t, const std::string&)> on_model;
  // Called once before the interleaved latency rounds, with the number of models.
  std::function<void(size_t)> on_latency;
};

struct CompareRow {
  EvalResult result;
  std::string name;        // short display name (file name, or the path when file names repeat)
  double top1_delta = 0;   // top1 - baseline top1, as a fraction (-0.012 = 1.2 points lost)
  double agreement = 0;    // share of images both evaluated with the baseline's top-1 prediction
  size_t agreement_n = 0;  // images both evaluated
};

struct CompareReport {
  std::vector<CompareRow> rows;  // in the order the models were given
  int baseline = 0;
  std::string baseline_reason;  // "the first float32 model", "chosen", "no float32 model given: the first model"
  std::string data_csv;
  std::vector<std::string> hints;  // one line each, e.g. for an int8 model losing more than a point
};

// Evaluates every model (EvalOptions::progress reports per model) and compares them with the baseline. Every model
// must use the same class ids (same label count and names).
Result<CompareReport> Compare(const std::vector<std::string>& models, const CompareOptions& options);

// The report's hints: each quantized model losing more than `hint_drop_points` of top-1 against the baseline,
// with what to try. When another float32 model in the list (a pruned or fine-tuned copy) already lost about as
// much, the hint says the loss comes from that model, not from quantization.
std::vector<std::string> AccuracyHints(const std::vector<CompareRow>& rows, int baseline, double hint_drop_points);

// Renderings of a report. Text: a fixed-width table for a terminal. Markdown: a GitHub table plus notes. HTML: one
// self-contained page (inline CSS and SVG, no script, nothing fetched) with the table and a plot of top-1 against
// file size, marker area by latency and colour by model kind.
std::string RenderText(const CompareReport& report);
std::string RenderMarkdown(const CompareReport& report);
std::string RenderHtml(const CompareReport& report);

}  // namespace liteopt::eval

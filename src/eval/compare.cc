#include "eval/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <unordered_map>

namespace liteopt::eval {

namespace {

std::string Points(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", fraction * 100.0);
  return buf;
}

// Display names: file names when they are unique, else the paths as given.
void NameRows(std::vector<CompareRow>* rows) {
  std::set<std::string> names;
  for (const CompareRow& r : *rows) names.insert(std::filesystem::path(r.result.model_path).filename().string());
  const bool unique = names.size() == rows->size();
  for (CompareRow& r : *rows)
    r.name = unique ? std::filesystem::path(r.result.model_path).filename().string() : r.result.model_path;
}

}  // namespace

Result<CompareReport> Compare(const std::vector<std::string>& models, const CompareOptions& options) {
  if (models.empty()) return InvalidArgument("compare needs at least one model");
  if (options.baseline >= static_cast<int>(models.size()))
    return InvalidArgument("baseline index " + std::to_string(options.baseline) + " is not one of the " +
                           std::to_string(models.size()) + " models");
  if (options.latency_rounds < 0)
    return InvalidArgument("latency rounds must be 0 or more, got " + std::to_string(options.latency_rounds));
  CompareReport report;
  report.data_csv = options.eval.data_csv;
  EvalOptions eval = options.eval;
  if (options.latency_rounds > 0) eval.keep_inputs = std::max<size_t>(1, options.latency_inputs);
  for (size_t i = 0; i < models.size(); ++i) {
    if (options.on_model) options.on_model(i, models.size(), models[i]);
    auto r = Evaluate(models[i], eval);
    if (!r.ok()) return r.status();
    if (!report.rows.empty()) {
      const EvalResult& first = report.rows.front().result;
      if (r->labels.names() != first.labels.names()) {
        return InvalidArgument(models[i] + ": its classes (" + r->labels_source + ", " +
                               std::to_string(r->labels.size()) + " classes) differ from those of " + first.model_path +
                               " (" + first.labels_source + ", " + std::to_string(first.labels.size()) +
                               " classes); variants of one model share labels");
      }
    }
    report.rows.push_back({std::move(*r), "", 0, 0, 0});
  }
  NameRows(&report.rows);
  if (options.latency_rounds > 0) {
    if (options.on_latency) options.on_latency(report.rows.size());
    std::vector<EvalResult*> results;
    for (CompareRow& row : report.rows) results.push_back(&row.result);
    LITEOPT_RETURN_IF_ERROR(
        MeasureLatencyInterleaved(results, eval, options.latency_rounds, options.latency_round_seconds));
    for (CompareRow& row : report.rows) row.result.kept_inputs = {};
  }

  if (options.baseline >= 0) {
    report.baseline = options.baseline;
    report.baseline_reason = "chosen";
  } else {
    report.baseline = -1;
    for (size_t i = 0; i < report.rows.size() && report.baseline < 0; ++i)
      if (report.rows[i].result.kind == ModelKind::kFloat32) report.baseline = static_cast<int>(i);
    report.baseline_reason = "the first float32 model";
    if (report.baseline < 0) {
      report.baseline = 0;
      report.baseline_reason = "no float32 model given: the first model";
    }
  }

  const EvalResult& base = report.rows[report.baseline].result;
  std::unordered_map<size_t, int32_t> base_top1;
  for (const Prediction& p : base.predictions) base_top1[p.index] = p.top1;
  for (size_t i = 0; i < report.rows.size(); ++i) {
    CompareRow& row = report.rows[i];
    row.top1_delta = row.result.top1 - base.top1;
    size_t same = 0;
    for (const Prediction& p : row.result.predictions) {
      auto it = base_top1.find(p.index);
      if (it == base_top1.end()) continue;
      ++row.agreement_n;
      same += it->second == p.top1;
    }
    row.agreement = row.agreement_n ? static_cast<double>(same) / row.agreement_n : 0.0;
  }
  report.hints = AccuracyHints(report.rows, report.baseline, options.hint_drop_points);
  return report;
}

std::vector<std::string> AccuracyHints(const std::vector<CompareRow>& rows, int baseline, double hint_drop_points) {
  std::vector<std::string> hints;
  const auto loses = [&](const CompareRow& r) { return -r.top1_delta * 100.0 > hint_drop_points; };
  const std::string& base_name = rows[baseline].name;
  for (size_t i = 0; i < rows.size(); ++i) {
    const CompareRow& row = rows[i];
    if (static_cast<int>(i) == baseline || !IsQuantized(row.result.kind) || !loses(row)) continue;
    // Another float32 model that already lost as much (a pruned or fine-tuned copy the variant was made from):
    // the loss happened before quantization, and quantization is measured against that model instead.
    const CompareRow* source = nullptr;
    for (size_t j = 0; j < rows.size(); ++j) {
      const CompareRow& f = rows[j];
      if (static_cast<int>(j) == baseline || f.result.kind != ModelKind::kFloat32 || !loses(f)) continue;
      if (source == nullptr ||
          std::abs(f.result.top1 - row.result.top1) < std::abs(source->result.top1 - row.result.top1))
        source = &f;
    }
    const std::string what = row.name + " (" + std::string(ModelKindName(row.result.kind)) + ") loses " +
                             Points(-row.top1_delta) + " points of top-1 against " + base_name;
    const std::string fixes =
        ": try percentile calibration (`liteopt convert --calibration percentile`) or keep the worst layers float "
        "(`--keep-float`); `liteopt debug-quant FLOAT QUANT --data CSV` names them";
    if (source == nullptr) {
      hints.push_back(what + fixes);
      continue;
    }
    const double quant_loss = source->result.top1 - row.result.top1;
    if (quant_loss * 100.0 <= hint_drop_points) {
      const std::string gap =
          quant_loss >= 0 ? Points(quant_loss) + " points below it" : Points(-quant_loss) + " points above it";
      hints.push_back(what + ", but the float32 " + source->name + " already loses " + Points(-source->top1_delta) +
                      ": the loss comes from what made that model (pruning, fine-tuning), not from quantization (" +
                      gap + "); fine-tune it longer or prune less");
    } else {
      hints.push_back(what + ", " + Points(quant_loss) + " of them against the float32 " + source->name + fixes);
    }
  }
  return hints;
}

}  // namespace liteopt::eval

#include "cli/quant_debug_report.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace liteopt::cli {

namespace {

// JSON has no infinity or NaN: those become null.
nlohmann::json Number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string Cell(double v, const char* format) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

const char* CauseName(eval::ErrorCause c) {
  switch (c) {
    case eval::ErrorCause::kOutputRange: return "output range";
    case eval::ErrorCause::kComputation: return "weights/arithmetic";
    case eval::ErrorCause::kNone: break;
  }
  return "";
}

std::string Clip(const std::string& s, size_t n) { return s.size() <= n ? s : s.substr(0, n - 3) + "..."; }

}  // namespace

void PrintBadLayers(const eval::QuantDebugReport& r) {
  size_t bad = 0;
  for (const auto& l : r.layers) bad += l.bad;
  if (bad) std::printf("\nbad layers (%zu), worst first\n", bad);
  if (!bad && !r.layers.empty())
    std::printf("\nno bad layer: the worst, %s, has an own SQNR of %s dB (the drop comes from many small errors)\n",
                r.layers[0].name.c_str(), Cell(r.layers[0].sqnr_db, "%.1f").c_str());
  for (const auto& l : r.layers) {
    if (!l.bad) continue;
    std::printf("  %s (%s, own SQNR %s dB, %s): %s\n", l.name.c_str(), l.op_type.c_str(),
                Cell(l.sqnr_db, "%.1f").c_str(), CauseName(l.cause), l.suggestion.c_str());
  }
  if (!r.warnings.empty()) std::printf("\nwarnings\n");
  for (const auto& w : r.warnings) std::printf("  - %s\n", w.c_str());
}

void PrintQuantDebugText(const eval::QuantDebugReport& r, size_t top) {
  std::printf("compared  %zu samples; model output SQNR %s dB, cosine %s, same top-1 on %.1f%% of the samples\n",
              r.samples, Cell(r.output_sqnr_db, "%.1f").c_str(), Cell(r.output_cosine, "%.4f").c_str(),
              r.top1_agreement * 100);
  std::printf("ops       %zu of %zu float ops matched\n", r.float_ops - r.unmatched.size(), r.float_ops);
  std::printf(
      "\nper layer, worst first (own error: the op alone, fed the quantized model's inputs; total: from the image)\n");
  std::printf("  %3s  %-28s %-18s %10s %8s %8s %8s %8s %9s  %s\n", "#", "layer", "op", "RMSE/scale", "SQNR dB",
              "cosine", "range dB", "total dB", "max/p99.99", "");
  const size_t n = top == 0 ? r.layers.size() : std::min(top, r.layers.size());
  for (size_t i = 0; i < n; ++i) {
    const auto& l = r.layers[i];
    const double ratio = l.range.p9999_abs > 0 ? l.range.max_abs / l.range.p9999_abs : NAN;
    std::printf("  %3zu  %-28s %-18s %10s %8s %8s %8s %8s %9s  %s\n", i + 1, Clip(l.name, 28).c_str(),
                Clip(l.op_type + (l.quantized ? "" : " (f)"), 18).c_str(), Cell(l.rmse_over_scale, "%.2f").c_str(),
                Cell(l.sqnr_db, "%.1f").c_str(), Cell(l.cosine, "%.4f").c_str(), Cell(l.range_sqnr_db, "%.1f").c_str(),
                Cell(l.total_sqnr_db, "%.1f").c_str(), Cell(ratio, "%.1f").c_str(), l.bad ? "BAD" : "");
  }
  if (n < r.layers.size()) std::printf("  ... %zu more (--top 0 lists every layer)\n", r.layers.size() - n);
  std::printf("  (f): computed in float by the quantized model. range dB: the output's own int8 rounding and clipping.\n");
  PrintBadLayers(r);
}

nlohmann::json QuantDebugJson(const eval::QuantDebugReport& r) {
  nlohmann::json j;
  j["samples"] = r.samples;
  j["float_ops"] = r.float_ops;
  j["unmatched"] = r.unmatched;
  j["output_sqnr_db"] = Number(r.output_sqnr_db);
  j["output_cosine"] = Number(r.output_cosine);
  j["top1_agreement"] = r.top1_agreement;
  j["data_range"] = {r.data_min, r.data_max};
  if (r.quant_input_range_known) j["quant_input_range"] = {r.quant_input_min, r.quant_input_max};
  j["warnings"] = r.warnings;
  j["layers"] = nlohmann::json::array();
  for (const auto& l : r.layers) {
    nlohmann::json o = {{"name", l.name},
                        {"op", l.op_type},
                        {"float_op", l.float_op},
                        {"quant_op", l.quant_op},
                        {"quantized", l.quantized},
                        {"dtype", std::string(DTypeName(l.dtype))},
                        {"scale", l.scale},
                        {"zero_point", l.zero_point},
                        {"rmse_over_scale", Number(l.rmse_over_scale)},
                        {"sqnr_db", Number(l.sqnr_db)},
                        {"cosine", Number(l.cosine)},
                        {"range_sqnr_db", Number(l.range_sqnr_db)},
                        {"total_sqnr_db", Number(l.total_sqnr_db)},
                        {"total_cosine", Number(l.total_cosine)},
                        {"min", l.range.min},
                        {"max", l.range.max},
                        {"max_abs", l.range.max_abs},
                        {"p99_abs", l.range.p99_abs},
                        {"p9999_abs", l.range.p9999_abs},
                        {"clipped", l.clipped},
                        {"bad", l.bad},
                        {"cause", CauseName(l.cause)},
                        {"keep_float", l.keep_float},
                        {"suggestion", l.suggestion}};
    if (l.weight_max_abs > 0) o["weights"] = {{"max_abs", l.weight_max_abs}, {"p99_abs", l.weight_p99_abs},
                                              {"per_tensor", l.per_tensor_weights}};
    if (!l.note.empty()) o["note"] = l.note;
    j["layers"].push_back(o);
  }
  return j;
}

nlohmann::json KeepFloatSearchJson(const eval::KeepFloatSearchResult& r, double budget_points) {
  nlohmann::json j;
  j["max_accuracy_drop"] = budget_points;
  j["float_top1"] = r.float_top1;
  j["steps"] = nlohmann::json::array();
  for (const auto& s : r.steps)
    j["steps"].push_back({{"keep_float", s.keep_float}, {"added", s.added}, {"top1", s.top1},
                          {"drop_points", s.drop_points}});
  j["within_budget"] = r.chosen >= 0;
  if (r.chosen >= 0) {
    j["kept_float"] = r.steps[r.chosen].keep_float;
    j["top1"] = r.steps[r.chosen].top1;
    j["drop_points"] = r.steps[r.chosen].drop_points;
  }
  return j;
}

}  // namespace liteopt::cli

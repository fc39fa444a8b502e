// Selective quantization under an accuracy budget: keep the worst layers of a quantized model in float, one
// more at a time in the order quantization debugging ranked them, until its top-1 on a labelled dataset is
// within `max_drop_points` of the float model's.
//
// Conversion belongs to src/quant, which eval does not include: the caller makes each candidate model file
// (quant::Convert with ConvertOptions::keep_float, then the writer) through `make_candidate`. Every model is
// evaluated with Evaluate, so the accuracy reported is what `liteopt evaluate` reports for that file.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "eval/evaluate.h"
#include "eval/quant_debug.h"

namespace liteopt::eval {

struct KeepFloatStep {
  std::vector<std::string> keep_float;  // the --keep-float names of this candidate (empty: the quantized model)
  std::string added;                    // the layer added at this step ("" for the quantized model)
  std::string model_path;
  double top1 = 0;
  double drop_points = 0;  // (float top-1 - top1) * 100
};

struct KeepFloatSearchOptions {
  double max_drop_points = 0.5;
  size_t max_steps = 16;  // candidates tried at most (layers kept float, one more per step)
  EvalOptions eval;       // data, labels, limit; batched throughput is never measured here
  std::function<void(const KeepFloatStep&)> on_step;  // after each evaluation (the float model's is not a step)
};

struct KeepFloatSearchResult {
  double float_top1 = 0;
  std::vector<KeepFloatStep> steps;  // steps[0]: the quantized model as given
  int chosen = -1;                   // the first step within the budget, or -1
};

// Makes the model file keeping `keep_float` in float; returns its path.
using MakeCandidate = std::function<Result<std::string>(const std::vector<std::string>& keep_float)>;

// `ranked`: layers worst first (QuantDebugReport::layers); only quantized ones are candidates, each adding its
// LayerReport::keep_float names. Labels: EvalOptions::labels_path, else labels.txt beside the float model, so that
// candidates written elsewhere use the same class ids.
Result<KeepFloatSearchResult> SearchKeepFloat(const std::string& float_model, const std::string& quant_model,
                                              const std::vector<LayerReport>& ranked, const MakeCandidate& make_candidate,
                                              const KeepFloatSearchOptions& options);

}  // namespace liteopt::eval

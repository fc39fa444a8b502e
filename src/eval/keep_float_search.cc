#include "eval/keep_float_search.h"

#include <algorithm>
#include <filesystem>

namespace liteopt::eval {

Result<KeepFloatSearchResult> SearchKeepFloat(const std::string& float_model, const std::string& quant_model,
                                              const std::vector<LayerReport>& ranked, const MakeCandidate& make_candidate,
                                              const KeepFloatSearchOptions& options) {
  EvalOptions eo = options.eval;
  eo.batched = false;
  if (eo.labels_path.empty()) {
    const auto beside = std::filesystem::path(float_model).parent_path() / "labels.txt";
    std::error_code ec;
    if (std::filesystem::is_regular_file(beside, ec)) eo.labels_path = beside.string();
  }
  KeepFloatSearchResult result;
  LITEOPT_ASSIGN_OR_RETURN(EvalResult base, Evaluate(float_model, eo));
  result.float_top1 = base.top1;

  auto evaluate = [&](KeepFloatStep step) -> Status {
    LITEOPT_ASSIGN_OR_RETURN(EvalResult r, Evaluate(step.model_path, eo));
    step.top1 = r.top1;
    step.drop_points = (result.float_top1 - r.top1) * 100.0;
    if (options.on_step) options.on_step(step);
    result.steps.push_back(std::move(step));
    if (result.steps.back().drop_points <= options.max_drop_points + 1e-9)
      result.chosen = static_cast<int>(result.steps.size()) - 1;
    return Status::Ok();
  };
  LITEOPT_RETURN_IF_ERROR(evaluate({{}, "", quant_model, 0, 0}));

  std::vector<std::string> keep;
  for (const LayerReport& layer : ranked) {
    if (result.chosen >= 0 || result.steps.size() > options.max_steps) break;
    if (!layer.quantized) continue;
    const size_t before = keep.size();
    for (const std::string& name : layer.keep_float)
      if (std::find(keep.begin(), keep.end(), name) == keep.end()) keep.push_back(name);
    if (keep.size() == before) continue;  // already float through an earlier layer's set
    LITEOPT_ASSIGN_OR_RETURN(std::string path, make_candidate(keep));
    LITEOPT_RETURN_IF_ERROR(evaluate({keep, layer.name, path, 0, 0}));
  }
  return result;
}

}  // namespace liteopt::eval

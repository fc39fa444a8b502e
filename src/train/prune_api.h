// The contract between `liteopt prune` (cli/prune.cc) and the training plugin's pruning entry point, and the
// pruning schedules (torch-free: the executable validates and prints them without loading libtorch).
//
// Schedules are TensorFlow Model Optimization's (tfmot.sparsity.keras), same parameters, same formulas:
//   PolynomialDecay(initial_sparsity, final_sparsity, begin_step, end_step, power = 3, frequency = 100):
//     p = min(1, max(0, (step - begin_step) / (end_step - begin_step)))
//     sparsity = final_sparsity + (initial_sparsity - final_sparsity) * (1 - p)^power
//   ConstantSparsity(target_sparsity, begin_step, end_step = -1, frequency = 100): sparsity = target_sparsity
//   Masks are recomputed at a step when begin_step <= step <= end_step (or end_step = -1, constant only) and
//   (step - begin_step) % frequency == 0; in between, the last masks are re-applied.
// Steps count optimizer steps from 0 over the whole run (epochs x batches per epoch). Here a step's mask update
// happens right after that step's optimizer update, and the masks are then applied after every later step.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "train/train_api.h"

namespace liteopt::train {

inline constexpr const char* kPruneEntryPoint = "liteopt_prune_main";

struct PruneSchedule {
  std::string kind = "polynomial";  // "polynomial" (PolynomialDecay) or "constant" (ConstantSparsity)
  double initial_sparsity = 0.0;    // polynomial only
  double target_sparsity = 0.5;     // final_sparsity / target_sparsity
  // -1: derived from the run's length (ResolveSchedule). For "constant", end_step -1 also means TFMOT's
  // "until the end of training".
  int64_t begin_step = -1, end_step = -1, frequency = -1;
  double power = 3.0;
};

// A schedule with every step fixed for a run of `total_steps` optimizer steps.
struct ResolvedSchedule {
  PruneSchedule s;               // no -1 left except a constant schedule's end_step
  int64_t total_steps = 0;
  int64_t last_update_step = 0;  // the last step whose update sets the final sparsity level of the run
  double final_sparsity = 0;     // the sparsity of that update (below the target when end_step is not
                                 // begin_step plus a multiple of frequency, as in TFMOT)
  std::string note;              // a warning worth printing, or empty
};

// Checks what does not depend on the run's length (the executable calls it before loading the plugin).
Status CheckSchedule(const PruneSchedule& schedule);

// Defaults from the run's length alone (TFMOT leaves them to the user): begin_step 0; frequency 100, or fewer
// steps so that the schedule makes at least 10 updates; end_step the last update step within the first 75% of
// the run, so the final quarter fine-tunes at the target sparsity. Errors (InvalidArgument, naming the flag):
// a target sparsity outside (0, 1), an initial sparsity outside [0, target), steps out of order or beyond the
// run, a frequency below 1, a power <= 0, an unknown kind.
Result<ResolvedSchedule> ResolveSchedule(const PruneSchedule& schedule, int64_t total_steps);

// TFMOT's PruningSchedule.__call__: whether masks are updated at `step`, and the sparsity they get.
std::pair<bool, double> SparsityAt(const ResolvedSchedule& r, int64_t step);

// What `liteopt prune` asks of the plugin. train.init_model is the float model to prune; train.output receives
// the pruned float model (zeros in place of the pruned weights, masks stripped) chosen among the epochs that
// end after the last mask update.
struct PruneConfig {
  TrainConfig train;
  PruneSchedule schedule;
  // "1x1" (element by element), "1x4" (blocks of 4 consecutive input-channel weights, TFLite's sparse FC
  // block) or "2:4" (2 of every 4 consecutive input-channel weights, at 50% sparsity).
  std::string structure = "1x1";
  // "layer": every pruned layer at the schedule's sparsity (TFMOT); "global": one magnitude ranking over all
  // pruned layers, the sparsity overall (prune.h).
  std::string scope = "layer";
};

struct PrunedLayerStats {
  std::string name;    // the layer (its op's output tensor)
  std::string op;      // CONV_2D or FULLY_CONNECTED
  std::vector<int64_t> shape;  // the weight in TFLite's layout (OHWI, [units, depth])
  std::string structure;       // what was applied ("1x4", or "1x1" where the depth is not a multiple of 4)
  int64_t elements = 0, zeros = 0;  // zeros of the kept model's weight
};

// The training part of the run (train::TrainOutcome's fields the command reports).
struct PruneTrainSummary {
  bool interrupted = false;  // SIGINT: a checkpoint was saved, nothing else written
  int epochs_done = 0, best_epoch = 0;
  double best_accuracy = -1;          // validation accuracy of the kept epoch (torch)
  double interpreter_accuracy = -1;   // the written float model's validation accuracy in liteopt's interpreter
  std::string model_path, labels_path, history_csv, checkpoint_path;
};

struct PruneOutcome {
  PruneTrainSummary train;
  ResolvedSchedule schedule;
  std::vector<PrunedLayerStats> layers;
};

// Entry point exported by the plugin: 0, 1 (*error holds the message) or kTrainInterrupted.
using PruneMainFn = int (*)(const PruneConfig* config, PruneOutcome* outcome, std::string* error);

// ---------------------------------------------------------------------------------------------------------------
// The schedule functions are defined here: both the executable and the plugin use them, and neither links the
// other's objects.

inline Status CheckSchedule(const PruneSchedule& s) {
  auto num = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return std::string(b);
  };
  if (s.kind != "polynomial" && s.kind != "constant")
    return InvalidArgument("--schedule " + s.kind + ": expected polynomial or constant");
  if (!(s.target_sparsity > 0.0 && s.target_sparsity < 1.0))
    return InvalidArgument("--target-sparsity " + num(s.target_sparsity) +
                           " is outside (0, 1): it is the fraction of the pruned layers' weights set to zero");
  if (s.kind == "polynomial" && !(s.initial_sparsity >= 0.0 && s.initial_sparsity < s.target_sparsity))
    return InvalidArgument("--initial-sparsity " + num(s.initial_sparsity) + " must be in [0, --target-sparsity " +
                           num(s.target_sparsity) + ")");
  if (s.begin_step < -1) return InvalidArgument("--begin-step " + std::to_string(s.begin_step) + " is negative");
  if (s.frequency == 0 || s.frequency < -1)
    return InvalidArgument("--frequency " + std::to_string(s.frequency) + ": masks are updated every N >= 1 steps");
  if (!(s.power > 0.0)) return InvalidArgument("--power " + num(s.power) + " must be positive");
  if (s.begin_step >= 0 && s.end_step >= 0 && s.end_step < s.begin_step)
    return InvalidArgument("--end-step " + std::to_string(s.end_step) + " is before --begin-step " +
                           std::to_string(s.begin_step));
  if (s.kind == "polynomial" && s.begin_step >= 0 && s.end_step == s.begin_step)
    return InvalidArgument("--end-step equals --begin-step: PolynomialDecay needs end_step > begin_step");
  return Status::Ok();
}

inline std::pair<bool, double> SparsityAt(const ResolvedSchedule& r, int64_t step) {
  const PruneSchedule& s = r.s;
  const bool in_range = step >= s.begin_step && (step <= s.end_step || s.end_step < 0);
  const bool turn = (step - s.begin_step) % s.frequency == 0;
  if (s.kind == "constant") return {in_range && turn, s.target_sparsity};
  const double p = std::min(1.0, std::max(0.0, static_cast<double>(step - s.begin_step) /
                                                   static_cast<double>(s.end_step - s.begin_step)));
  return {in_range && turn, s.target_sparsity + (s.initial_sparsity - s.target_sparsity) * std::pow(1.0 - p, s.power)};
}

inline Result<ResolvedSchedule> ResolveSchedule(const PruneSchedule& schedule, int64_t total_steps) {
  LITEOPT_RETURN_IF_ERROR(CheckSchedule(schedule));
  ResolvedSchedule r;
  r.s = schedule;
  r.total_steps = total_steps;
  PruneSchedule& s = r.s;
  const std::string run = "the run has " + std::to_string(total_steps) + " optimizer steps (epochs x batches)";
  if (s.begin_step < 0) s.begin_step = 0;
  if (s.begin_step >= total_steps)
    return InvalidArgument("--begin-step " + std::to_string(s.begin_step) + " is not within the run: " + run);
  const bool constant = s.kind == "constant";
  // The default end: 75% of the run, so the last quarter fine-tunes at the final sparsity.
  const int64_t span = std::max<int64_t>((total_steps * 3) / 4 - s.begin_step, 1);
  if (s.frequency < 0) s.frequency = std::clamp<int64_t>(span / 10, 1, 100);
  if (s.end_step < 0 && !constant) s.end_step = s.begin_step + std::max<int64_t>(span / s.frequency, 1) * s.frequency;
  if (s.end_step >= total_steps && !constant)
    return InvalidArgument(schedule.end_step < 0 ? run + ": too short to prune gradually; train more epochs"
                                                 : "--end-step " + std::to_string(s.end_step) +
                                                       " is not within the run: " + run +
                                                       "; lower it or train more epochs");
  if (constant) {
    r.last_update_step = s.begin_step;
  } else {
    r.last_update_step = s.begin_step + (s.end_step - s.begin_step) / s.frequency * s.frequency;
    if (r.last_update_step != s.end_step)
      r.note = "the last mask update is at step " + std::to_string(r.last_update_step) +
               " (end_step - begin_step is not a multiple of the frequency, as in TFMOT the final sparsity is not "
               "reached exactly)";
  }
  LITEOPT_RETURN_IF_ERROR(CheckSchedule(s));
  r.final_sparsity = SparsityAt(r, r.last_update_step).second;
  return r;
}

}  // namespace liteopt::train

// Magnitude pruning while fine-tuning (`liteopt prune`): masks over the weights of a Net, updated on TFMOT's
// schedules (prune_api.h) and applied after every optimizer step through the trainer's hooks.
//
// What is pruned, as TFMOT's defaults (prune_registry: Conv2D and Dense kernels; DepthwiseConv2D is
// registered with no prunable weights): the weights of kConv and kDense layers that are trained (not frozen).
// Depthwise kernels, biases and batch norm stay dense. Scores are weight magnitudes in TFLite's layout (OHWI
// for convolutions, [units, depth] for dense), so blocks are consecutive input channels, the innermost
// dimension that TFLite's sparse format blocks:
//   "1x1"  each weight on its own: the round(n * (1 - sparsity)) largest |w| are kept (TFMOT's k);
//   "1x4"  blocks of 4 input channels scored by their mean |w| (TFMOT's AVG block pooling); layers whose depth
//          is not a multiple of 4 fall back to "1x1";
//   "2:4"  in every group of 4 input channels the 2 largest |w| are kept; a schedule's sparsity s covers the
//          fraction s / 0.5 of the groups (the smallest first), as TFMOT's PolynomialDecayMbyNSparsity grows its
//          coverage ratio; layers whose depth is not a multiple of 4 fall back to "1x1" at sparsity s.
// Scope: "layer" (TFMOT's) gives every layer the schedule's sparsity; "global" ranks the units of all pruned
// layers together by the same scores (unnormalized magnitudes) and keeps the largest until the kept weights are
// (1 - sparsity) of all prunable weights, so the sparsity of a layer follows its share of small weights.
// Masks are stripped at export: the exported graph simply has zeros where weights were pruned.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "base/status.h"
#include "train/model.h"
#include "train/prune_api.h"

namespace liteopt::train {

class Pruner {
 public:
  // Errors: "2:4" with a target other than 0.5 is checked by the caller; here InvalidArgument for an unknown
  // structure and NotFound when the net has no prunable layer (the message names `model`).
  static Result<Pruner> Create(Net& net, const std::string& structure, const std::string& model,
                               const std::string& scope = "layer");

  // New masks at `sparsity` from the current weights (magnitude), then applied.
  void UpdateMasks(double sparsity);
  // Zeroes the pruned weights (after an optimizer step). No-op before the first UpdateMasks.
  void ApplyMasks();
  // One entry per pruned layer: the mask's zeros (those of the weights after ApplyMasks).
  std::vector<PrunedLayerStats> Stats() const;

 private:
  struct Target {
    size_t layer = 0;
    std::string name, op;
    at::Tensor weight;  // the net's parameter (shared storage)
    at::Tensor pruned;  // bool, same shape as weight, true where pruned; undefined until the first update
    bool conv = false;
    int group = 1;      // 4 for "1x4" / "2:4" on layers whose depth allows it
  };
  Pruner() = default;
  at::Tensor MaskFor(const Target& t, double sparsity) const;
  void UpdateGlobalMasks(double sparsity);

  std::string structure_, scope_;
  std::vector<Target> targets_;
};

// Keeps the zeros a model's weights already have (`liteopt qat --preserve-sparsity`, TFMOT's pruning-preserving
// QAT): the exact zeros of every kConv, kDepthwiseConv and kDense weight (biases are not masked). Their gradients
// are masked from the start, so the optimizer's moments for them stay zero and a step cannot move them, and the
// weights are zeroed again (+0.0) after every step.
class SparsityKeeper {
 public:
  explicit SparsityKeeper(Net& net);
  void Apply();
  int64_t zeros() const { return zeros_; }
  int64_t elements() const { return elements_; }

 private:
  struct Kept {
    at::Tensor weight, zero;  // the net's parameter, bool mask of its zeros
  };
  std::vector<Kept> kept_;
  int64_t zeros_ = 0, elements_ = 0;
};

}  // namespace liteopt::train

#include "train/prune.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "train/trainer.h"

namespace liteopt::train {

namespace {

// OIHW -> OHWI (TFLite's filter layout); dense weights are already [units, depth].
at::Tensor TfliteOrder(const at::Tensor& w, bool conv) { return conv ? w.permute({0, 2, 3, 1}) : w; }
at::Tensor TorchOrder(const at::Tensor& m, bool conv) {
  return (conv ? m.permute({0, 3, 1, 2}) : m).contiguous();
}

// 1 for the `keep` largest scores (a 1-D tensor), 0 elsewhere.
at::Tensor KeepLargest(const at::Tensor& scores, int64_t keep) {
  at::Tensor mask = at::zeros_like(scores);
  keep = std::clamp<int64_t>(keep, 0, scores.numel());
  if (keep > 0) mask.index_fill_(0, std::get<1>(scores.topk(keep)), 1.0);
  return mask;
}

int64_t Kept(int64_t n, double sparsity) { return std::llround(static_cast<double>(n) * (1.0 - sparsity)); }

// Magnitude scores of a target's pruning units in TFLite's order: its weights one by one, or blocks of 4
// consecutive input channels (TFLite's 1x4 blocks) by their mean |w|.
at::Tensor UnitScores(const at::Tensor& tflite_order_weight, int group) {
  const at::Tensor mag = tflite_order_weight.abs();
  return group == 1 ? mag.reshape({-1}) : mag.reshape({-1, group}).mean(1);
}

// The 0/1 mask (torch order) of a weight from the 0/1 flags of its units.
at::Tensor MaskOfUnits(const at::Tensor& kept_units, const at::Tensor& tflite_order_weight, int group, bool conv) {
  const at::Tensor m = group == 1 ? kept_units : kept_units.unsqueeze(1).expand({-1, group});
  return TorchOrder(m.reshape(tflite_order_weight.sizes()), conv);
}

}  // namespace

Result<Pruner> Pruner::Create(Net& net, const std::string& structure, const std::string& model,
                              const std::string& scope) {
  if (structure != "1x1" && structure != "1x4" && structure != "2:4")
    return InvalidArgument("--block " + structure + ": expected 1x1, 1x4 or 2:4");
  if (scope != "layer" && scope != "global") return InvalidArgument("--scope " + scope + ": expected layer or global");
  if (scope == "global" && structure == "2:4")
    return InvalidArgument("--scope global ranks 1x1 or 1x4 units; 2:4 keeps 2 of every 4 in each layer");
  Pruner p;
  p.structure_ = structure;
  p.scope_ = scope;
  std::set<const void*> seen;  // layers sharing one weight tensor are pruned once
  for (size_t i = 0; i < net.layers.size(); ++i) {
    Layer& l = net.layers[i];
    if ((l.kind != LayerKind::kConv && l.kind != LayerKind::kDense) || l.frozen || !l.weight.defined()) continue;
    if (!seen.insert(l.weight.unsafeGetTensorImpl()).second) continue;
    Target t;
    t.layer = i;
    t.name = l.name;
    t.conv = l.kind == LayerKind::kConv;
    t.op = t.conv ? "CONV_2D" : "FULLY_CONNECTED";
    t.weight = l.weight;
    const int64_t depth = t.weight.size(1);  // I of OIHW and of [units, depth]
    t.group = structure != "1x1" && depth % 4 == 0 ? 4 : 1;
    p.targets_.push_back(std::move(t));
  }
  if (p.targets_.empty())
    return NotFound("no prunable layers: " + model +
                    " has no trainable CONV_2D or FULLY_CONNECTED weights (pruning follows TFMOT: convolution and "
                    "dense kernels; depthwise kernels are not pruned)");
  return p;
}

at::Tensor Pruner::MaskFor(const Target& t, double sparsity) const {
  const at::Tensor w = TfliteOrder(t.weight.detach(), t.conv).contiguous();
  if (t.group == 1 || structure_ == "1x4") {
    const at::Tensor scores = UnitScores(w, t.group);
    return MaskOfUnits(KeepLargest(scores, Kept(scores.numel(), sparsity)), w, t.group, t.conv);
  }
  const at::Tensor groups = w.abs().reshape({-1, 4});
  // 2:4 on the fraction sparsity / 0.5 of the groups with the smallest magnitude.
  const at::Tensor two_of_four = at::zeros_like(groups).scatter_(1, std::get<1>(groups.topk(2, 1)), 1.0);
  const int64_t covered = std::clamp<int64_t>(std::llround(groups.size(0) * sparsity / 0.5), 0, groups.size(0));
  at::Tensor mask = at::ones_like(groups);
  if (covered > 0) {
    const at::Tensor lowest = std::get<1>(groups.sum(1).topk(covered, 0, /*largest=*/false));
    mask.index_copy_(0, lowest, two_of_four.index_select(0, lowest));
  }
  return TorchOrder(mask.reshape(w.sizes()), t.conv);
}

void Pruner::UpdateMasks(double sparsity) {
  at::NoGradGuard no_grad;
  if (scope_ == "global") {
    UpdateGlobalMasks(sparsity);
  } else {
    for (Target& t : targets_) t.pruned = MaskFor(t, sparsity).eq(0);
  }
  ApplyMasks();
}

void Pruner::UpdateGlobalMasks(double sparsity) {
  std::vector<at::Tensor> weights, scores, sizes;
  int64_t total = 0;
  for (const Target& t : targets_) {
    weights.push_back(TfliteOrder(t.weight.detach(), t.conv).contiguous());
    scores.push_back(UnitScores(weights.back(), t.group));
    sizes.push_back(at::full({scores.back().numel()}, static_cast<int64_t>(t.group), at::kLong));
    total += weights.back().numel();
  }
  // The largest units first, as many as fit in the weights to keep.
  const at::Tensor order = std::get<1>(at::cat(scores).sort(0, /*descending=*/true));
  const at::Tensor fits = at::cat(sizes).index_select(0, order).cumsum(0).le(Kept(total, sparsity));
  at::Tensor kept = at::zeros({order.numel()}, at::kFloat);
  kept.index_fill_(0, order.masked_select(fits), 1.0);
  int64_t offset = 0;
  for (size_t i = 0; i < targets_.size(); ++i) {
    Target& t = targets_[i];
    const int64_t units = scores[i].numel();
    t.pruned = MaskOfUnits(kept.narrow(0, offset, units), weights[i], t.group, t.conv).eq(0);
    offset += units;
  }
}

void Pruner::ApplyMasks() {
  at::NoGradGuard no_grad;
  for (Target& t : targets_)
    if (t.pruned.defined()) t.weight.masked_fill_(t.pruned, 0.0);  // +0.0, not the -0.0 of w * 0
}

std::vector<PrunedLayerStats> Pruner::Stats() const {
  std::vector<PrunedLayerStats> out;
  for (const Target& t : targets_) {
    PrunedLayerStats s;
    s.name = t.name;
    s.op = t.op;
    const at::Tensor w = TfliteOrder(t.weight.detach(), t.conv);
    s.shape = std::vector<int64_t>(w.sizes().begin(), w.sizes().end());
    s.structure = t.group == 4 ? structure_ : "1x1";
    s.elements = w.numel();
    s.zeros = w.eq(0).sum().item<int64_t>();
    out.push_back(std::move(s));
  }
  return out;
}

SparsityKeeper::SparsityKeeper(Net& net) {
  at::NoGradGuard no_grad;
  std::set<const void*> seen;
  for (Layer& l : net.layers) {
    const bool filter =
        l.kind == LayerKind::kConv || l.kind == LayerKind::kDepthwiseConv || l.kind == LayerKind::kDense;
    if (!filter || !l.weight.defined() || !seen.insert(l.weight.unsafeGetTensorImpl()).second) continue;
    Kept k{l.weight, l.weight.detach().eq(0)};
    const int64_t zeros = k.zero.sum().item<int64_t>();
    elements_ += l.weight.numel();
    if (zeros == 0) continue;
    zeros_ += zeros;
    if (l.weight.requires_grad()) {
      const at::Tensor zero = k.zero;
      l.weight.register_hook([zero](const at::Tensor& grad) { return grad.masked_fill(zero, 0.0); });
    }
    kept_.push_back(std::move(k));
  }
}

void SparsityKeeper::Apply() {
  at::NoGradGuard no_grad;
  for (Kept& k : kept_) k.weight.masked_fill_(k.zero, 0.0);
}

namespace {

// The run behind `liteopt prune`: fine-tuning of init_model with masks on the schedule. Only epochs that end
// after the schedule's last mask update may be written: earlier ones are not at the final sparsity.
Result<PruneOutcome> PruneImpl(const PruneConfig& cfg) {
  if (cfg.train.init_model.empty()) return InvalidArgument("pruning needs a float model to start from");
  LITEOPT_RETURN_IF_ERROR(CheckSchedule(cfg.schedule));
  if (cfg.structure == "2:4" && cfg.schedule.target_sparsity != 0.5)
    return InvalidArgument("--block 2:4 prunes 2 of every 4 weights: use --target-sparsity 0.5");
  PruneOutcome outcome;
  std::optional<Pruner> pruner;
  int64_t steps_per_epoch = 1;
  TrainHooks hooks;
  hooks.on_start = [&](Net& net, int64_t total_steps) -> Status {
    LITEOPT_ASSIGN_OR_RETURN(outcome.schedule, ResolveSchedule(cfg.schedule, total_steps));
    LITEOPT_ASSIGN_OR_RETURN(Pruner p, Pruner::Create(net, cfg.structure, cfg.train.init_model, cfg.scope));
    pruner.emplace(std::move(p));
    steps_per_epoch = std::max<int64_t>(total_steps / std::max(cfg.train.epochs, 1), 1);
    if (!cfg.train.quiet) {
      const PruneSchedule& s = outcome.schedule.s;
      std::fprintf(stderr, "pruning %zu layers (%s%s): %s sparsity %g -> %g, steps %lld..%lld every %lld of %lld%s\n",
                   pruner->Stats().size(), cfg.structure.c_str(), cfg.scope == "global" ? ", global ranking" : "",
                   s.kind.c_str(),
                   s.kind == "polynomial" ? s.initial_sparsity : s.target_sparsity, s.target_sparsity,
                   static_cast<long long>(s.begin_step), static_cast<long long>(s.end_step),
                   static_cast<long long>(s.frequency), static_cast<long long>(total_steps),
                   outcome.schedule.note.empty() ? "" : ("\nnote: " + outcome.schedule.note).c_str());
    }
    return Status::Ok();
  };
  hooks.after_step = [&](Net&, int64_t step) {
    const auto [update, sparsity] = SparsityAt(outcome.schedule, step);
    if (update) pruner->UpdateMasks(sparsity);
    else pruner->ApplyMasks();
  };
  hooks.may_keep = [&](int epoch) { return epoch * steps_per_epoch - 1 >= outcome.schedule.last_update_step; };
  LITEOPT_ASSIGN_OR_RETURN(TrainOutcome t, Train(cfg.train, hooks));
  outcome.train.epochs_done = t.epochs_done;
  outcome.train.best_epoch = t.best_epoch;
  outcome.train.best_accuracy = t.best_accuracy;
  outcome.train.interpreter_accuracy = t.interpreter_accuracy;
  outcome.train.model_path = t.model_path;
  outcome.train.labels_path = t.labels_path;
  outcome.train.history_csv = t.history_csv;
  outcome.train.checkpoint_path = t.checkpoint_path;
  outcome.train.interrupted = t.interrupted;
  if (pruner) outcome.layers = pruner->Stats();
  return outcome;
}

// c10::Error never crosses the plugin boundary.
Result<PruneOutcome> Prune(const PruneConfig& cfg) {
  try {
    return PruneImpl(cfg);
  } catch (const c10::Error& e) {
    return Internal(std::string("libtorch: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return Internal(std::string("pruning: ") + e.what());
  }
}

}  // namespace

}  // namespace liteopt::train

extern "C" __attribute__((visibility("default"))) int liteopt_prune_main(const liteopt::train::PruneConfig* config,
                                                                         liteopt::train::PruneOutcome* outcome,
                                                                         std::string* error) {
  using namespace liteopt::train;
  auto r = Prune(*config);
  if (!r.ok()) {
    *error = r.status().message();
    return 1;
  }
  *outcome = std::move(r).value();
  return outcome->train.interrupted ? kTrainInterrupted : 0;
}

// Quantization-aware training (`liteopt qat`): fine-tuning a float model through fake quantization that
// simulates liteopt's int8 kernels, then converting it with the ranges it learned.
//
// The simulation is built from the converter itself, so training and conversion cannot disagree:
//   * the net is imported from the graph the converter quantizes (quant::CleanupGraph's output: activations
//     fused, no-op reshapes removed), one layer per op and one value per tensor, so every int8 tensor of the
//     converted model is a fake-quantization point of the net and nothing else is;
//   * weights: symmetric int8 on [-127, 127], scale max|w| / 127 per output channel for CONV_2D and
//     DEPTHWISE_CONV_2D, per tensor for FULLY_CONNECTED (per tensor everywhere with per_tensor), the converter's
//     QuantizeWeightsSymmetric; bias int32 at input_scale * weight_scale (QuantizeBiasValue);
//   * activations: asymmetric int8 from a [min, max] range through qmath::ChooseQuantizationParams (the range
//     widened to include 0, so zero is exact): initialized by the converter's own calibration on training
//     images, then a moving average of every training batch's min and max; fused ReLU / ReLU6 ranges are the
//     ranges of the op's output, which the activation already clipped; the spec's constraints as the converter
//     applies them: SOFTMAX / LOGISTIC outputs (1/256, -128), TANH (1/128, 0), pooling / RESHAPE / PAD outputs
//     share their input's parameters, CONCATENATION inputs are requantized to the output's, ADD / MUL constant
//     operands get their own asymmetric parameters; ops left in float (keep_float) stay float;
//   * rounding as base/quant_math: round half away from zero, division in float;
//   * gradients: straight-through, clipped to the representable range for activations.
// Export writes the trained weights into the cleaned graph (the float checkpoint) and converts it with
// quant::ConvertOptions::activation_ranges (no recalibration); the int8 parameters of every tensor are then
// checked against the simulation's.
//
// The simulation is exact up to float summation order: a float convolution of dequantized values differs from the
// int8 kernel's integer accumulation by float rounding, which moves a value across a rounding boundary (one
// int8 step) now and then; SOFTMAX's int8 kernel approximates exp in fixed point.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "ir/graph.h"
#include "quant/convert.h"
#include "train/model.h"
#include "train/trainer.h"

namespace liteopt::train {

struct QatOptions {
  DType io_type = DType::kFloat32;      // of the int8 model: kFloat32, kInt8 or kUInt8
  std::vector<std::string> keep_float;  // as quant::ConvertOptions::keep_float
  bool per_tensor = false;
  double range_momentum = 0.01;  // range += momentum * (batch range - range), per training batch (PyTorch's)
};

// int8 quantization parameters of a tensor.
struct QuantPoint {
  float scale = 1.0f;
  int32_t zero_point = 0;
  bool operator==(const QuantPoint&) const = default;
};

// Fake quantization of `x` with int8 parameters q: (clamp(round(x / scale) + zero_point, -128, 127) -
// zero_point) * scale, as qmath::QuantizeValue then DequantizeValue; gradient 1 inside the representable range.
at::Tensor FakeQuantize(const at::Tensor& x, const QuantPoint& q);

// The simulation attached to a QAT net (Net::quant).
class FakeQuantizer final : public QuantSimulation {
 public:
  // `graph`: the cleaned graph `net` was imported from; `calibrated`: quant::Calibrate's ranges for it.
  static Result<std::shared_ptr<FakeQuantizer>> Create(const Net& net, const ir::Graph& graph,
                                                       std::vector<quant::TensorRange> calibrated,
                                                       const QatOptions& options);

  at::Tensor Value(int value, const at::Tensor& x, bool training) const override;
  at::Tensor Read(size_t layer, int value, const at::Tensor& x) const override;
  std::pair<at::Tensor, at::Tensor> Weights(size_t layer, const at::Tensor& weight,
                                            const at::Tensor& bias) const override;
  at::Tensor Constant(size_t layer, const at::Tensor& c) const override;
  std::vector<std::pair<std::string, at::Tensor>> State() const override;

  // A range for every tensor of the graph: calibration's, with the learned ones of the net's values.
  std::vector<quant::TensorRange> Ranges() const;
  // The int8 parameters of every value, from the current ranges (empty parameters for float values).
  std::vector<QuantPoint> Params() const;
  // Values the int8 model carries as int8 tensors.
  int QuantizedValues() const;
  // Compares the int8 model's tensor parameters with the simulation's (tensors found by name); an Internal
  // error lists the first disagreements.
  Status CheckAgainst(const ir::Graph& int8_model) const;

 private:
  enum class Rule { kOwn, kSame, kFixed };
  struct ValueInfo {
    int producer = -1;  // layer; -1 for the graph input
    int tensor = -1;
    std::string name;
    Rule rule = Rule::kOwn;
    int same_as = -1;   // kSame: the value whose parameters this one shares
    QuantPoint fixed;   // kFixed
    bool int8 = false;  // the int8 model has an int8 tensor for it
  };
  struct LayerInfo {
    bool quantized = false;
    int input = -1;              // value of input 0 (its scale sets the bias scale)
    bool per_channel = false;    // weights
    QuantPoint constant_params;  // kAdd / kMul constant operand
  };

  FakeQuantizer() = default;
  QuantPoint ParamsOf(int value, const std::vector<QuantPoint>& earlier) const;

  std::vector<ValueInfo> values_;
  std::vector<LayerInfo> layers_;
  std::vector<quant::TensorRange> calibrated_;
  at::Tensor ranges_;  // [values, 2] (min, max), float; updated in place while training
  mutable std::vector<QuantPoint> current_;  // parameters of the values the running forward pass produced
  double momentum_ = 0.01;
};

// A model ready for QAT: the converter's cleaned float graph and the net imported from it, fake quantization
// attached and initialized from calibration on `samples` (batch-1 float input bytes, e.g.
// data::RepresentativeSamples of the training set).
// Errors: ops without an int8 form (named, with the advice to keep them in float), ops the training bridge
// cannot run (named), quantized or multi-input models, unknown keep_float names.
struct QatModel {
  std::shared_ptr<const ir::Graph> graph;
  Net net;
};
Result<QatModel> PrepareQat(const ir::Graph& model, const QatOptions& options,
                            const std::vector<std::vector<uint8_t>>& samples, int threads = 0);

// The float checkpoint (trained weights in the cleaned graph) and the full-integer model converted from it with
// the learned ranges. `net` must come from PrepareQat.
struct QatExport {
  ir::Graph float_model;
  ir::Graph int8_model;
};
Result<QatExport> ExportQat(const Net& net, const QatOptions& options);

// `liteopt qat --preserve-sparsity` (TFMOT's pruning-preserving QAT). The hooks keep the exact zeros the model's
// filters have when training starts (SparsityKeeper, train/prune.h) and note how many on stderr unless `quiet`.
TrainHooks PreserveSparsityHooks(bool quiet);
// Stores the filters of both exported models in TFLite's sparse format where that makes the file smaller (blocks
// of 4 input channels or single weights, whichever is smaller). Returns how many int8 filters became sparse.
Result<int> StoreSparse(QatExport& e);

}  // namespace liteopt::train

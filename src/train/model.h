// A trainable image classifier in libtorch, and its two ends: built-in architectures and float .tflite graphs go
// in, a float .tflite graph (batch norm folded) comes out.
//
// A Net is a list of layers over numbered values, in execution order (a DAG: residual adds and concatenations
// refer to earlier values). Activations are NCHW torch tensors in channels_last memory, i.e. the NHWC bytes of
// the TFLite tensors viewed as NCHW; values of other ranks keep the IR's dimension order. Layers that flatten
// (RESHAPE, FULLY_CONNECTED on a 4-D input) go back to NHWC order first, so results match TFLite's semantics.
//
// Contract of the bridge (NetFromGraph + ExportGraph): weights become parameters (one per constant buffer, so
// shared weights stay shared), and export writes them back into a copy of the source graph, changing nothing
// else: loading a model, training zero steps and exporting gives the same weights bit for bit, hence the same
// outputs. Built-in architectures export to a new graph: CONV_2D / DEPTHWISE_CONV_2D with batch norm folded into
// weights and bias and the activation fused, ADD, MEAN, FULLY_CONNECTED, SOFTMAX.
//
// Functions here may throw c10::Error only from torch internals on programming errors; bad models and bad
// arguments are reported as Status.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "ir/graph.h"

namespace liteopt::train {

enum class LayerKind {
  kConv,           // weight OIHW, bias [O] or undefined; SAME (TFLite's, possibly asymmetric) or VALID padding
  kDepthwiseConv,  // weight [C*m, 1, H, W], groups = input channels
  kDense,          // weight [O, I]
  kBatchNorm,      // gamma, beta, running statistics; folded into the preceding conv at export
  kActivation,     // `activation` alone (RELU, RELU6, RELU_N1_TO_1, TANH) or kLogistic
  kAdd,
  kMul,
  kMean,        // dims: IR axes
  kAvgPool,     // filter, stride, padding
  kMaxPool,
  kReshape,     // dims: IR target shape, batch as -1
  kPad,         // dims: IR paddings [rank][2] flattened
  kConcat,      // dims[0]: IR axis
  kSoftmax,     // softmax_beta
  kDropout,     // rate; identity at inference and export
};

struct Layer {
  LayerKind kind = LayerKind::kConv;
  std::string name;         // unique; --freeze-until and messages use it
  std::vector<int> inputs;  // value ids
  int output = -1;          // value id

  at::Tensor weight, bias;  // conv, depthwise conv, dense
  at::Tensor gamma, beta, running_mean, running_var;  // batch norm
  double bn_eps = 1e-5, bn_momentum = 0.1;             // PyTorch's defaults
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, filter_h = 1, filter_w = 1;
  ir::Padding padding = ir::Padding::kValid;
  ir::Activation activation = ir::Activation::kNone;
  bool logistic = false;  // kActivation: LOGISTIC instead of `activation`
  // kAdd / kMul with one constant operand: the constant in the layout of the other operand.
  at::Tensor constant;
  std::vector<int64_t> dims;
  bool keep_dims = false;
  float softmax_beta = 1.0f;
  float rate = 0.0f;
  bool frozen = false;  // parameters not trained; batch norm kept in inference mode

  // --init: where the layer came from, for writing weights back.
  int source_op = -1;
  int weight_buffer = -1, bias_buffer = -1;
};

// Fake quantization for quantization-aware training (qat.h implements it). When a Net has one, Run passes every
// value, every layer input, and the weights of every layer through it, at the points where the int8 model has
// int8 tensors. The functions may update moving-average ranges (training) but never the net.
class QuantSimulation {
 public:
  virtual ~QuantSimulation() = default;
  // Value `value` as produced (the graph input, or layer outputs): its range is tracked when `training`, and it
  // comes back fake-quantized when its producer is an int8 op.
  virtual at::Tensor Value(int value, const at::Tensor& x, bool training) const = 0;
  // Input `value` as layer `layer` reads it (quantized there when the layer is int8 and the producer is float).
  virtual at::Tensor Read(size_t layer, int value, const at::Tensor& x) const = 0;
  // Weights and bias of a conv / depthwise / dense layer as its int8 kernel uses them.
  virtual std::pair<at::Tensor, at::Tensor> Weights(size_t layer, const at::Tensor& weight,
                                                    const at::Tensor& bias) const = 0;
  // The constant operand of a kAdd / kMul layer.
  virtual at::Tensor Constant(size_t layer, const at::Tensor& c) const = 0;
  // Tensors a checkpoint must hold besides the net's (the ranges), under stable names.
  virtual std::vector<std::pair<std::string, at::Tensor>> State() const = 0;
};

struct Net {
  std::string arch;  // "small_cnn", "mobilenet_v2" or "tflite"
  int height = 0, width = 0, channels = 0, num_classes = 0;
  std::vector<Layer> layers;
  std::vector<std::vector<int64_t>> value_shapes;  // IR shape (NHWC, batch 1) of every value
  int input = 0;
  int logits = -1;  // what the loss sees: the input of the final softmax (or the output when there is none)
  int output = -1;
  std::shared_ptr<const ir::Graph> source;  // --init: the graph weights are written back into
  int head_layer = -1;  // the layer ReplaceHead gave new weights and class count
  std::vector<int> value_tensors;  // imported graphs: the source graph's tensor index of every value
  std::shared_ptr<const QuantSimulation> quant;  // QAT: fake quantization (qat.h); null for float training

  // Logits for an NCHW batch (channels_last memory is fastest). Batch norm uses batch statistics and updates
  // its running statistics when `training`; dropout is active when `training`.
  at::Tensor Forward(const at::Tensor& x, bool training) const { return Run(x, training, logits); }
  // The model output (after the final softmax, if any) in inference mode, in the IR's dimension order (NHWC).
  at::Tensor Predict(const at::Tensor& x) const;
  std::vector<at::Tensor> TrainableParameters() const;
  // Every tensor a checkpoint holds (parameters, batch-norm statistics, QAT ranges), under stable names.
  std::vector<std::pair<std::string, at::Tensor>> State() const;
  // Architecture fingerprint: arch, input size, classes, and every state tensor's name and shape.
  std::string Signature() const;
  int64_t NumParameters() const;

 private:
  at::Tensor Run(const at::Tensor& x, bool training, int stop) const;
};

struct ArchOptions {
  int height = 0, width = 0, channels = 0, num_classes = 0;
  float alpha = 1.0f;
  float dropout = 0.0f;
};

// "small_cnn": four Conv3x3-BN-ReLU blocks (32, 64, 128, 256 channels times alpha; the first with stride 2 for
// inputs of 64 pixels and more, the others stride 2), global average pooling, dropout, dense, softmax.
// "mobilenet_v2": MobileNetV2 (inverted residuals, expansion 6, linear bottlenecks, ReLU6, 1280-channel head) for
// inputs of 64 pixels and more. Smaller inputs (e.g. 28x28 Fashion-MNIST) get the small-input variant the
// project's PyTorch baseline uses (../shared/notes/torch_baseline.py): Conv3x3/s2(32)-BN-ReLU6, four
// depthwise-separable blocks 32->64, 64->128 (s2), 128->128, 128->256, global average pooling, dense; channel
// counts times alpha rounded to multiples of 8 as MobileNetV2 does.
// Weights are drawn from PyTorch's default initialization with the current torch seed.
Result<Net> BuildArchitecture(const std::string& arch, const ArchOptions& options);

// A float model with one NHWC image input: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MUL, MEAN,
// AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE, PAD, CONCATENATION, SOFTMAX, RELU, RELU6, LOGISTIC, TANH, fused
// activations. Anything else is Unsupported naming the op.
Result<Net> NetFromGraph(std::shared_ptr<const ir::Graph> graph);

// Replaces the dense layer producing the logits by a new one with `num_classes` outputs (PyTorch's default
// initialization). The layer must be kDense.
Status ReplaceHead(Net& net, int num_classes);

// Freezes every layer up to and including `layer` (a layer name or index). NotFound lists some names.
Status FreezeUntil(Net& net, const std::string& layer);

// The float model for the net's current weights (see the contract above).
Result<ir::Graph> ExportGraph(const Net& net);

// Batch norm folded into a preceding convolution (weight OIHW or [C,1,H,W], bias may be undefined), exactly:
//   s = gamma / sqrt(var + eps);  w' = w * s (per output channel);  b' = (b - mean) * s + beta.
// Computed in double precision, returned as float.
std::pair<at::Tensor, at::Tensor> FoldBatchNorm(const at::Tensor& weight, const at::Tensor& bias, const Layer& bn);

}  // namespace liteopt::train

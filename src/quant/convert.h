// Post-training conversion of a float model: graph cleanups, dynamic-range, full-integer, float16 and 16x8
// quantization, mirroring TensorFlow Lite's converter (TFLiteConverter) so the official runtime runs the output.
//
//   quant::ConvertOptions o;
//   o.mode = quant::Mode::kFullInteger;
//   auto q = quant::Convert(float_graph, o, samples);   // samples: batch-1 float inputs for calibration
//
// Conventions (those of the official converter's files, see src/quant/README.md):
//   * weights int8 symmetric (zero point 0, range [-127, 127]); per output channel for CONV_2D (axis 0) and
//     DEPTHWISE_CONV_2D (axis 3), per tensor for FULLY_CONNECTED; bias int32 with scale input_scale *
//     weight_scale[c] and zero point 0;
//   * activations int8 asymmetric from the calibrated range (widened to include 0); SOFTMAX / LOGISTIC outputs
//     (1/256, -128), TANH (1/128, 0); pooling, reshape and the other data-movement ops share their input's
//     parameters; CONCATENATION / PACK / MAXIMUM / MINIMUM inputs are requantized to the output's;
//   * float I/O: QUANTIZE after each input, DEQUANTIZE before each output; int8 I/O: the graph's I/O tensors
//     are int8; uint8 I/O: uint8 tensors with QUANTIZE uint8 <-> int8 at the edges;
//   * dynamic range: int8 weights for CONV_2D (per channel), DEPTHWISE_CONV_2D (per channel), FULLY_CONNECTED
//     (per tensor, asymmetric_quantize_inputs) whose weights have at least 1024 elements (the converter's
//     threshold); everything else float;
//   * float16: every float32 constant stored as float16 and expanded by a DEQUANTIZE op;
//   * 16x8 (kInt16x8): int16 activations symmetric per tensor (zero point 0), the int8 weights above, int64 bias,
//     SOFTMAX / LOGISTIC / TANH outputs (1/32768, 0), ADD with pot_scale_int16 = false; float32 I/O only.
// Op versions are set with io/tflite OperatorVersion. The input graph is never modified.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "ir/graph.h"

namespace liteopt::quant {

enum class Mode { kFloat, kDynamicRange, kFullInteger, kFloat16, kInt16x8 };
enum class Calibration { kMinMax, kPercentile, kMse, kEntropy };

// The range of values one float tensor takes (calibration's result; QAT's learned ranges).
struct TensorRange {
  bool valid = false;  // the tensor is a float activation that calibration observed
  float min = 0.0f, max = 0.0f;
};

struct ConvertOptions {
  Mode mode = Mode::kFloat;
  Calibration calibration = Calibration::kMinMax;
  DType io_type = DType::kFloat32;   // kFloat32 (QUANTIZE/DEQUANTIZE at the edges), kInt8 or kUInt8
  bool per_tensor = false;           // per-tensor instead of per-channel weights
  std::vector<std::string> keep_float;  // op output tensor names or op type names left in float
  // Full integer: activation ranges that replace calibration (quantization-aware training's learned ranges),
  // one per tensor of the main subgraph. The graph must be one the converter's cleanups leave unchanged (the
  // output of CleanupGraph, as QAT trains it), so that tensor indices keep their meaning.
  std::vector<TensorRange> activation_ranges;
};

// representative: batch-1 input tensors (bytes of the float input; for a model with several inputs, every
// input's bytes concatenated in input order), required for kFullInteger/kInt16x8 unless
// options.activation_ranges is given.
// Errors: Unsupported listing every op without an int8 form ("op 3 'name' (LSTM)"), InvalidArgument for
// samples that do not match the input, a model that is not float, or unknown --keep-float names.
Result<ir::Graph> Convert(const ir::Graph& float_model, const ConvertOptions& options,
                          const std::vector<std::vector<uint8_t>>& representative = {});

std::string_view ModeName(Mode m);
std::string_view CalibrationName(Calibration c);

}  // namespace liteopt::quant

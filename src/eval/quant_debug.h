// Quantization debugging: where a quantized model loses accuracy against the float model it came from, layer
// by layer, and what to do about each bad layer.
//
//   eval::QuantDebugOptions o;
//   auto r = eval::DebugQuantization(float_graph, quant_graph, float_inputs, o);
//   for (const auto& l : r->layers) ...   // worst first: l.name, l.sqnr_db, l.suggestion
//
// Both models run on the same inputs (the float model's input bytes; an int8/uint8 input of the quantized model
// gets them quantized with its own parameters). The ops of the two graphs are matched by output tensor name,
// else by structure (same op type reading the counterparts of the float op's inputs); the QUANTIZE / DEQUANTIZE
// ops a converter inserts are looked through. For each matched op:
//   * its own error ("local", what TFLite's quantization debugger reports): the float op run on the quantized
//     model's inputs of that op (dequantized) against the quantized op's output (dequantized): RMSE divided by
//     the output scale (about 0.29 is pure rounding), SQNR in dB, cosine similarity. Errors of earlier layers do
//     not count here, so a bad layer ranks first and its consumers do not;
//   * how much of that is the output's own range: the same float output quantized with the quantized tensor's
//     scale and zero point (rounding and clipping only) -> `range_sqnr_db`;
//   * the accumulated error from the image to that tensor (`total_sqnr_db`);
//   * the float tensor's value distribution (max |x| against its 99th and 99.99th percentiles).
// The library never prints; progress goes through QuantDebugOptions::progress.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "ir/graph.h"

namespace liteopt::eval {

// The distribution of a float tensor's values over every sample. Percentiles of |x| are read from a histogram
// with 16 bins per octave (within about 4.4%).
struct RangeStats {
  float min = 0, max = 0;
  float max_abs = 0;
  float p99_abs = 0;    // 99th percentile of |x|
  float p9999_abs = 0;  // 99.99th percentile of |x| (what percentile calibration keeps)
  int64_t count = 0;
};

enum class ErrorCause {
  kNone,         // not a bad layer
  kOutputRange,  // the output's int8 range (step size, clipping) accounts for most of the error
  kComputation,  // the op itself: its quantized weights or arithmetic
};

struct LayerReport {
  std::string name;     // the float op's output tensor: the name --keep-float takes
  std::string op_type;  // "CONV_2D"
  int float_op = -1, quant_op = -1;
  bool quantized = false;  // the quantized model computes this op on integers
  DType dtype = DType::kFloat32;  // of the quantized model's output tensor
  float scale = 0;                // its scale (0 when not quantized)
  int32_t zero_point = 0;

  // This op alone (NaN when it could not be measured: see `note`).
  double rmse_over_scale = 0;  // NaN when the output is not quantized
  double sqnr_db = 0;          // +inf when identical
  double cosine = 1;
  double range_sqnr_db = 0;    // the output's quantization alone (+inf when not quantized)
  // From the image to this tensor.
  double total_sqnr_db = 0;
  double total_cosine = 1;

  RangeStats range;       // of the float model's tensor
  double clipped = 0;     // share of the float tensor's values outside the quantized tensor's range
  float weight_max_abs = 0, weight_p99_abs = 0;  // of the float weights (CONV_2D, DEPTHWISE_CONV_2D, FC)
  bool per_tensor_weights = false;

  bool bad = false;
  ErrorCause cause = ErrorCause::kNone;
  // The --keep-float names that take this error away: the op, plus the ops reading its output when the output's
  // range is the problem (keeping one op float still quantizes the tensor for its int8 consumers).
  std::vector<std::string> keep_float;
  std::string suggestion;  // for bad layers: what to do, with the statistic that says so
  std::string note;        // why a measurement is missing
};

struct QuantDebugOptions {
  // A layer is bad when its own SQNR is below this, or its RMSE exceeds this many output steps.
  double bad_sqnr_db = 15.0;
  double bad_rmse_over_scale = 1.0;
  size_t min_samples = 100;  // fewer samples get a warning
  int threads = 0;           // interpreter threads (0 = the cores this process may use)
  std::function<void(size_t, size_t)> progress;  // (samples done, samples)
};

struct QuantDebugReport {
  std::vector<LayerReport> layers;  // worst first: own SQNR ascending
  std::vector<std::string> warnings;
  size_t samples = 0;
  size_t float_ops = 0;                // ops of the float model with a float output
  std::vector<std::string> unmatched;  // of those, the ones without a counterpart ("op 3 'name' (CONV_2D)")
  float data_min = 0, data_max = 0;    // the float input values fed
  bool quant_input_range_known = false;  // the quantized model quantizes its input (int8 input or a QUANTIZE)
  float quant_input_min = 0, quant_input_max = 0;  // the real range that quantization covers
  double output_sqnr_db = 0, output_cosine = 1;    // of the model output
  double top1_agreement = 0;  // share of samples where both models' outputs have the same argmax
};

// float_inputs: batch-1 inputs of the float model (float32 bytes of its one input), at least one.
// Errors: models with different inputs or outputs ("not the same network"), graphs whose ops mostly do not
// match, inputs of the wrong size.
Result<QuantDebugReport> DebugQuantization(std::shared_ptr<const ir::Graph> float_graph,
                                           std::shared_ptr<const ir::Graph> quant_graph,
                                           const std::vector<std::vector<uint8_t>>& float_inputs,
                                           const QuantDebugOptions& options = {});

// For each op of the float graph's main subgraph, the index of its counterpart in the quantized graph, or -1
// (QUANTIZE / DEQUANTIZE ops of either graph map to -1: they are looked through).
std::vector<int32_t> MatchOps(const ir::Graph& float_graph, const ir::Graph& quant_graph);

// Fills bad, cause, keep_float and suggestion of a measured layer. `consumers`: the names of the ops reading
// its output in the float graph.
void Diagnose(LayerReport* layer, const std::vector<std::string>& consumers, const QuantDebugOptions& options);

}  // namespace liteopt::eval

#include "quant/convert.h"

#include <algorithm>

#include "ir/verifier.h"
#include "quant/calibration.h"
#include "quant/cleanup.h"
#include "quant/graph_edit.h"
#include "quant/passes.h"

namespace liteopt::quant {

std::string_view ModeName(Mode m) {
  switch (m) {
    case Mode::kFloat: return "float32";
    case Mode::kDynamicRange: return "dynamic-range";
    case Mode::kFullInteger: return "full-integer";
    case Mode::kFloat16: return "float16";
    case Mode::kInt16x8: return "int16x8";
  }
  return "unknown";
}

std::string_view CalibrationName(Calibration c) {
  switch (c) {
    case Calibration::kMinMax: return "minmax";
    case Calibration::kPercentile: return "percentile";
    case Calibration::kMse: return "mse";
    case Calibration::kEntropy: return "entropy";
  }
  return "unknown";
}

namespace {

// Quantization modes need a float model: no quantized activations and no integer weights.
Status CheckFloatModel(const ir::Graph& g) {
  for (const ir::Tensor& t : g.main().tensors) {
    if (!t.quant.quantized()) continue;
    const bool integer = t.dtype == DType::kInt8 || t.dtype == DType::kUInt8 || t.dtype == DType::kInt16 ||
                         t.dtype == DType::kInt4;
    if (integer)
      return InvalidArgument("the model is already quantized (tensor '" + t.name + "' is " +
                             std::string(DTypeName(t.dtype)) + " with quantization parameters); convert a float model");
  }
  return Status::Ok();
}

Status CheckKeepFloatNames(const ir::Subgraph& sg, const std::vector<std::string>& names) {
  std::vector<std::string> unknown;
  for (const std::string& n : names) {
    bool found = false;
    for (const ir::Op& op : sg.ops)
      if (KeepFloat(sg, op, {n})) found = true;
    if (!found) unknown.push_back("'" + n + "'");
  }
  if (unknown.empty()) return Status::Ok();
  std::string list;
  for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
  return InvalidArgument("--keep-float: " + list + " names no op output tensor and no op type of the model");
}

// ConvertOptions::activation_ranges index the tensors of the graph as given: valid only when the cleanups
// changed nothing (same ops, same tensors).
Result<std::vector<TensorRange>> GivenRanges(const ir::Graph& given, const ir::Graph& cleaned,
                                             const std::vector<TensorRange>& ranges) {
  const ir::Subgraph& a = given.main();
  const ir::Subgraph& b = cleaned.main();
  if (ranges.size() != a.tensors.size())
    return InvalidArgument("activation ranges: " + std::to_string(ranges.size()) + " given for a model with " +
                           std::to_string(a.tensors.size()) + " tensors");
  if (a.ops.size() != b.ops.size() || a.tensors.size() != b.tensors.size())
    return InvalidArgument("activation ranges need a model the converter's cleanups leave unchanged (they went from " +
                           std::to_string(a.ops.size()) + " ops / " + std::to_string(a.tensors.size()) +
                           " tensors to " + std::to_string(b.ops.size()) + " / " + std::to_string(b.tensors.size()) +
                           "): give the ranges of the cleaned graph");
  return ranges;
}

}  // namespace

Result<ir::Graph> Convert(const ir::Graph& float_model, const ConvertOptions& options,
                          const std::vector<std::vector<uint8_t>>& representative) {
  if (float_model.subgraphs.empty()) return InvalidArgument("the model has no subgraph");
  if (options.io_type != DType::kFloat32 && options.io_type != DType::kInt8 && options.io_type != DType::kUInt8)
    return InvalidArgument("io type must be float32, int8 or uint8, got " + std::string(DTypeName(options.io_type)));
  if (options.io_type != DType::kFloat32 && options.mode == Mode::kInt16x8)
    return InvalidArgument("16x8 quantization keeps float32 model inputs and outputs (QUANTIZE / DEQUANTIZE at the "
                           "edges); an " + std::string(DTypeName(options.io_type)) + " io type cannot be combined with it");
  if (options.io_type != DType::kFloat32 && options.mode != Mode::kFullInteger)
    return InvalidArgument("an int8/uint8 io type needs full-integer quantization (a representative dataset)");
  const bool quantizing = options.mode != Mode::kFloat;
  if (quantizing && float_model.subgraphs.size() > 1)
    return Unsupported("quantizing models with " + std::to_string(float_model.subgraphs.size()) +
                       " subgraphs is not supported; liteopt quantizes single-subgraph models");

  ir::Graph g = float_model;
  CleanupOptions co;
  co.fold_dequantize = options.mode == Mode::kDynamicRange || options.mode == Mode::kFullInteger ||
                       options.mode == Mode::kInt16x8;
  auto cleaned = CleanupGraph(g, co);
  if (!cleaned.ok()) return cleaned.status();
  LITEOPT_RETURN_IF_ERROR(CheckKeepFloatNames(g.main(), options.keep_float));
  if (quantizing) LITEOPT_RETURN_IF_ERROR(CheckFloatModel(g));

  Result<ir::Graph> out = g;
  switch (options.mode) {
    case Mode::kFloat:
      break;
    case Mode::kDynamicRange:
      out = QuantizeDynamicRange(g, options);
      break;
    case Mode::kFloat16:
      out = QuantizeFloat16(g, options);
      break;
    case Mode::kFullInteger:
    case Mode::kInt16x8: {
      const bool int16x8 = options.mode == Mode::kInt16x8;
      const bool given = !options.activation_ranges.empty();
      if (representative.empty() && !given)
        return InvalidArgument(std::string(int16x8 ? "16x8" : "full-integer") +
                               " quantization needs representative samples (--representative-data)");
      const std::vector<std::string> missing = OpsWithoutInt8Form(g, options);
      if (!missing.empty()) {
        std::string msg = std::to_string(missing.size()) + " op(s) have no " + (int16x8 ? "int16x8" : "int8") +
                          " form in liteopt yet: ";
        for (size_t i = 0; i < missing.size(); ++i) msg += (i ? "; " : "") + missing[i];
        msg += ". Keep them in float with --keep-float <op type or output tensor name>";
        return Unsupported(msg);
      }
      auto ranges = given ? GivenRanges(float_model, g, options.activation_ranges)
                          : Calibrate(g, representative, options.calibration);
      if (!ranges.ok()) return ranges.status();
      out = QuantizeFullInteger(g, options, *ranges);
      break;
    }
  }
  if (!out.ok()) return out.status();
  Compact(*out);
  Status v = ir::Verify(*out);
  if (!v.ok()) return Internal("the converted graph is invalid (a liteopt bug): " + v.message());
  return out;
}

}  // namespace liteopt::quant

// Reads Keras HDF5 models (.h5 written by Keras 2's model.save(), and Keras 3's legacy HDF5) into ir::Graph,
// the same IR the .tflite reader produces: float32, NHWC, batch 1 (marked dynamic in shape signatures).
//
// What is read: the `model_config` JSON (Sequential, Functional / Model, nested models, TFMOT wrappers),
// `model_weights`, `keras_version`, `backend` and the loss of `training_config`. Weights-only files
// (save_weights) take the architecture from a JSON file (model.to_json()) given in the options.
// Layers and their mapping: src/io/keras/README.md. BatchNormalization (and Rescaling / Normalization) are
// folded into the preceding Conv2D / DepthwiseConv2D / Dense when nothing else reads its output, otherwise
// they stay as MUL + ADD; relu / relu6 are fused into the op before them; Dropout disappears.
// TFMOT: PruneLowMagnitude wrappers are removed (kernels multiplied by their masks); QuantizeWrapper(V2) and
// QuantizeLayer are removed too; their kernels come fake-quantized with the learned kernel ranges (the
// weights the QAT model computes with) and their learned activation ranges are returned in `qat_ranges`
// (io/keras/qat_ranges.h completes them for the int8 converter).
//
// Contract: the file is untrusted. Errors name the file and the layer; unsupported layers are reported
// together in one error; a channels-first model, a non-HDF5 file, a Keras 3 .keras zip archive, a
// weights-only file without a config, a truncated file and weights whose shapes disagree with the config
// are errors, never crashes. On success the graph has passed ir::Verify. Reading holds a process-wide lock
// (libhdf5 is not thread-safe).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "base/status.h"
#include "ir/graph.h"

namespace liteopt::io::keras {

struct KerasReadOptions {
  // The architecture as JSON (model.to_json()), for files written by save_weights. When set it is used
  // instead of the file's own model_config.
  std::string config_path;
};

struct KerasModel {
  std::shared_ptr<ir::Graph> graph;
  std::string keras_version;  // as written in the file ("2.4.0"); empty when absent
  std::string backend;        // "tensorflow", ...
  std::string model_class;    // Sequential, Functional, Model
  std::string loss;           // training_config's loss, when the model was saved compiled
  int layers = 0;             // layers converted (nested models' layers included)
  int folded_ops = 0;         // MUL / ADD folded into convolutions and dense layers (batch norm, rescaling)
  // TFMOT quantization-aware training: learned (min, max) of activations by graph tensor name: the input
  // QuantizeLayer's range on the tensor it quantizes, a QuantizeWrapper's post_activation (or output) range on
  // its layer's output (after the fused activation). Empty for models without QAT ranges.
  std::map<std::string, std::pair<float, float>> qat_ranges;
};

Result<KerasModel> ReadKerasFile(const std::string& path, const KerasReadOptions& options = {});

}  // namespace liteopt::io::keras

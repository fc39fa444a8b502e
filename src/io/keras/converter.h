// Internal to io/keras: converting Keras layers (from the model_config JSON) into IR ops.
//
// Weights: in a full-model file they sit under model_weights/<layer>/ (weights-only files: /<layer>/), listed
// by the group's `weight_names` attribute ("conv2d/kernel:0"; Keras 3 drops the ":0"); each name is also the
// dataset's path inside the group. A nested model (a MobileNetV2 base inside a Sequential) has one group
// holding every weight of its layers, named "<inner layer>/<variable>", so its layers find theirs by name.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "io/keras/hdf5_file.h"
#include "io/keras/ir_builder.h"

namespace liteopt::io::keras::internal {

using nlohmann::json;

// One call of a layer, wrappers (TFMOT pruning / quantization) removed.
struct LayerSpec {
  std::string class_name;  // the layer's own class ("Conv2D"), not the wrapper's
  std::string name;        // the layer's own name
  std::string wrapper;     // "PruneLowMagnitude", "QuantizeWrapperV2", ... or empty
  std::string wrapper_name;
  const json* config = nullptr;  // the layer's config object
  std::string tensor_name;       // the name its output tensor gets in the graph
  // Where its weights are: the HDF5 group, and inside a nested model's group the owner names to select.
  std::string weight_group;
  std::vector<std::string> weight_owners;  // empty: every weight of the group belongs to the layer

  // "Conv2D 'conv2d'" (with the wrapper when there is one), for messages.
  std::string Describe() const;
};

// A layer's weights by variable name ("kernel", "bias", "gamma", "moving_mean", "mask", ...).
class LayerWeights {
 public:
  LayerWeights(const H5File* file, std::string layer, std::map<std::string, std::string> vars)
      : file_(file), layer_(std::move(layer)), vars_(std::move(vars)) {}
  bool Has(const std::string& var) const { return vars_.count(var) > 0; }
  // Reads the variable and checks its shape; pruning masks of the same shape are applied (masked weights).
  // Kernels of TFMOT QuantizeWrapper layers come fake-quantized with their learned `<var>_min` / `_max`.
  Result<std::vector<float>> Get(const std::string& var, const std::vector<int64_t>& expected_shape) const;

 private:
  Status FakeQuantize(const std::string& var, const std::vector<int64_t>& shape, std::vector<float>& w) const;

  const H5File* file_;
  std::string layer_;
  std::map<std::string, std::string> vars_;  // variable -> dataset path
};

class Converter {
 public:
  Converter(const H5File* weights_file, int keras_major) : file_(weights_file), keras_major_(keras_major) {}

  IrBuilder& builder() { return b_; }
  int keras_major() const { return keras_major_; }
  // The weights of a layer (an empty set for a layer whose group is absent and that needs none).
  Result<LayerWeights> Weights(const LayerSpec& l) const;

 private:
  const H5File* file_;
  int keras_major_;
  IrBuilder b_;
};

// Converts one call of a layer on `inputs`; returns its output tensor (an input for identity layers).
Result<int32_t> ConvertLayer(Converter& c, const LayerSpec& l, const std::vector<int32_t>& inputs);

// Layer classes ConvertLayer handles (InputLayer and models are handled by the model walk).
bool IsSupportedLayer(const std::string& class_name);
// For a layer config, why it cannot be converted before any weight is read ("activation 'gelu'"), or "".
std::string UnsupportedSetting(const std::string& class_name, const json& config);

}  // namespace liteopt::io::keras::internal

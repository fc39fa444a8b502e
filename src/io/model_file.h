// One entry point for every command that takes a model: reads a .tflite flatbuffer or a Keras HDF5 model
// (io/keras) into ir::Graph, choosing by content (the TFL3 identifier, the HDF5 signature, a zip archive)
// and, for files that are neither, by extension.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "base/status.h"
#include "ir/graph.h"

namespace liteopt::io {

enum class ModelFormat { kTflite, kKeras };

struct ModelReadOptions {
  // Keras weights-only files (save_weights): the architecture JSON (model.to_json()).
  std::string keras_config;
};

struct ModelFile {
  std::shared_ptr<ir::Graph> graph;
  ModelFormat format = ModelFormat::kTflite;
  // Keras models only.
  std::string keras_version, keras_backend, keras_class, keras_loss;
  // Keras TFMOT quantization-aware models: learned activation (min, max) by tensor name (io/keras/reader.h,
  // io/keras/qat_ranges.h); empty otherwise.
  std::map<std::string, std::pair<float, float>> qat_ranges;
};

Result<ModelFile> ReadModel(const std::string& path, const ModelReadOptions& options = {});
// The graph only.
Result<std::shared_ptr<ir::Graph>> ReadModelFile(const std::string& path, const ModelReadOptions& options = {});

}  // namespace liteopt::io

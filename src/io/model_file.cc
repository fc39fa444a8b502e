#include "io/model_file.h"

#include <cstring>
#include <fstream>

#include "io/keras/reader.h"
#include "io/tflite/reader.h"

namespace liteopt::io {

namespace {

bool EndsWith(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// HDF5 signature, zip archive (Keras 3 .keras) and the .h5/.hdf5/.keras extensions go to the Keras reader
// (which explains what it cannot read); everything else to the .tflite reader (which checks "TFL3").
enum class Sniffed { kTflite, kKeras, kUnknown };

Sniffed Sniff(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  in.read(head, sizeof head);
  if (in.gcount() == 8 && std::memcmp(head + 4, "TFL3", 4) == 0) return Sniffed::kTflite;
  if (in.gcount() == 8 && std::memcmp(head, "\x89HDF\r\n\x1a\n", 8) == 0) return Sniffed::kKeras;
  if (in.gcount() >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) return Sniffed::kKeras;
  if (EndsWith(path, ".h5") || EndsWith(path, ".hdf5") || EndsWith(path, ".keras")) return Sniffed::kKeras;
  return Sniffed::kUnknown;
}

}  // namespace

Result<ModelFile> ReadModel(const std::string& path, const ModelReadOptions& options) {
  ModelFile out;
  // A .tflite file is read as one even when a Keras --config is given (it applies to the Keras files among
  // several models, as in compare); an unrecognised file with a config goes to the Keras reader, which says why not.
  const Sniffed kind = Sniff(path);
  if (kind == Sniffed::kKeras || (kind == Sniffed::kUnknown && !options.keras_config.empty())) {
    keras::KerasReadOptions ko;
    ko.config_path = options.keras_config;
    LITEOPT_ASSIGN_OR_RETURN(keras::KerasModel m, keras::ReadKerasFile(path, ko));
    out.graph = std::move(m.graph);
    out.format = ModelFormat::kKeras;
    out.keras_version = std::move(m.keras_version);
    out.keras_backend = std::move(m.backend);
    out.keras_class = std::move(m.model_class);
    out.keras_loss = std::move(m.loss);
    out.qat_ranges = std::move(m.qat_ranges);
    return out;
  }
  LITEOPT_ASSIGN_OR_RETURN(out.graph, tflite::ReadTfliteFile(path));
  return out;
}

Result<std::shared_ptr<ir::Graph>> ReadModelFile(const std::string& path, const ModelReadOptions& options) {
  LITEOPT_ASSIGN_OR_RETURN(ModelFile m, ReadModel(path, options));
  return std::move(m.graph);
}

}  // namespace liteopt::io

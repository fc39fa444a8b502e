#include "io/keras/reader.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/keras/converter.h"
#include "io/keras/fold.h"
#include "io/keras/hdf5_file.h"
#include "ir/verifier.h"

namespace liteopt::io::keras {

namespace {

using internal::Converter;
using internal::H5File;
using internal::LayerSpec;
using nlohmann::json;

bool IsModelClass(const std::string& c) { return c == "Sequential" || c == "Functional" || c == "Model"; }
bool IsWrapper(const std::string& c) {
  return c == "PruneLowMagnitude" || c == "QuantizeWrapper" || c == "QuantizeWrapperV2";
}

const json& Member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}
std::string Text(const json& j) { return j.is_string() ? j.get<std::string>() : std::string(); }
std::string ClassOf(const json& layer) { return Text(Member(layer, "class_name")); }
const json& ConfigOf(const json& layer) { return Member(layer, "config"); }
std::string NameOf(const json& layer) {
  const std::string n = Text(Member(ConfigOf(layer), "name"));
  return n.empty() ? Text(Member(layer, "name")) : n;
}
std::string Join(const std::string& group, const std::string& name) { return group.empty() ? name : group + "/" + name; }

// A Sequential's layers: its config is the list itself (Keras 2.0) or {"layers": [...]}.
const json& LayerList(const json& model) {
  const json& cfg = ConfigOf(model);
  return cfg.is_array() ? cfg : Member(cfg, "layers");
}

// Unsupported layers and channels-first layers of a model and of the models nested in it.
void CollectProblems(const json& model, std::vector<std::string>& unsupported, std::vector<std::string>& channels_first) {
  const json& layers = LayerList(model);
  if (!layers.is_array()) return;
  for (const json& l : layers) {
    std::string cls = ClassOf(l), name = NameOf(l);
    const json* cfg = &ConfigOf(l);
    if (IsModelClass(cls)) {
      CollectProblems(l, unsupported, channels_first);
      continue;
    }
    if (IsWrapper(cls)) {
      const json& inner = Member(*cfg, "layer");
      name = NameOf(inner) + "' in " + cls + " '" + name;
      cls = ClassOf(inner);
      cfg = &ConfigOf(inner);
    }
    const std::string what = cls + " '" + name + "'";
    if (Text(Member(*cfg, "data_format")) == "channels_first") channels_first.push_back(what);
    if (cls == "InputLayer") continue;
    if (!internal::IsSupportedLayer(cls)) {
      unsupported.push_back(what);
    } else if (const std::string why = internal::UnsupportedSetting(cls, *cfg); !why.empty()) {
      unsupported.push_back(what + " (" + why + ")");
    }
  }
}

std::string List(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) s += (s.empty() ? "" : ", ") + e;
  return s;
}

struct Ref {
  std::string layer;
  int64_t node = 0, tensor = 0;
};

std::optional<Ref> RefFrom(const json& j) {
  if (!j.is_array() || j.size() < 3 || !j[0].is_string() || !j[1].is_number_integer() || !j[2].is_number_integer())
    return std::nullopt;
  return Ref{j[0].get<std::string>(), j[1].get<int64_t>(), j[2].get<int64_t>()};
}

// input_layers / output_layers: [["in", 0, 0], ...], or a single ["in", 0, 0] (Keras 3 with one input).
std::optional<std::vector<Ref>> Refs(const json& j) {
  std::vector<Ref> out;
  if (auto one = RefFrom(j)) return std::vector<Ref>{*one};
  if (!j.is_array()) return std::nullopt;
  for (const json& e : j) {
    auto r = RefFrom(e);
    if (!r) return std::nullopt;
    out.push_back(*r);
  }
  return out;
}

// Keras 3 call arguments: every {"class_name": "__keras_tensor__", "config": {"keras_history": [...]}}.
void KerasTensors(const json& j, std::vector<Ref>& out) {
  if (j.is_object() && Text(Member(j, "class_name")) == "__keras_tensor__") {
    if (auto r = RefFrom(Member(ConfigOf(j), "keras_history"))) out.push_back(*r);
    return;
  }
  if (j.is_array() || j.is_object())
    for (const json& e : j) KerasTensors(e, out);
}

// The calls of a layer in a Functional config: Keras 2 lists [name, node, tensor, kwargs] per input,
// Keras 3 {"args": [...], "kwargs": {...}}.
Result<std::vector<std::vector<Ref>>> InboundNodes(const json& layer) {
  std::vector<std::vector<Ref>> calls;
  const json& nodes = Member(layer, "inbound_nodes");
  if (!nodes.is_array()) return calls;
  for (const json& node : nodes) {
    std::vector<Ref> refs;
    if (node.is_object()) {
      KerasTensors(Member(node, "args"), refs);
    } else if (node.is_array()) {
      for (const json& e : node) {
        auto r = RefFrom(e);
        if (!r) return DataLoss("model_config: layer '" + NameOf(layer) + "': malformed inbound node " + e.dump());
        refs.push_back(*r);
      }
    } else {
      return DataLoss("model_config: layer '" + NameOf(layer) + "': malformed inbound_nodes");
    }
    calls.push_back(std::move(refs));
  }
  return calls;
}

// [None, 32, 32, 3] -> [1, 32, 32, 3].
Result<std::vector<int32_t>> InputShape(const std::string& name, const json& cfg) {
  const json* s = &Member(cfg, "batch_input_shape");
  if (!s->is_array()) s = &Member(cfg, "batch_shape");  // Keras 3
  if (!s->is_array() || s->empty()) return InvalidArgument("input '" + name + "' has no batch_input_shape / batch_shape");
  std::vector<int32_t> shape = {1};
  for (size_t i = 1; i < s->size(); ++i) {
    const json& d = (*s)[i];
    if (!d.is_number_integer() || d.get<int64_t>() <= 0 || d.get<int64_t>() > (1 << 24))
      return InvalidArgument("input '" + name + "' has shape " + s->dump() + ": dimension " + std::to_string(i) +
                             " is unknown or invalid; liteopt needs a fixed input size");
    shape.push_back(d.get<int32_t>());
  }
  return shape;
}

struct Scope {
  std::string prefix;  // of tensor names
  std::string group;   // HDF5 group of the weights
  bool nested = false;
};

// Walks a model config and converts every call of every layer.
class ModelWalk {
 public:
  explicit ModelWalk(Converter& c) : c_(c) {}
  int layers() const { return layers_; }

  Result<std::vector<int32_t>> Build(const json& model, const std::vector<int32_t>& inputs, const Scope& s) {
    if (ClassOf(model) == "Sequential") return Sequential(model, inputs, s);
    return Functional(ConfigOf(model), inputs, s);
  }

  // The graph inputs of the top-level model, named after its input layers.
  Result<std::vector<std::pair<std::string, std::vector<int32_t>>>> Inputs(const json& model) {
    std::vector<std::pair<std::string, std::vector<int32_t>>> out;
    if (ClassOf(model) == "Sequential") {
      const json& layers = LayerList(model);
      if (!layers.is_array() || layers.empty()) return InvalidArgument("model_config: the Sequential model has no layers");
      const json& first = layers[0];
      const std::string name = ClassOf(first) == "InputLayer" ? NameOf(first) : NameOf(first) + "_input";
      json cfg = ConfigOf(first);
      if (!Member(cfg, "batch_input_shape").is_array() && !Member(cfg, "batch_shape").is_array() &&
          Member(ConfigOf(model), "build_input_shape").is_array())
        cfg["batch_input_shape"] = Member(ConfigOf(model), "build_input_shape");
      LITEOPT_ASSIGN_OR_RETURN(auto shape, InputShape(name, cfg));
      out.emplace_back(name, std::move(shape));
      return out;
    }
    auto refs = Refs(Member(ConfigOf(model), "input_layers"));
    if (!refs || refs->empty()) return DataLoss("model_config: missing or malformed input_layers");
    for (const Ref& r : *refs) {
      const json* layer = Find(ConfigOf(model), r.layer);
      if (layer == nullptr || ClassOf(*layer) != "InputLayer")
        return DataLoss("model_config: input '" + r.layer + "' is not an InputLayer of the model");
      LITEOPT_ASSIGN_OR_RETURN(auto shape, InputShape(r.layer, ConfigOf(*layer)));
      out.emplace_back(r.layer, std::move(shape));
    }
    return out;
  }

 private:
  static const json* Find(const json& cfg, const std::string& name) {
    const json& layers = Member(cfg, "layers");
    if (!layers.is_array()) return nullptr;
    for (const json& l : layers)
      if (NameOf(l) == name) return &l;
    return nullptr;
  }

  Result<std::vector<int32_t>> Sequential(const json& model, std::vector<int32_t> x, const Scope& s) {
    const json& layers = LayerList(model);
    if (!layers.is_array()) return DataLoss("model_config: Sequential '" + NameOf(model) + "' has no layer list");
    for (const json& l : layers) {
      if (ClassOf(l) == "InputLayer") continue;
      if (x.size() != 1)
        return InvalidArgument("Sequential '" + NameOf(model) + "': layer '" + NameOf(l) + "' gets " +
                               std::to_string(x.size()) + " inputs");
      LITEOPT_ASSIGN_OR_RETURN(x, Call(l, x, s, 0));
    }
    return x;
  }

  Result<std::vector<int32_t>> Functional(const json& cfg, const std::vector<int32_t>& inputs, const Scope& s) {
    auto in_refs = Refs(Member(cfg, "input_layers"));
    auto out_refs = Refs(Member(cfg, "output_layers"));
    if (!in_refs || !out_refs || !Member(cfg, "layers").is_array())
      return DataLoss("model_config: model '" + Text(Member(cfg, "name")) + "' lacks layers, input_layers or output_layers");
    if (in_refs->size() != inputs.size())
      return InvalidArgument("model '" + Text(Member(cfg, "name")) + "' takes " + std::to_string(in_refs->size()) +
                             " inputs, called with " + std::to_string(inputs.size()));
    std::map<std::pair<std::string, int64_t>, std::vector<int32_t>> produced;
    for (size_t i = 0; i < inputs.size(); ++i) produced[{(*in_refs)[i].layer, (*in_refs)[i].node}] = {inputs[i]};
    struct Pending {
      const json* layer;
      int64_t node;
      std::vector<Ref> refs;
    };
    std::vector<Pending> pending;
    for (const json& l : Member(cfg, "layers")) {
      if (ClassOf(l) == "InputLayer") continue;
      LITEOPT_ASSIGN_OR_RETURN(auto calls, InboundNodes(l));
      for (size_t k = 0; k < calls.size(); ++k) pending.push_back({&l, static_cast<int64_t>(k), std::move(calls[k])});
    }
    auto lookup = [&](const Ref& r) -> const int32_t* {
      auto it = produced.find({r.layer, r.node});
      if (it == produced.end() || r.tensor < 0 || r.tensor >= static_cast<int64_t>(it->second.size())) return nullptr;
      return &it->second[r.tensor];
    };
    // Configs list layers in call order, but nothing requires it: convert whatever has its inputs, repeat.
    while (!pending.empty()) {
      bool progress = false;
      for (size_t i = 0; i < pending.size();) {
        std::vector<int32_t> args;
        for (const Ref& r : pending[i].refs)
          if (const int32_t* t = lookup(r)) args.push_back(*t);
        if (args.size() != pending[i].refs.size() || args.empty()) {
          ++i;
          continue;
        }
        LITEOPT_ASSIGN_OR_RETURN(auto outs, Call(*pending[i].layer, args, s, pending[i].node));
        produced[{NameOf(*pending[i].layer), pending[i].node}] = std::move(outs);
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
        progress = true;
      }
      if (!progress) {
        const Pending& p = pending.front();
        std::string missing = p.refs.empty() ? std::string("no inputs") : "'" + p.refs.front().layer + "'";
        for (const Ref& r : p.refs)
          if (!lookup(r)) missing = "'" + r.layer + "' (call " + std::to_string(r.node) + ")";
        return DataLoss("model_config: layer '" + NameOf(*p.layer) + "' reads " + missing +
                        ", which no layer of the model produces");
      }
    }
    std::vector<int32_t> outs;
    for (const Ref& r : *out_refs) {
      const int32_t* t = lookup(r);
      if (t == nullptr) return DataLoss("model_config: output '" + r.layer + "' is not produced by the model");
      outs.push_back(*t);
    }
    return outs;
  }

  Result<std::vector<int32_t>> Call(const json& layer, const std::vector<int32_t>& inputs, const Scope& s, int64_t node) {
    const std::string cls = ClassOf(layer), name = NameOf(layer);
    if (IsModelClass(cls)) {
      const Scope inner{s.prefix + name + "/", s.nested ? s.group : Join(s.group, name), true};
      return Build(layer, inputs, inner);
    }
    LayerSpec spec;
    spec.class_name = cls;
    spec.name = name;
    spec.config = &ConfigOf(layer);
    if (IsWrapper(cls)) {
      const json& inner = Member(ConfigOf(layer), "layer");
      spec.wrapper = cls;
      spec.wrapper_name = name;
      spec.class_name = ClassOf(inner);
      spec.name = NameOf(inner);
      spec.config = &ConfigOf(inner);
    }
    spec.tensor_name = s.prefix + name + (node > 0 ? "_" + std::to_string(node) : "");
    spec.weight_group = s.nested ? s.group : Join(s.group, name);
    if (s.nested) spec.weight_owners = {spec.name, name};
    if (spec.class_name == "InputLayer") return inputs;
    internal::IrBuilder& b = c_.builder();
    const int32_t before = b.num_tensors();
    LITEOPT_ASSIGN_OR_RETURN(int32_t y, internal::ConvertLayer(c_, spec, inputs));
    if (y >= before) b.tensor(y).name = spec.tensor_name;
    LITEOPT_RETURN_IF_ERROR(LearnedRange(spec, b.tensor(y).name));
    ++layers_;
    return std::vector<int32_t>{y};
  }

  // TFMOT's activation quantizer variables of a layer, if any, for the tensor its output is.
  Status LearnedRange(const LayerSpec& spec, const std::string& tensor) {
    if (spec.class_name != "QuantizeLayer" && spec.wrapper.rfind("QuantizeWrapper", 0) != 0) return Status::Ok();
    LITEOPT_ASSIGN_OR_RETURN(internal::LayerWeights w, c_.Weights(spec));
    for (const std::string prefix : {"quantize_layer", "post_activation", "output"}) {
      if (!w.Has(prefix + "_min") || !w.Has(prefix + "_max")) continue;
      LITEOPT_ASSIGN_OR_RETURN(auto lo, w.Get(prefix + "_min", {}));
      LITEOPT_ASSIGN_OR_RETURN(auto hi, w.Get(prefix + "_max", {}));
      if (!(hi[0] >= lo[0]) || !std::isfinite(lo[0]) || !std::isfinite(hi[0]))
        return InvalidArgument(spec.Describe() + ": learned range " + prefix + " [" + std::to_string(lo[0]) + ", " +
                               std::to_string(hi[0]) + "] is not a range");
      ranges_[tensor] = {lo[0], hi[0]};
      return Status::Ok();
    }
    return Status::Ok();
  }

 public:
  std::map<std::string, std::pair<float, float>>& ranges() { return ranges_; }

 private:

  Converter& c_;
  int layers_ = 0;
  std::map<std::string, std::pair<float, float>> ranges_;
};

Result<json> ParseJson(const std::string& text, const std::string& what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return DataLoss(what + " is not valid JSON");
  return j;
}

Result<json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(path + ": cannot open: " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseJson(ss.str(), path);
}

std::string LossName(const json& training) {
  const json& loss = Member(training, "loss");
  if (loss.is_string()) return loss.get<std::string>();
  const std::string name = Text(Member(ConfigOf(loss), "name"));
  return name.empty() ? ClassOf(loss) : name;
}

// Checks the first bytes for formats that are not HDF5 but are mistaken for Keras models.
Status CheckNotZip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(path + ": cannot open: " + std::strerror(errno));
  char magic[4] = {};
  in.read(magic, 4);
  if (in.gcount() == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0)
    return Unsupported(path + ": a zip archive (the Keras 3 .keras format), which liteopt does not read yet; in Keras "
                              "3 save the model as HDF5 instead: model.save('model.h5')");
  return Status::Ok();
}

Result<KerasModel> Read(const std::string& path, const KerasReadOptions& options) {
  if (!internal::IsHdf5File(path))
    return InvalidArgument(path + ": not an HDF5 file (a Keras .h5 model starts with the HDF5 signature)");
  LITEOPT_ASSIGN_OR_RETURN(std::unique_ptr<H5File> file, H5File::Open(path));
  KerasModel m;
  const bool full_model = file->HasGroup("model_weights");
  const bool weights_only = !full_model && file->HasAttribute("", "layer_names");
  const std::string weights_root = full_model ? "model_weights" : "";
  json model;
  if (!options.config_path.empty()) {
    LITEOPT_ASSIGN_OR_RETURN(model, ReadJsonFile(options.config_path));
    m.keras_version = Text(Member(model, "keras_version"));
    m.backend = Text(Member(model, "backend"));
  } else if (file->HasAttribute("", "model_config")) {
    LITEOPT_ASSIGN_OR_RETURN(std::string text, file->StringAttribute("", "model_config"));
    LITEOPT_ASSIGN_OR_RETURN(model, ParseJson(text, path + ": model_config"));
  } else if (weights_only) {
    return InvalidArgument(path + ": a weights-only file (written by save_weights) has no model_config; give the "
                                  "architecture as JSON (model.to_json()) with --config model.json");
  } else {
    return InvalidArgument(path + ": an HDF5 file without a Keras model_config attribute (not written by Keras' "
                                  "model.save()); for weights-only files give the architecture with --config model.json");
  }
  if (!full_model && !weights_only)
    return InvalidArgument(path + ": no model_weights group and no layer_names attribute: the file holds no Keras weights");
  for (const std::string& where : {std::string(), weights_root}) {
    if (file->HasAttribute(where, "keras_version")) {
      LITEOPT_ASSIGN_OR_RETURN(m.keras_version, file->StringAttribute(where, "keras_version"));
    }
    if (file->HasAttribute(where, "backend")) {
      LITEOPT_ASSIGN_OR_RETURN(m.backend, file->StringAttribute(where, "backend"));
    }
  }
  if (file->HasAttribute("", "training_config")) {
    LITEOPT_ASSIGN_OR_RETURN(std::string text, file->StringAttribute("", "training_config"));
    auto training = ParseJson(text, "training_config");
    if (training.ok()) m.loss = LossName(*training);
  }
  m.model_class = ClassOf(model);
  if (m.model_class.empty()) return DataLoss(path + ": model_config has no class_name");
  if (!IsModelClass(m.model_class))
    return Unsupported(path + ": the model is a " + m.model_class + "; liteopt reads Sequential and Functional models");

  std::vector<std::string> unsupported, channels_first;
  CollectProblems(model, unsupported, channels_first);
  if (!channels_first.empty())
    return Unsupported(path + ": a channels-first model (data_format='channels_first' in " + List(channels_first) +
                       "); liteopt reads channels-last (NHWC) Keras models only: rebuild it with channels_last");
  if (!unsupported.empty())
    return Unsupported(path + ": " + std::to_string(unsupported.size()) + " unsupported layer" +
                       (unsupported.size() == 1 ? "" : "s") + ": " + List(unsupported));

  const int major = m.keras_version.empty() ? 2 : std::atoi(m.keras_version.c_str());
  Converter conv(file.get(), major);
  ModelWalk walk(conv);
  auto inputs = walk.Inputs(model);
  if (!inputs.ok()) return Status(inputs.status()).Prepend(path);
  ir::Graph& g = conv.builder().graph();
  ir::SignatureDef sig;
  sig.key = "serving_default";
  std::vector<int32_t> in_tensors;
  for (auto& [name, shape] : *inputs) {
    in_tensors.push_back(conv.builder().Activation(name, shape));
    sig.inputs.push_back({name, in_tensors.back()});
  }
  auto outs = walk.Build(model, in_tensors, Scope{"", weights_root, false});
  if (!outs.ok()) {
    const std::string& msg = outs.status().message();
    return msg.rfind(path, 0) == 0 ? outs.status() : Status(outs.status()).Prepend(path);
  }
  g.main().inputs = in_tensors;
  g.main().outputs = *outs;
  for (int32_t t : *outs) sig.outputs.push_back({g.main().tensors[t].name, t});
  g.signatures.push_back(std::move(sig));
  const internal::FoldStats folded = internal::FoldIntoProducers(g);
  m.folded_ops = folded.folded_mul + folded.folded_add;
  m.layers = walk.layers();
  m.qat_ranges = std::move(walk.ranges());
  Status v = ir::Verify(g);
  if (!v.ok()) return Internal(path + ": the graph built from the Keras model does not verify: " + v.message());
  m.graph = std::make_shared<ir::Graph>(std::move(g));
  return m;
}

}  // namespace

Result<KerasModel> ReadKerasFile(const std::string& path, const KerasReadOptions& options) {
  LITEOPT_RETURN_IF_ERROR(CheckNotZip(path));
  auto lock = internal::Hdf5Lock();
  try {
    return Read(path, options);
  } catch (const json::exception& e) {  // the accessors check types; this is the net under them
    return DataLoss(path + ": malformed model_config: " + e.what());
  }
}

}  // namespace liteopt::io::keras

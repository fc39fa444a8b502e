// `liteopt inspect MODEL [--json]`: what a model contains and whether liteopt can run it.
#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/model_flags.h"
#include "cli/format.h"
#include "io/model_file.h"
#include "io/tflite/reader.h"
#include "runtime/interpreter.h"

namespace liteopt::cli {

namespace {

struct InspectConfig {
  std::string model;
  std::string keras_config;
  bool json = false;
  bool all_buffers = false;
};

nlohmann::json TensorJson(const ir::Tensor& t, int index) {
  nlohmann::json j = {{"index", index}, {"name", t.name}, {"dtype", DTypeName(t.dtype)}, {"shape", t.shape}};
  if (!t.shape_signature.empty()) j["shape_signature"] = t.shape_signature;
  if (t.quant.quantized()) {
    j["quantization"] = {{"scale", t.quant.scale},
                         {"zero_point", t.quant.zero_point},
                         {"quantized_dimension", t.quant.quantized_dimension}};
  }
  return j;
}

std::string IndexList(const std::vector<int32_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

bool HasFusedActivation(const ir::Op& op) {
  switch (op.type) {
    case ir::OpType::CONV_2D: case ir::OpType::DEPTHWISE_CONV_2D: case ir::OpType::FULLY_CONNECTED:
    case ir::OpType::ADD: case ir::OpType::SUB: case ir::OpType::MUL: case ir::OpType::DIV:
    case ir::OpType::AVERAGE_POOL_2D: case ir::OpType::MAX_POOL_2D: case ir::OpType::CONCATENATION:
      return true;
    default:
      return false;
  }
}

int RunInspect(const InspectConfig& cfg) {
  auto model_or = io::ReadModel(cfg.model, {cfg.keras_config});
  if (!model_or.ok()) return Fail(model_or.status().message());
  const io::ModelFile& model = *model_or;
  std::shared_ptr<ir::Graph> graph = model.graph;
  const bool keras = model.format == io::ModelFormat::kKeras;
  const ir::Subgraph& sg = graph->main();

  struct stat st {};
  const long long file_size = ::stat(cfg.model.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;

  // Constant bytes by dtype and per buffer.
  std::map<std::string, std::pair<size_t, size_t>> by_dtype;  // dtype -> (tensors, bytes)
  struct BufferRow {
    int tensor;
    size_t bytes;
  };
  std::vector<BufferRow> buffers;
  size_t const_total = 0;
  for (size_t i = 0; i < sg.tensors.size(); ++i) {
    const auto& b = graph->data(sg.tensors[i]);
    if (b.empty()) continue;
    auto& e = by_dtype[std::string(DTypeName(sg.tensors[i].dtype))];
    e.first++;
    e.second += b.size;
    const_total += b.size;
    buffers.push_back({static_cast<int>(i), b.size});
  }
  std::stable_sort(buffers.begin(), buffers.end(), [](auto& a, auto& b) { return a.bytes > b.bytes; });

  const auto unsupported = runtime::Interpreter::UnsupportedOps(*graph);
  std::string prepare_error;
  runtime::MemoryStats mem;
  bool runnable = false;
  if (unsupported.empty()) {
    auto interp = runtime::Interpreter::Create(graph);
    if (interp.ok()) {
      mem = (*interp)->memory();
      runnable = true;
    } else {
      prepare_error = interp.status().message();
    }
  }
  const std::string min_runtime = io::tflite::MinRuntimeVersion(*graph).value_or("");

  if (cfg.json) {
    nlohmann::json j;
    j["model"] = cfg.model;
    j["file_size_bytes"] = file_size;
    j["format"] = keras ? "keras" : "tflite";
    if (keras) {
      j["keras_version"] = model.keras_version;
      j["keras_backend"] = model.keras_backend;
      j["keras_model_class"] = model.keras_class;
      if (!model.keras_loss.empty()) j["keras_loss"] = model.keras_loss;
    }
    j["description"] = graph->description;
    j["schema_version"] = graph->version;
    j["min_runtime_version"] = min_runtime;
    j["subgraphs"] = graph->subgraphs.size();
    for (int32_t t : sg.inputs) j["inputs"].push_back(TensorJson(sg.tensors[t], t));
    for (int32_t t : sg.outputs) j["outputs"].push_back(TensorJson(sg.tensors[t], t));
    j["ops"] = nlohmann::json::array();
    for (size_t i = 0; i < sg.ops.size(); ++i) {
      const auto& op = sg.ops[i];
      nlohmann::json o = {{"index", i}, {"op", ir::OpTypeName(op.type)}, {"version", op.version},
                          {"inputs", op.inputs}, {"outputs", op.outputs}};
      if (op.type == ir::OpType::CUSTOM) o["custom_code"] = op.custom_code;
      if (HasFusedActivation(op)) o["fused_activation"] = ir::ActivationName(op.options.activation);
      j["ops"].push_back(o);
    }
    for (auto& [dt, e] : by_dtype) j["constants_by_dtype"][dt] = {{"tensors", e.first}, {"bytes", e.second}};
    j["constant_bytes"] = const_total;
    for (const auto& b : buffers)
      j["buffers"].push_back({{"tensor", b.tensor}, {"name", sg.tensors[b.tensor].name}, {"bytes", b.bytes}});
    j["unsupported_ops"] = unsupported;
    j["runnable"] = runnable;
    if (!prepare_error.empty()) j["prepare_error"] = prepare_error;
    if (runnable) {
      j["memory"] = {{"arena_bytes", mem.arena_bytes},
                     {"activation_bytes_sum", mem.activation_bytes_sum},
                     {"persistent_bytes", mem.persistent_bytes}};
    }
    for (const auto& s : graph->signatures) j["signatures"].push_back(s.key);
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }

  std::printf("Model      %s (%s)\n", cfg.model.c_str(), HumanBytes(file_size).c_str());
  if (keras)
    std::printf("Keras      %s model, keras_version %s, backend %s%s%s (read as the graph below)\n",
                model.keras_class.c_str(), model.keras_version.empty() ? "?" : model.keras_version.c_str(),
                model.keras_backend.empty() ? "?" : model.keras_backend.c_str(),
                model.keras_loss.empty() ? "" : ", loss ", model.keras_loss.c_str());
  std::printf("Converter  %s; schema v%u%s%s; %zu subgraph%s\n",
              graph->description.empty() ? "(no description)" : graph->description.c_str(), graph->version,
              min_runtime.empty() ? "" : "; min runtime ", min_runtime.c_str(), graph->subgraphs.size(),
              graph->subgraphs.size() > 1 ? "s" : "");
  auto print_io = [&](const char* title, const std::vector<int32_t>& ids) {
    std::printf("\n%s\n", title);
    for (size_t k = 0; k < ids.size(); ++k) {
      const auto& t = sg.tensors[ids[k]];
      std::printf("  %zu  %-40s %-8s %-18s %s\n", k, t.name.c_str(), std::string(DTypeName(t.dtype)).c_str(),
                  ShapeText(t.shape).c_str(), QuantText(t.quant).c_str());
    }
  };
  print_io("Inputs", sg.inputs);
  print_io("Outputs", sg.outputs);

  std::printf("\nOps (%zu)\n  %-5s %-28s %-3s %-16s %-12s %s\n", sg.ops.size(), "index", "op", "ver", "inputs", "outputs",
              "activation");
  for (size_t i = 0; i < sg.ops.size(); ++i) {
    const auto& op = sg.ops[i];
    std::string name = ir::OpTypeName(op.type);
    if (op.type == ir::OpType::CUSTOM) name += " " + op.custom_code;
    std::printf("  %-5zu %-28s %-3d %-16s %-12s %s\n", i, name.c_str(), op.version, IndexList(op.inputs).c_str(),
                IndexList(op.outputs).c_str(),
                HasFusedActivation(op) ? std::string(ir::ActivationName(op.options.activation)).c_str() : "");
  }

  std::printf("\nConstants  %s in %zu tensors\n", HumanBytes(static_cast<long long>(const_total)).c_str(),
              buffers.size());
  for (auto& [dt, e] : by_dtype)
    std::printf("  %-8s %4zu tensors  %s\n", dt.c_str(), e.first, HumanBytes(static_cast<long long>(e.second)).c_str());
  const size_t shown = cfg.all_buffers ? buffers.size() : std::min<size_t>(buffers.size(), 10);
  if (shown > 0) std::printf("  largest buffers%s:\n", cfg.all_buffers ? "" : " (--all-buffers lists every one)");
  for (size_t k = 0; k < shown; ++k)
    std::printf("    %10zu B  tensor %d '%s'\n", buffers[k].bytes, buffers[k].tensor,
                sg.tensors[buffers[k].tensor].name.c_str());

  std::printf("\nRuntime\n");
  if (!unsupported.empty()) {
    std::printf("  liteopt cannot run this model; unsupported ops:\n");
    for (const auto& u : unsupported) std::printf("    %s\n", u.c_str());
  } else if (!runnable) {
    std::printf("  liteopt cannot run this model: %s\n", prepare_error.c_str());
  } else {
    std::printf("  every op is supported\n");
    std::printf("  activation memory: %s arena (sum of all activations %s)\n",
                HumanBytes(static_cast<long long>(mem.arena_bytes)).c_str(),
                HumanBytes(static_cast<long long>(mem.activation_bytes_sum)).c_str());
    if (mem.persistent_bytes > 0)
      std::printf("  folded at load: %s\n", HumanBytes(static_cast<long long>(mem.persistent_bytes)).c_str());
  }
  return kExitOk;
}

}  // namespace

Command AddInspectCommand(CLI::App& root) {
  auto cfg = std::make_shared<InspectConfig>();
  CLI::App* app = root.add_subcommand("inspect", "Show a model's inputs, outputs, ops, sizes and memory plan");
  app->add_option("model", cfg->model, "a .tflite file or a Keras .h5 model")->required();
  AddKerasConfigOption(*app, &cfg->keras_config);
  app->add_flag("--json", cfg->json, "print one JSON object instead of tables");
  app->add_flag("--all-buffers", cfg->all_buffers, "list every constant buffer, not only the 10 largest");
  return {app, [cfg] { return RunInspect(*cfg); }};
}

}  // namespace liteopt::cli

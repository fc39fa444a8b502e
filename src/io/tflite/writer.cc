#include "io/tflite/writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <tuple>

#include "base/file_io.h"
#include "io/tflite/options.h"
#include "io/tflite/schema/tflite_generated.h"

namespace liteopt::io::tflite {

namespace fb = ::liteopt::tflite_fb;

namespace {

constexpr uint32_t kSchemaVersion = 3;
constexpr int32_t kPlaceholderForGreaterOpCodes = 127;
constexpr size_t kBufferAlignment = 16;
// Leaves room for the tables themselves below flatbuffers' 2 GiB limit.
constexpr uint64_t kMaxPayloadBytes = (uint64_t{1} << 31) - (uint64_t{64} << 20);

using IntVec = flatbuffers::Offset<flatbuffers::Vector<int32_t>>;

template <typename T>
flatbuffers::Offset<flatbuffers::Vector<T>> OptionalVector(flatbuffers::FlatBufferBuilder& fbb,
                                                           const std::vector<T>& v) {
  return v.empty() ? flatbuffers::Offset<flatbuffers::Vector<T>>() : fbb.CreateVector(v);
}

flatbuffers::Offset<flatbuffers::String> OptionalString(flatbuffers::FlatBufferBuilder& fbb, const std::string& s) {
  return s.empty() ? flatbuffers::Offset<flatbuffers::String>() : fbb.CreateString(s);
}

class Writer {
 public:
  explicit Writer(const ir::Graph& g) : g_(g) {}

  Result<std::vector<uint8_t>> Run() {
    uint64_t payload = 0;
    for (size_t i = 0; i < g_.buffers.size(); ++i) {
      const ir::Buffer& b = g_.buffers[i];
      if (b.size > 0 && b.data == nullptr) {
        return InvalidArgument("buffer " + std::to_string(i) + " has size " + std::to_string(b.size) + " but no data");
      }
      payload += b.size + kBufferAlignment;
    }
    for (const auto& sg : g_.subgraphs)
      for (const auto& op : sg.ops) payload += op.custom_options.size();
    if (payload > kMaxPayloadBytes) {
      return Unsupported("model holds " + std::to_string(payload) +
                         " bytes of constant data and custom options; writing models above 2 GiB "
                         "(buffers stored after the flatbuffer) is not supported");
    }
    flatbuffers::FlatBufferBuilder fbb(static_cast<size_t>(payload) + (1 << 20));

    // Data first: the builder fills back to front, so constant data lands at the end of the file.
    std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
    buffers.reserve(g_.buffers.size());
    for (const auto& b : g_.buffers) {
      flatbuffers::Offset<flatbuffers::Vector<uint8_t>> data;
      if (b.size > 0) {
        fbb.ForceVectorAlignment(b.size, sizeof(uint8_t), kBufferAlignment);
        data = fbb.CreateVector(b.data, b.size);
      }
      buffers.push_back(fb::CreateBuffer(fbb, data));
    }
    const auto buffers_vec = fbb.CreateVector(buffers);

    CollectOpCodes();
    std::vector<flatbuffers::Offset<fb::SubGraph>> subgraphs;
    for (const auto& sg : g_.subgraphs) {
      auto sub = WriteSubgraph(fbb, sg);
      if (!sub.ok()) return sub.status();
      subgraphs.push_back(*sub);
    }
    const auto subgraphs_vec = fbb.CreateVector(subgraphs);

    std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
    for (const auto& key : code_order_) {
      const auto& [type, version, custom] = key;
      const auto custom_off = OptionalString(fbb, custom);
      const int8_t deprecated = static_cast<int8_t>(std::min(type, kPlaceholderForGreaterOpCodes));
      codes.push_back(
          fb::CreateOperatorCode(fbb, deprecated, custom_off, version, static_cast<fb::BuiltinOperator>(type)));
    }
    const auto codes_vec = fbb.CreateVector(codes);

    flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::SignatureDef>>> sigs_vec;
    if (!g_.signatures.empty()) {
      std::vector<flatbuffers::Offset<fb::SignatureDef>> sigs;
      for (const auto& s : g_.signatures) {
        auto maps = [&](const std::vector<ir::SignatureDef::Entry>& entries) {
          std::vector<flatbuffers::Offset<fb::TensorMap>> v;
          for (const auto& e : entries) {
            const auto name = fbb.CreateString(e.name);
            v.push_back(fb::CreateTensorMap(fbb, name, static_cast<uint32_t>(e.tensor)));
          }
          return fbb.CreateVector(v);
        };
        const auto in = maps(s.inputs);
        const auto out = maps(s.outputs);
        const auto key = fbb.CreateString(s.key);
        sigs.push_back(fb::CreateSignatureDef(fbb, in, out, key, static_cast<uint32_t>(s.subgraph)));
      }
      sigs_vec = fbb.CreateVector(sigs);
    }

    flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Metadata>>> meta_vec;
    if (!g_.metadata.empty()) {
      std::vector<flatbuffers::Offset<fb::Metadata>> meta;
      for (const auto& m : g_.metadata) {
        const auto name = fbb.CreateString(m.name);
        meta.push_back(fb::CreateMetadata(fbb, name, static_cast<uint32_t>(m.buffer)));
      }
      meta_vec = fbb.CreateVector(meta);
    }
    const auto description = OptionalString(fbb, g_.description);

    const auto model = fb::CreateModel(fbb, g_.version, codes_vec, subgraphs_vec, description, buffers_vec,
                                       /*metadata_buffer=*/0, meta_vec, sigs_vec);
    fb::FinishModelBuffer(fbb, model);
    return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  }

 private:
  using CodeKey = std::tuple<int32_t, int32_t, std::string>;

  static CodeKey KeyOf(const ir::Op& op) { return {static_cast<int32_t>(op.type), op.version, op.custom_code}; }

  // Operator codes in order of first use, so the table is a deterministic function of the graph.
  void CollectOpCodes() {
    for (const auto& sg : g_.subgraphs) {
      for (const auto& op : sg.ops) {
        CodeKey key = KeyOf(op);
        if (code_index_.count(key)) continue;
        code_index_.emplace(key, static_cast<uint32_t>(code_order_.size()));
        code_order_.push_back(std::move(key));
      }
    }
  }

  static Result<std::pair<fb::SparseIndexVector, flatbuffers::Offset<void>>> WriteIndexVector(
      flatbuffers::FlatBufferBuilder& fbb, int8_t type, const std::vector<int32_t>& values, const std::string& where) {
    const auto t = static_cast<fb::SparseIndexVector>(type);
    auto check = [&](int64_t max) -> Status {
      for (int32_t v : values) {
        if (v < 0 || v > max) {
          return InvalidArgument(where + ": sparse index value " + std::to_string(v) + " does not fit the " +
                                 fb::EnumNameSparseIndexVector(t) + " encoding (expected in [0, " +
                                 std::to_string(max) + "])");
        }
      }
      return Status::Ok();
    };
    switch (t) {
      case fb::SparseIndexVector::NONE:
        return std::make_pair(t, flatbuffers::Offset<void>());
      case fb::SparseIndexVector::Int32Vector: {
        const auto v = fbb.CreateVector(values);
        return std::make_pair(t, fb::CreateInt32Vector(fbb, v).Union());
      }
      case fb::SparseIndexVector::Uint16Vector: {
        LITEOPT_RETURN_IF_ERROR(check(0xffff));
        std::vector<uint16_t> narrow(values.begin(), values.end());
        fbb.ForceVectorAlignment(narrow.size(), sizeof(uint16_t), 4);
        const auto v = fbb.CreateVector(narrow);
        return std::make_pair(t, fb::CreateUint16Vector(fbb, v).Union());
      }
      case fb::SparseIndexVector::Uint8Vector: {
        LITEOPT_RETURN_IF_ERROR(check(0xff));
        std::vector<uint8_t> narrow(values.begin(), values.end());
        fbb.ForceVectorAlignment(narrow.size(), sizeof(uint8_t), 4);
        const auto v = fbb.CreateVector(narrow);
        return std::make_pair(t, fb::CreateUint8Vector(fbb, v).Union());
      }
    }
    return InvalidArgument(where + ": unknown sparse index vector type " + std::to_string(type));
  }

  // A flatbuffer may reference one vector from many tables, so equal vectors of tensors are stored once: the
  // zero points of per-channel tensors (one int64 per channel, nearly always all zero, again on the bias: 8-16
  // bytes per channel, 7% of an int8 MobileNetV2), the scales a sparse filter shares with its DENSIFY output,
  // shapes. Keyed by the bytes, so -0.0 and 0.0 (and NaNs) are told apart.
  template <typename T>
  flatbuffers::Offset<flatbuffers::Vector<T>> Shared(flatbuffers::FlatBufferBuilder& fbb, const std::vector<T>& v) {
    if (v.empty()) return {};
    std::string key(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    key.push_back(static_cast<char>(sizeof(T)));
    auto [it, inserted] = shared_vectors_.try_emplace(std::move(key));
    if (inserted) it->second = fbb.CreateVector(v).o;
    return flatbuffers::Offset<flatbuffers::Vector<T>>(it->second);
  }

  Result<flatbuffers::Offset<fb::Tensor>> WriteTensor(flatbuffers::FlatBufferBuilder& fbb, const ir::Tensor& t,
                                                      size_t index) {
    const std::string where = "tensor " + std::to_string(index) + " ('" + t.name + "')";
    const auto shape = t.shape.empty() ? fbb.CreateVector(t.shape) : Shared(fbb, t.shape);
    const auto name = fbb.CreateString(t.name);
    flatbuffers::Offset<fb::QuantizationParameters> quant;
    const ir::QuantParams& q = t.quant;
    if (!q.scale.empty() || !q.zero_point.empty() || !q.min.empty() || !q.max.empty() || q.quantized_dimension != 0) {
      const auto min = Shared(fbb, q.min);
      const auto max = Shared(fbb, q.max);
      const auto scale = Shared(fbb, q.scale);
      // TFLite rejects scales without zero points; absent zero points mean 0.
      const auto zp = Shared(
          fbb, q.zero_point.empty() && !q.scale.empty() ? std::vector<int64_t>(q.scale.size(), 0) : q.zero_point);
      quant = fb::CreateQuantizationParameters(fbb, min, max, scale, zp, fb::QuantizationDetails::NONE, 0,
                                               q.quantized_dimension);
    }
    flatbuffers::Offset<fb::SparsityParameters> sparsity;
    if (t.sparsity) {
      const ir::Sparsity& sp = *t.sparsity;
      std::vector<flatbuffers::Offset<fb::DimensionMetadata>> dims;
      for (const auto& dm : sp.dim_metadata) {
        auto seg = WriteIndexVector(fbb, dm.segments_type, dm.array_segments, where);
        if (!seg.ok()) return seg.status();
        auto idx = WriteIndexVector(fbb, dm.indices_type, dm.array_indices, where);
        if (!idx.ok()) return idx.status();
        dims.push_back(fb::CreateDimensionMetadata(fbb, static_cast<fb::DimensionType>(dm.format), dm.dense_size,
                                                   seg->first, seg->second, idx->first, idx->second));
      }
      const auto order = OptionalVector(fbb, sp.traversal_order);
      const auto block_map = OptionalVector(fbb, sp.block_map);
      const auto dims_vec = fbb.CreateVector(dims);
      sparsity = fb::CreateSparsityParameters(fbb, order, block_map, dims_vec);
    }
    const auto signature = OptionalVector(fbb, t.shape_signature);
    return fb::CreateTensor(fbb, shape, static_cast<fb::TensorType>(t.dtype), static_cast<uint32_t>(t.buffer), name,
                            quant, t.is_variable, sparsity, signature, t.has_rank);
  }

  Result<flatbuffers::Offset<fb::SubGraph>> WriteSubgraph(flatbuffers::FlatBufferBuilder& fbb, const ir::Subgraph& sg) {
    std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
    tensors.reserve(sg.tensors.size());
    for (size_t i = 0; i < sg.tensors.size(); ++i) {
      auto t = WriteTensor(fbb, sg.tensors[i], i);
      if (!t.ok()) return t.status();
      tensors.push_back(*t);
    }
    std::vector<flatbuffers::Offset<fb::Operator>> ops;
    ops.reserve(sg.ops.size());
    for (const auto& op : sg.ops) {
      const auto inputs = fbb.CreateVector(op.inputs);
      const auto outputs = fbb.CreateVector(op.outputs);
      const auto intermediates = OptionalVector(fbb, op.intermediates);
      DType first_input = DType::kFloat32;
      if (!op.inputs.empty() && op.inputs[0] >= 0 && static_cast<size_t>(op.inputs[0]) < sg.tensors.size()) {
        first_input = sg.tensors[op.inputs[0]].dtype;
      }
      const auto options = internal::WriteBuiltinOptions(fbb, op.options, first_input);
      const auto custom = OptionalVector(fbb, op.custom_options);
      ops.push_back(fb::CreateOperator(
          fbb, code_index_.at(KeyOf(op)), inputs, outputs, static_cast<fb::BuiltinOptions>(op.options.type), options,
          custom, fb::CustomOptionsFormat::FLEXBUFFERS, /*mutating_variable_inputs=*/0, intermediates));
    }
    const auto tensors_vec = fbb.CreateVector(tensors);
    const auto inputs = fbb.CreateVector(sg.inputs);
    const auto outputs = fbb.CreateVector(sg.outputs);
    const auto ops_vec = fbb.CreateVector(ops);
    const auto name = OptionalString(fbb, sg.name);
    return fb::CreateSubGraph(fbb, tensors_vec, inputs, outputs, ops_vec, name);
  }

  const ir::Graph& g_;
  std::map<std::string, flatbuffers::uoffset_t> shared_vectors_;  // bytes + element size -> vector
  std::map<CodeKey, uint32_t> code_index_;
  std::vector<CodeKey> code_order_;
};

}  // namespace

Result<std::vector<uint8_t>> SerializeTflite(const ir::Graph& g) {
  if (g.version != kSchemaVersion) {
    return InvalidArgument("graph declares schema version " + std::to_string(g.version) + ", expected " +
                           std::to_string(kSchemaVersion));
  }
  return Writer(g).Run();
}

Status WriteTfliteFile(const ir::Graph& g, const std::string& path) {
  auto bytes = SerializeTflite(g);
  if (!bytes.ok()) return Status(bytes.status()).Prepend(path);
  return WriteFileAtomic(path, {ByteSpan{bytes->data(), bytes->size()}});
}

}  // namespace liteopt::io::tflite

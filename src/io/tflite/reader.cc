#include "io/tflite/reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include "io/tflite/options.h"
#include "io/tflite/schema/tflite_generated.h"
#include "ir/verifier.h"

namespace liteopt::io::tflite {

namespace fb = ::liteopt::tflite_fb;

namespace {

constexpr uint32_t kSchemaVersion = 3;
// flatbuffers' verifier limits: TFLite models nest about 6 tables deep; the table budget only guards
// against offset-sharing blowups and must not reject big legitimate models.
constexpr uint32_t kMaxDepth = 64;
constexpr uint32_t kMinMaxTables = 1000000;

// A read-only mapping of a whole file; buffers of the graph hold it through Buffer::owner.
class MappedFile {
 public:
  MappedFile(void* addr, size_t size) : addr_(addr), size_(size) {}
  ~MappedFile() {
    if (addr_ != nullptr) munmap(addr_, size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const uint8_t* data() const { return static_cast<const uint8_t*>(addr_); }
  size_t size() const { return size_; }

 private:
  void* addr_;
  size_t size_;
};

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string Printable4(const uint8_t* p) {
  std::string s;
  bool printable = true;
  for (int i = 0; i < 4; ++i) printable &= (p[i] >= 0x20 && p[i] < 0x7f);
  if (printable) return Quote(std::string(reinterpret_cast<const char*>(p), 4));
  static const char kHex[] = "0123456789abcdef";
  s = "0x";
  for (int i = 0; i < 4; ++i) {
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 15];
  }
  return s;
}

template <typename T>
std::vector<T> ToVector(const flatbuffers::Vector<T>* v) {
  return v ? std::vector<T>(v->begin(), v->end()) : std::vector<T>();
}

// The flatbuffers verifier checks a vector's length field alignment, not its elements': a crafted file
// can put 8-byte elements at a 4-byte boundary, so those are copied bytewise.
template <typename T>
std::vector<T> ToVectorUnaligned(const flatbuffers::Vector<T>* v) {
  std::vector<T> out;
  if (v == nullptr) return out;
  out.resize(v->size());
  if (!out.empty()) std::memcpy(out.data(), v->Data(), out.size() * sizeof(T));
  return out;
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

// Constant data handed to kernels is 16-byte aligned: real files are (Buffer.data has force_align 16
// and the mapping is page-aligned), a crafted or hand-built file gets an aligned copy.
constexpr uintptr_t kDataAlignment = 16;

// Parsing context over the whole input (the flatbuffer plus any data stored after it).
class Parser {
 public:
  Parser(const uint8_t* base, size_t size, std::shared_ptr<const void> owner)
      : base_(base), size_(size), owner_(std::move(owner)) {}

  Status Parse(ir::Graph* g) {
    LITEOPT_RETURN_IF_ERROR(CheckEnvelope());
    model_ = fb::GetModel(base_);
    if (model_->version() != kSchemaVersion) {
      return Unsupported("model declares schema version " + std::to_string(model_->version()) + ", expected " +
                         std::to_string(kSchemaVersion));
    }
    g->version = model_->version();
    g->description = Str(model_->description());
    LITEOPT_RETURN_IF_ERROR(ReadBuffers(g));
    LITEOPT_RETURN_IF_ERROR(ReadOpCodes());
    if (const auto* sgs = model_->subgraphs()) {
      g->subgraphs.resize(sgs->size());
      for (uint32_t s = 0; s < sgs->size(); ++s) {
        Status st = ReadSubgraph(*sgs->Get(s), &g->subgraphs[s]);
        if (!st.ok()) return st.Prepend("subgraph " + std::to_string(s));
      }
    }
    LITEOPT_RETURN_IF_ERROR(ReadSignatures(g));
    LITEOPT_RETURN_IF_ERROR(ReadMetadata(g));
    return ir::Verify(*g);
  }

 private:
  Status CheckEnvelope() {
    // Root offset + file identifier.
    if (size_ < 8) {
      return DataLoss("file is " + std::to_string(size_) +
                      " bytes, too small for a .tflite model (expected at least 8)");
    }
    if (!fb::ModelBufferHasIdentifier(base_)) {
      return InvalidArgument("model identifier is " + Printable4(base_ + 4) +
                             ", expected 'TFL3' (not a .tflite "
                             "flatbuffer, or a size-prefixed one)");
    }
    // Offsets inside a flatbuffer are 32-bit: its tables sit in the first 2 GiB; bigger files carry
    // buffer data after it, which is bounds-checked separately.
    const size_t fb_size = std::min<size_t>(size_, FLATBUFFERS_MAX_BUFFER_SIZE - 1);
    const uint32_t max_tables =
        static_cast<uint32_t>(std::max<size_t>(kMinMaxTables, std::min<size_t>(fb_size / 4, 0x7fffffff)));
    flatbuffers::Verifier verifier(base_, fb_size, kMaxDepth, max_tables);
    if (!fb::VerifyModelBuffer(verifier)) {
      return DataLoss("flatbuffer verification failed: the " + std::to_string(size_) +
                      "-byte file is truncated or corrupt (an offset, vector or string runs outside the "
                      "buffer, or nesting/table limits exceeded)");
    }
    return Status::Ok();
  }

  // Bytes at [offset, offset + length) of the input, or an error if they are not all inside it.
  Status Slice(uint64_t offset, uint64_t length, const std::string& what, const uint8_t** out) const {
    if (offset > size_ || length > size_ - offset) {
      return DataLoss(what + ": data at offset " + std::to_string(offset) + " with size " + std::to_string(length) +
                      " runs past the end of the " + std::to_string(size_) + "-byte file");
    }
    *out = base_ + offset;
    return Status::Ok();
  }

  Status ReadBuffers(ir::Graph* g) {
    const auto* bufs = model_->buffers();
    if (bufs == nullptr || bufs->size() == 0) {
      g->buffers.assign(1, ir::Buffer());  // the sentinel TFLite expects
      return Status::Ok();
    }
    if (bufs->size() > static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
      return InvalidArgument("model has " + std::to_string(bufs->size()) + " buffers (expected < 2^31)");
    }
    g->buffers.resize(bufs->size());
    for (uint32_t i = 0; i < bufs->size(); ++i) {
      const fb::Buffer* b = bufs->Get(i);
      ir::Buffer& out = g->buffers[i];
      if (const auto* data = b->data(); data != nullptr && data->size() > 0) {
        out.data = data->data();
        out.size = data->size();
      } else if (b->offset() > 1 && b->size() > 0) {
        const uint8_t* p = nullptr;
        LITEOPT_RETURN_IF_ERROR(Slice(b->offset(), b->size(), "buffer " + std::to_string(i), &p));
        out.data = p;
        out.size = static_cast<size_t>(b->size());
      }
      if (out.size == 0) continue;
      if (reinterpret_cast<uintptr_t>(out.data) % kDataAlignment != 0) {
        out = ir::Buffer::Owned(std::vector<uint8_t>(out.data, out.data + out.size));
      } else {
        out.owner = owner_;
      }
    }
    return Status::Ok();
  }

  Status ReadOpCodes() {
    const auto* codes = model_->operator_codes();
    if (codes == nullptr) return Status::Ok();
    codes_.resize(codes->size());
    for (uint32_t i = 0; i < codes->size(); ++i) {
      const fb::OperatorCode* c = codes->Get(i);
      // Files written before builtin_code existed leave it 0 (ADD) and keep the op in the byte field.
      const int32_t builtin = static_cast<int32_t>(c->builtin_code());
      const int32_t deprecated = static_cast<int32_t>(c->deprecated_builtin_code());
      const int32_t code = std::max(builtin, deprecated);
      if (code < 0) {
        return InvalidArgument("operator code " + std::to_string(i) + ": builtin_code " + std::to_string(builtin) +
                               " / deprecated_builtin_code " + std::to_string(deprecated) +
                               " (expected a non-negative op code)");
      }
      codes_[i].type = static_cast<ir::OpType>(code);
      codes_[i].version = c->version();
      codes_[i].custom_code = Str(c->custom_code());
    }
    return Status::Ok();
  }

  Status ReadTensor(const fb::Tensor& t, uint32_t index, ir::Tensor* out) {
    out->name = Str(t.name());
    auto where = [&] { return "tensor " + std::to_string(index) + " (" + Quote(out->name) + ")"; };
    const int type = static_cast<int>(t.type());
    if (!IsValidDType(type)) {
      return Unsupported(where() + ": element type " + std::to_string(type) + " (" + fb::EnumNameTensorType(t.type()) +
                         ") is not supported (expected a TensorType in [0, 18])");
    }
    out->dtype = static_cast<DType>(type);
    out->shape = ToVector(t.shape());
    out->shape_signature = ToVector(t.shape_signature());
    if (t.buffer() > static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
      return InvalidArgument(where() + ": buffer index " + std::to_string(t.buffer()) + " out of range");
    }
    out->buffer = static_cast<int32_t>(t.buffer());
    out->is_variable = t.is_variable();
    out->has_rank = t.has_rank();
    if (t.external_buffer() != 0) {
      return Unsupported(where() + ": data in external buffer " + std::to_string(t.external_buffer()) +
                         " (external weight files are not supported)");
    }
    if (const auto* q = t.quantization()) {
      if (q->details_type() != fb::QuantizationDetails::NONE) {
        return Unsupported(where() + ": quantization details of type " +
                           fb::EnumNameQuantizationDetails(q->details_type()) +
                           " (only affine scale/zero-point quantization is supported)");
      }
      out->quant.scale = ToVector(q->scale());
      out->quant.zero_point = ToVectorUnaligned(q->zero_point());
      out->quant.min = ToVector(q->min());
      out->quant.max = ToVector(q->max());
      out->quant.quantized_dimension = q->quantized_dimension();
      RepairQuantizedDimension(out);
    }
    if (const auto* sp = t.sparsity()) {
      ir::Sparsity s;
      s.traversal_order = ToVector(sp->traversal_order());
      s.block_map = ToVector(sp->block_map());
      if (const auto* dims = sp->dim_metadata()) {
        for (uint32_t d = 0; d < dims->size(); ++d) {
          const fb::DimensionMetadata* dm = dims->Get(d);
          ir::DimensionMetadata m;
          m.format = static_cast<int8_t>(dm->format());
          m.dense_size = dm->dense_size();
          LITEOPT_RETURN_IF_ERROR(ReadIndexVector(dm->array_segments_type(), dm->array_segments(), where(),
                                                  &m.segments_type, &m.array_segments));
          LITEOPT_RETURN_IF_ERROR(ReadIndexVector(dm->array_indices_type(), dm->array_indices(), where(),
                                                  &m.indices_type, &m.array_indices));
          s.dim_metadata.push_back(std::move(m));
        }
      }
      out->sparsity = std::move(s);
    }
    return Status::Ok();
  }

  // TOCO wrote quantized_dimension = 3 (the filter's output axis) on rank-1 per-channel bias tensors
  // (e.g. TFLM's person_detect); TFLite Micro ignores the field, TFLite rejects the file. With one
  // scale per element of a rank-1 tensor, axis 0 is the only consistent reading. For per-tensor
  // quantization the field means nothing; an out-of-range value becomes 0 as well.
  static void RepairQuantizedDimension(ir::Tensor* t) {
    ir::QuantParams& q = t->quant;
    const int64_t qd = q.quantized_dimension;
    const int64_t rank = static_cast<int64_t>(t->shape.size());
    const bool in_range = qd >= 0 && (rank == 0 || qd < rank);
    if (in_range || q.scale.empty()) return;
    if (!q.per_axis() || (rank == 1 && t->shape[0] >= 0 && static_cast<size_t>(t->shape[0]) == q.scale.size())) {
      q.quantized_dimension = 0;
    }
  }

  static Status ReadIndexVector(fb::SparseIndexVector type, const void* table, const std::string& where,
                                int8_t* type_out, std::vector<int32_t>* values) {
    *type_out = static_cast<int8_t>(type);
    if (table == nullptr) return Status::Ok();
    switch (type) {
      case fb::SparseIndexVector::NONE:
        return Status::Ok();
      case fb::SparseIndexVector::Int32Vector:
        *values = ToVector(static_cast<const fb::Int32Vector*>(table)->values());
        return Status::Ok();
      case fb::SparseIndexVector::Uint16Vector: {
        const auto* v = static_cast<const fb::Uint16Vector*>(table)->values();
        if (v) values->assign(v->begin(), v->end());
        return Status::Ok();
      }
      case fb::SparseIndexVector::Uint8Vector: {
        const auto* v = static_cast<const fb::Uint8Vector*>(table)->values();
        if (v) values->assign(v->begin(), v->end());
        return Status::Ok();
      }
    }
    return Unsupported(where + ": sparse index vector of unknown type " + std::to_string(static_cast<int>(type)));
  }

  Status ReadOp(const fb::Operator& op, uint32_t index, ir::Op* out) {
    const std::string where = "op " + std::to_string(index);
    if (op.opcode_index() >= codes_.size()) {
      return InvalidArgument(where + ": opcode_index " + std::to_string(op.opcode_index()) +
                             " out of range (model has " + std::to_string(codes_.size()) + " operator codes)");
    }
    const OpCode& code = codes_[op.opcode_index()];
    out->type = code.type;
    out->version = code.version;
    out->custom_code = code.custom_code;
    const std::string what = where + " (" + ir::OpTypeName(out->type) + ")";
    out->inputs = ToVector(op.inputs());
    out->outputs = ToVector(op.outputs());
    out->intermediates = ToVector(op.intermediates());
    if (op.builtin_options_2_type() != fb::BuiltinOptions2::NONE) {
      return Unsupported(what + ": builtin_options_2 of type " +
                         std::to_string(static_cast<int>(op.builtin_options_2_type())) +
                         " (StableHLO-family options are not supported)");
    }
    internal::ReadBuiltinOptions(op, &out->options);
    if (const auto* co = op.custom_options(); co != nullptr && co->size() > 0) {
      out->custom_options.assign(co->begin(), co->end());
    } else if (op.large_custom_options_offset() > 1 && op.large_custom_options_size() > 0) {
      const uint8_t* p = nullptr;
      LITEOPT_RETURN_IF_ERROR(
          Slice(op.large_custom_options_offset(), op.large_custom_options_size(), what + " custom options", &p));
      out->custom_options.assign(p, p + op.large_custom_options_size());
    }
    return Status::Ok();
  }

  Status ReadSubgraph(const fb::SubGraph& sg, ir::Subgraph* out) {
    out->name = Str(sg.name());
    if (const auto* tensors = sg.tensors()) {
      if (tensors->size() > static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
        return InvalidArgument("has " + std::to_string(tensors->size()) + " tensors (expected < 2^31)");
      }
      out->tensors.resize(tensors->size());
      for (uint32_t i = 0; i < tensors->size(); ++i) {
        LITEOPT_RETURN_IF_ERROR(ReadTensor(*tensors->Get(i), i, &out->tensors[i]));
      }
    }
    out->inputs = ToVector(sg.inputs());
    out->outputs = ToVector(sg.outputs());
    if (const auto* ops = sg.operators()) {
      out->ops.resize(ops->size());
      for (uint32_t i = 0; i < ops->size(); ++i) LITEOPT_RETURN_IF_ERROR(ReadOp(*ops->Get(i), i, &out->ops[i]));
    }
    return Status::Ok();
  }

  static Status ToIndex(uint32_t v, const std::string& what, int32_t* out) {
    if (v > static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
      return InvalidArgument(what + " " + std::to_string(v) + " out of range");
    }
    *out = static_cast<int32_t>(v);
    return Status::Ok();
  }

  Status ReadSignatures(ir::Graph* g) {
    const auto* sigs = model_->signature_defs();
    if (sigs == nullptr) return Status::Ok();
    for (uint32_t s = 0; s < sigs->size(); ++s) {
      const fb::SignatureDef* sd = sigs->Get(s);
      ir::SignatureDef sig;
      sig.key = Str(sd->signature_key());
      const std::string where = "signature " + std::to_string(s) + " (" + Quote(sig.key) + ")";
      LITEOPT_RETURN_IF_ERROR(ToIndex(sd->subgraph_index(), where + ": subgraph index", &sig.subgraph));
      for (int dir = 0; dir < 2; ++dir) {
        const auto* maps = dir == 0 ? sd->inputs() : sd->outputs();
        auto& entries = dir == 0 ? sig.inputs : sig.outputs;
        if (maps == nullptr) continue;
        for (uint32_t i = 0; i < maps->size(); ++i) {
          ir::SignatureDef::Entry e;
          e.name = Str(maps->Get(i)->name());
          LITEOPT_RETURN_IF_ERROR(ToIndex(maps->Get(i)->tensor_index(), where + ": tensor index", &e.tensor));
          entries.push_back(std::move(e));
        }
      }
      g->signatures.push_back(std::move(sig));
    }
    return Status::Ok();
  }

  Status ReadMetadata(ir::Graph* g) {
    const auto* md = model_->metadata();
    if (md == nullptr) return Status::Ok();
    for (uint32_t i = 0; i < md->size(); ++i) {
      ir::Metadata m;
      m.name = Str(md->Get(i)->name());
      LITEOPT_RETURN_IF_ERROR(ToIndex(md->Get(i)->buffer(),
                                      "metadata " + std::to_string(i) + " (" + Quote(m.name) + "): buffer", &m.buffer));
      g->metadata.push_back(std::move(m));
    }
    return Status::Ok();
  }

  struct OpCode {
    ir::OpType type = ir::OpType::ADD;
    int32_t version = 1;
    std::string custom_code;
  };

  const uint8_t* base_;
  size_t size_;
  std::shared_ptr<const void> owner_;
  const fb::Model* model_ = nullptr;
  std::vector<OpCode> codes_;
};

Result<std::shared_ptr<ir::Graph>> ParseAll(const uint8_t* base, size_t size, std::shared_ptr<const void> owner,
                                            const std::string& name) {
  auto g = std::make_shared<ir::Graph>();
  Parser parser(base, size, std::move(owner));
  Status st = parser.Parse(g.get());
  if (!st.ok()) return st.Prepend(name);
  return g;
}

}  // namespace

Result<std::shared_ptr<ir::Graph>> ReadTfliteFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return IoError(path + ": cannot stat: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return IoError(path + ": not a regular file");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size < 8) {
    close(fd);
    return DataLoss(path + ": file is " + std::to_string(size) +
                    " bytes, too small for a .tflite model (expected at least 8)");
  }
  void* addr = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_err = errno;
  close(fd);
  if (addr == MAP_FAILED) return IoError(path + ": mmap failed: " + std::strerror(map_err));
  auto mapping = std::make_shared<const MappedFile>(addr, size);
  return ParseAll(mapping->data(), mapping->size(), mapping, path);
}

Result<std::shared_ptr<ir::Graph>> ReadTfliteBuffer(std::shared_ptr<const std::vector<uint8_t>> bytes,
                                                    std::string name_for_errors) {
  if (bytes == nullptr) return InvalidArgument(name_for_errors + ": null byte buffer");
  const uint8_t* data = bytes->data();
  const size_t size = bytes->size();
  return ParseAll(data, size, std::move(bytes), name_for_errors);
}

std::optional<std::string> MinRuntimeVersion(const ir::Graph& g) {
  for (const auto& m : g.metadata) {
    if (m.name != "min_runtime_version") continue;
    if (m.buffer < 0 || static_cast<size_t>(m.buffer) >= g.buffers.size()) return std::nullopt;
    const ir::Buffer& b = g.buffers[m.buffer];
    if (b.size == 0) return std::string();
    std::string s(reinterpret_cast<const char*>(b.data), b.size);
    s.erase(std::find(s.begin(), s.end(), '\0'), s.end());
    return s;
  }
  return std::nullopt;
}

}  // namespace liteopt::io::tflite

#include "io/tflite/sparse.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "io/tflite/op_versions.h"

namespace liteopt::io::tflite {

namespace {

// Levels beyond this are refused: real files have rank + blocks <= 6, and the walk recurses once per level.
constexpr size_t kMaxLevels = 12;
constexpr int8_t kDense = 0, kSparseCsr = 1;
constexpr int8_t kInt32Vector = 1, kUint16Vector = 2, kUint8Vector = 3;

std::string Label(const ir::Tensor& t) { return "sparse tensor '" + t.name + "'"; }

std::string ShapeText(const std::vector<int32_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// The checked geometry of a sparse tensor.
struct Geometry {
  std::vector<int32_t> expanded;    // size of every level's dimension, indexed by expanded dimension
  std::vector<int32_t> block_size;  // per block_map entry
  size_t leaves = 0;                // values the buffer must hold
};

Result<Geometry> CheckGeometry(const ir::Tensor& t) {
  const ir::Sparsity& sp = *t.sparsity;
  const size_t rank = t.shape.size(), blocks = sp.block_map.size(), levels = rank + blocks;
  const std::string where = Label(t) + " " + ShapeText(t.shape);
  if (rank == 0) return InvalidArgument(where + ": a scalar cannot be sparse");
  if (levels > kMaxLevels) return Unsupported(where + ": " + std::to_string(levels) + " sparsity levels (at most 12)");
  if (sp.traversal_order.size() != levels || sp.dim_metadata.size() != levels)
    return InvalidArgument(where + ": traversal_order has " + std::to_string(sp.traversal_order.size()) +
                           " entries and dim_metadata " + std::to_string(sp.dim_metadata.size()) + ", expected rank + " +
                           "block_map size = " + std::to_string(levels));
  for (size_t b = 0; b < blocks; ++b) {
    const int32_t d = sp.block_map[b];
    if (d < 0 || static_cast<size_t>(d) >= rank || (b > 0 && d <= sp.block_map[b - 1]))
      return InvalidArgument(where + ": block_map must list distinct dimensions of the tensor in ascending order");
  }
  std::vector<bool> seen(levels, false);
  for (size_t i = 0; i < levels; ++i) {
    const int32_t e = sp.traversal_order[i];
    const bool ok = i < rank ? e >= 0 && static_cast<size_t>(e) < rank : static_cast<size_t>(e) == i;
    if (!ok || seen[e])
      return Unsupported(where + ": traversal_order " + ShapeText(sp.traversal_order) +
                         " (expected a permutation of the dimensions followed by the block dimensions in order)");
    seen[e] = true;
  }
  Geometry g;
  g.expanded.assign(t.shape.begin(), t.shape.end());
  for (size_t b = 0; b < blocks; ++b) {
    const ir::DimensionMetadata& m = sp.dim_metadata[rank + b];
    const int32_t d = sp.block_map[b];
    if (m.format != kDense || m.dense_size <= 0 || t.shape[d] % m.dense_size != 0)
      return InvalidArgument(where + ": block " + std::to_string(b) + " of dimension " + std::to_string(d) +
                             " must be DENSE with a size dividing " + std::to_string(t.shape[d]) + " (found " +
                             (m.format == kDense ? "size " + std::to_string(m.dense_size) : std::string("SPARSE_CSR")) +
                             ")");
    g.block_size.push_back(m.dense_size);
    g.expanded[d] = t.shape[d] / m.dense_size;
    g.expanded.push_back(m.dense_size);
  }
  // Positions at each level: DENSE multiplies them, SPARSE_CSR maps each to a segment of indices.
  const int64_t dense_elements = ir::NumElements(t.shape);
  if (dense_elements < 0) return InvalidArgument(where + ": invalid shape");
  size_t positions = 1;
  for (size_t i = 0; i < levels; ++i) {
    const ir::DimensionMetadata& m = sp.dim_metadata[i];
    const int32_t size = g.expanded[sp.traversal_order[i]];
    const std::string lw = where + ", level " + std::to_string(i);
    if (m.format == kDense) {
      if (m.dense_size != size)
        return InvalidArgument(lw + ": DENSE dense_size " + std::to_string(m.dense_size) + ", expected " +
                               std::to_string(size));
      positions *= static_cast<size_t>(size);
    } else if (m.format == kSparseCsr) {
      const auto& seg = m.array_segments;
      const auto& idx = m.array_indices;
      if (seg.size() != positions + 1 || seg.front() != 0 || static_cast<size_t>(seg.back()) != idx.size())
        return InvalidArgument(lw + ": array_segments has " + std::to_string(seg.size()) + " entries from " +
                               (seg.empty() ? "-" : std::to_string(seg.front())) + " to " +
                               (seg.empty() ? "-" : std::to_string(seg.back())) + ", expected " +
                               std::to_string(positions + 1) + " from 0 to " + std::to_string(idx.size()) +
                               " (the array_indices count)");
      for (size_t s = 1; s < seg.size(); ++s)
        if (seg[s] < seg[s - 1] || seg[s] - seg[s - 1] > size)
          return InvalidArgument(lw + ": array_segments[" + std::to_string(s) + "] = " + std::to_string(seg[s]) +
                                 " after " + std::to_string(seg[s - 1]) + " (segments must grow by 0 to " +
                                 std::to_string(size) + ")");
      for (size_t k = 0; k < idx.size(); ++k)
        if (idx[k] < 0 || idx[k] >= size)
          return InvalidArgument(lw + ": array_indices[" + std::to_string(k) + "] = " + std::to_string(idx[k]) +
                                 " outside [0, " + std::to_string(size) + ")");
      positions = idx.size();
    } else {
      return Unsupported(lw + ": dimension format " + std::to_string(m.format));
    }
    if (positions > static_cast<size_t>(dense_elements))
      return InvalidArgument(lw + ": more stored entries than the tensor has elements");
  }
  g.leaves = positions;
  return g;
}

// Visits every stored leaf in traversal order and copies its value to its dense position.
class Densifier {
 public:
  Densifier(const ir::Tensor& t, const Geometry& g, const uint8_t* values, uint8_t* out, size_t elem)
      : t_(t), sp_(*t.sparsity), g_(g), values_(values), out_(out), elem_(elem), coord_(sp_.traversal_order.size()) {
    strides_.assign(t.shape.size(), 1);
    for (size_t d = t.shape.size(); d-- > 1;) strides_[d - 1] = strides_[d] * t.shape[d];
  }
  void Run() { Visit(0, 0); }

 private:
  void Visit(size_t level, size_t position) {
    if (level == coord_.size()) return Leaf();
    const ir::DimensionMetadata& m = sp_.dim_metadata[level];
    if (m.format == kDense) {
      for (int32_t i = 0; i < m.dense_size; ++i) {
        coord_[level] = i;
        Visit(level + 1, position * m.dense_size + i);
      }
      return;
    }
    for (int32_t k = m.array_segments[position]; k < m.array_segments[position + 1]; ++k) {
      coord_[level] = m.array_indices[k];
      Visit(level + 1, k);
    }
  }
  void Leaf() {
    const size_t rank = t_.shape.size();
    int64_t dense[kMaxLevels];
    for (size_t i = 0; i < rank; ++i) dense[sp_.traversal_order[i]] = coord_[i];
    for (size_t b = 0; b < g_.block_size.size(); ++b) {
      const int32_t d = sp_.block_map[b];
      dense[d] = dense[d] * g_.block_size[b] + coord_[rank + b];
    }
    int64_t flat = 0;
    for (size_t d = 0; d < rank; ++d) flat += dense[d] * strides_[d];
    std::memcpy(out_ + flat * elem_, values_ + next_ * elem_, elem_);
    ++next_;
  }

  const ir::Tensor& t_;
  const ir::Sparsity& sp_;
  const Geometry& g_;
  const uint8_t* values_;
  uint8_t* out_;
  size_t elem_;
  std::vector<int32_t> coord_;
  std::vector<int64_t> strides_;
  size_t next_ = 0;
};

bool IsZero(DType dtype, const uint8_t* p) {
  switch (dtype) {
    case DType::kFloat32: {
      uint32_t bits;
      std::memcpy(&bits, p, 4);
      return (bits & 0x7fffffffu) == 0;
    }
    case DType::kFloat16: {
      uint16_t bits;
      std::memcpy(&bits, p, 2);
      return (bits & 0x7fffu) == 0;
    }
    default:
      for (size_t i = 0; i < DTypeSize(dtype); ++i)
        if (p[i] != 0) return false;
      return true;
  }
}

int8_t NarrowestIndexType(int64_t max) { return max <= 0xff ? kUint8Vector : max <= 0xffff ? kUint16Vector : kInt32Vector; }
size_t IndexWidth(int8_t type) { return type == kUint8Vector ? 1 : type == kUint16Vector ? 2 : 4; }

bool IsFilterOp(ir::OpType t) {
  return t == ir::OpType::CONV_2D || t == ir::OpType::DEPTHWISE_CONV_2D || t == ir::OpType::FULLY_CONNECTED;
}

// How many tensors of any subgraph (and metadata entries) refer to each buffer.
std::vector<int> BufferUsers(const ir::Graph& g) {
  std::vector<int> users(g.buffers.size(), 0);
  auto count = [&](int32_t b) {
    if (b > 0 && static_cast<size_t>(b) < users.size()) ++users[b];
  };
  for (const auto& sg : g.subgraphs)
    for (const auto& t : sg.tensors) count(t.buffer);
  for (const auto& m : g.metadata) count(m.buffer);
  return users;
}

// Buffers no tensor of any subgraph refers to any more are emptied (indices stay valid): an orphaned buffer
// would still be written to the file.
void EmptyUnusedBuffers(ir::Graph& g, const std::vector<int32_t>& candidates) {
  const std::vector<int> users = BufferUsers(g);
  for (int32_t b : candidates)
    if (users[b] == 0) g.buffers[b] = ir::Buffer{};
}

}  // namespace

Result<std::vector<uint8_t>> DensifyTensor(const ir::Tensor& t, const ir::Buffer& values) {
  if (!t.sparsity) return InvalidArgument("tensor '" + t.name + "' is not sparse");
  const size_t elem = DTypeSize(t.dtype);
  if (elem == 0) return Unsupported(Label(t) + " has dtype " + std::string(DTypeName(t.dtype)));
  LITEOPT_ASSIGN_OR_RETURN(Geometry g, CheckGeometry(t));
  if (values.size != g.leaves * elem)
    return InvalidArgument(Label(t) + " " + ShapeText(t.shape) + ": its buffer holds " + std::to_string(values.size) +
                           " bytes, the sparsity metadata describes " + std::to_string(g.leaves) + " values of " +
                           std::to_string(elem) + " bytes");
  std::vector<uint8_t> dense(static_cast<size_t>(ir::NumElements(t.shape)) * elem, 0);
  if (g.leaves > 0) Densifier(t, g, values.data, dense.data(), elem).Run();
  return dense;
}

size_t SparseTensor::EncodedBytes() const {
  size_t n = values.size();
  for (const auto& m : sparsity.dim_metadata) {
    n += m.array_segments.size() * IndexWidth(m.segments_type);
    n += m.array_indices.size() * IndexWidth(m.indices_type);
  }
  return n;
}

Result<SparseTensor> EncodeSparse(const ir::Tensor& t, const uint8_t* dense, int block, int sparse_dim) {
  const size_t elem = DTypeSize(t.dtype);
  const int64_t n = ir::NumElements(t.shape);
  const int rank = static_cast<int>(t.shape.size());
  if (rank == 0 || n < 0 || elem == 0) return InvalidArgument("tensor '" + t.name + "' cannot be encoded sparse");
  if (sparse_dim < 0 || sparse_dim >= rank)
    return InvalidArgument("tensor '" + t.name + "' " + ShapeText(t.shape) + ": no dimension " +
                           std::to_string(sparse_dim) + " to store sparse");
  const int32_t inner = t.shape.back();
  if (block < 1 || inner % block != 0)
    return InvalidArgument("tensor '" + t.name + "' " + ShapeText(t.shape) + ": innermost dimension " +
                           std::to_string(inner) + " is not a multiple of the block size " + std::to_string(block));
  // The levels: every dimension (the innermost counted in blocks), the sparse one last, then the block.
  std::vector<int32_t> level_size(t.shape.begin(), t.shape.end());
  level_size.back() = inner / block;
  std::vector<int32_t> order;
  for (int d = 0; d < rank; ++d)
    if (d != sparse_dim) order.push_back(d);
  order.push_back(sparse_dim);
  std::vector<int64_t> stride(rank, 1);  // of the dense tensor, in elements
  for (int d = rank - 1; d > 0; --d) stride[d - 1] = stride[d] * t.shape[d];
  const auto level_stride = [&](int d) { return d == rank - 1 ? stride[d] * block : stride[d]; };
  const int64_t positions = n == 0 ? 0 : n / block / level_size[sparse_dim];

  ir::DimensionMetadata csr;
  csr.format = kSparseCsr;
  csr.array_segments.reserve(positions + 1);
  csr.array_segments.push_back(0);
  SparseTensor out;
  std::vector<int32_t> coord(rank - 1, 0);  // of the dense levels, in `order`
  for (int64_t p = 0; p < positions; ++p) {
    int64_t base = 0;
    for (int k = 0; k < rank - 1; ++k) base += coord[k] * level_stride(order[k]);
    for (int32_t j = 0; j < level_size[sparse_dim]; ++j) {
      const uint8_t* b = dense + (base + j * level_stride(sparse_dim)) * elem;
      bool keep = false;
      for (int e = 0; e < block && !keep; ++e) keep = !IsZero(t.dtype, b + e * elem);
      if (!keep) continue;
      csr.array_indices.push_back(j);
      out.values.insert(out.values.end(), b, b + static_cast<size_t>(block) * elem);
    }
    csr.array_segments.push_back(static_cast<int32_t>(csr.array_indices.size()));
    for (int k = rank - 2; k >= 0 && ++coord[k] == level_size[order[k]]; --k) coord[k] = 0;  // next position
  }
  csr.segments_type = NarrowestIndexType(static_cast<int64_t>(csr.array_indices.size()));
  csr.indices_type = NarrowestIndexType(level_size[sparse_dim] - 1);

  ir::Sparsity& sp = out.sparsity;
  sp.traversal_order = order;
  for (int k = 0; k + 1 < rank; ++k) {
    ir::DimensionMetadata m;
    m.format = kDense;
    m.dense_size = level_size[order[k]];
    sp.dim_metadata.push_back(m);
  }
  sp.dim_metadata.push_back(std::move(csr));
  if (block > 1) {
    sp.block_map = {rank - 1};
    sp.traversal_order.push_back(rank);
    ir::DimensionMetadata m;
    m.format = kDense;
    m.dense_size = block;
    sp.dim_metadata.push_back(m);
  }
  return out;
}

Result<SparseTensor> EncodeSparse(const ir::Tensor& t, const uint8_t* dense, int block) {
  LITEOPT_ASSIGN_OR_RETURN(SparseTensor best, EncodeSparse(t, dense, block, static_cast<int>(t.shape.size()) - 1));
  if (t.shape.size() < 2) return best;
  // Filters are [O, ..., I]: with O sparse instead, the segments count the (H, W, I) positions rather than the
  // (O, H, W) rows, fewer for wide 1x1 layers, and the indices stay one byte while O <= 256.
  LITEOPT_ASSIGN_OR_RETURN(SparseTensor outer, EncodeSparse(t, dense, block, 0));
  return outer.EncodedBytes() < best.EncodedBytes() ? outer : best;
}

Result<std::vector<SparsifiedWeight>> SparsifyWeights(ir::Graph& g, const SparsifyOptions& options) {
  if (g.subgraphs.empty()) return InvalidArgument("the model has no subgraph");
  ir::Subgraph& sg = g.main();
  std::vector<SparsifiedWeight> report;
  std::vector<ir::Op> densify_ops;
  std::vector<int32_t> released;
  std::map<int32_t, bool> done;  // filter tensors already handled (weights shared by several ops)
  const std::vector<int> users = BufferUsers(g);
  for (size_t oi = 0; oi < sg.ops.size(); ++oi) {
    const ir::Op& op = sg.ops[oi];
    if (!IsFilterOp(op.type) || op.inputs.size() < 2 || op.inputs[0] < 0 || op.inputs[1] < 0) continue;
    const int32_t fi = op.inputs[1];
    if (done.count(fi)) continue;
    done[fi] = true;
    ir::Tensor& f = sg.tensors[fi];
    const ir::Buffer& data = g.data(f);
    if (data.empty() || f.sparsity) continue;  // computed or already sparse
    SparsifiedWeight w;
    w.op_index = static_cast<int>(oi);
    w.op_type = ir::OpTypeName(op.type);
    w.tensor = f.name;
    w.shape = f.shape;
    w.dtype = f.dtype;
    w.elements = ir::NumElements(f.shape);
    w.dense_bytes = data.size;
    const size_t elem = DTypeSize(f.dtype);
    for (int64_t i = 0; i < w.elements && elem > 0; ++i) w.zeros += IsZero(f.dtype, data.data + i * elem);
    const DType act = sg.tensors[op.inputs[0]].dtype;
    const bool supported = (f.dtype == DType::kFloat32 && act == DType::kFloat32) ||
                           (f.dtype == DType::kInt8 && act == DType::kInt8);
    if (!supported) {
      w.note = std::string(DTypeName(f.dtype)) + " weights with " + std::string(DTypeName(act)) +
               " activations: kept dense (DENSIFY is used for float and full-integer ops only)";
      report.push_back(std::move(w));
      continue;
    }
    const int32_t inner = f.shape.empty() ? 1 : f.shape.back();
    const int block = options.block > 0 ? (inner % options.block == 0 ? options.block : 1) : (inner % 4 == 0 ? 4 : 1);
    LITEOPT_ASSIGN_OR_RETURN(SparseTensor enc, EncodeSparse(f, data.data, block));
    if (options.block == 0 && block > 1) {  // automatic: element by element when that is smaller
      LITEOPT_ASSIGN_OR_RETURN(SparseTensor single, EncodeSparse(f, data.data, 1));
      if (single.EncodedBytes() < enc.EncodedBytes()) enc = std::move(single);
    }
    w.block = enc.sparsity.block_map.empty() ? 1 : block;
    w.sparse_bytes = enc.EncodedBytes();
    if (w.sparse_bytes + options.min_saving_bytes > w.dense_bytes) {
      w.note = "kept dense: the sparse encoding would not be smaller (" + std::to_string(w.sparse_bytes) + " vs " +
               std::to_string(w.dense_bytes) + " bytes)";
      report.push_back(std::move(w));
      continue;
    }
    ir::Tensor s;
    // Converters name fused constants after every op they came from ("a;b;c", hundreds of characters): the
    // sparse copy takes the last part only.
    s.name = f.name.substr(f.name.rfind(';') + 1) + "/sparse";
    s.dtype = f.dtype;
    s.shape = f.shape;
    s.quant = f.quant;
    s.has_rank = f.has_rank;
    s.sparsity = std::move(enc.sparsity);
    if (users[f.buffer] == 1) {  // the sparse values take the dense ones' place: no extra buffer entry
      s.buffer = f.buffer;
      g.buffers[f.buffer] = ir::Buffer::Owned(std::move(enc.values));
    } else {
      s.buffer = static_cast<int32_t>(g.buffers.size());
      g.buffers.push_back(ir::Buffer::Owned(std::move(enc.values)));
      released.push_back(f.buffer);
    }
    f.buffer = 0;  // f is now what DENSIFY computes
    sg.tensors.push_back(std::move(s));
    ir::Op d;
    d.type = ir::OpType::DENSIFY;
    d.inputs = {static_cast<int32_t>(sg.tensors.size() - 1)};
    d.outputs = {fi};
    densify_ops.push_back(std::move(d));
    w.sparse = true;
    report.push_back(std::move(w));
  }
  sg.ops.insert(sg.ops.begin(), densify_ops.begin(), densify_ops.end());
  for (size_t i = 0; i < densify_ops.size(); ++i) sg.ops[i].version = OperatorVersion(g, sg.ops[i]);
  EmptyUnusedBuffers(g, released);
  return report;
}

}  // namespace liteopt::io::tflite

// Small editing helpers shared by the conversion passes: adding constants and tensors, reading float
// constants, finding consumers, and compacting a graph after ops were removed.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace liteopt::quant {

// Appends an owned buffer and returns its index.
int32_t AddBuffer(ir::Graph& g, std::vector<uint8_t> bytes);
// Appends a tensor to the subgraph and returns its index.
int32_t AddTensor(ir::Subgraph& sg, ir::Tensor t);
// Appends a constant tensor of `dtype` holding `bytes`.
int32_t AddConstant(ir::Graph& g, ir::Subgraph& sg, std::string name, DType dtype, std::vector<int32_t> shape,
                    std::vector<uint8_t> bytes, ir::QuantParams quant = {});

template <typename T>
std::vector<uint8_t> ToBytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// True when the tensor has constant data.
bool IsConstant(const ir::Graph& g, const ir::Tensor& t);
// The values of a float32 constant (empty when the tensor is not a float32 constant).
std::vector<float> FloatValues(const ir::Graph& g, const ir::Tensor& t);

// For each tensor of the subgraph, the indices of the ops reading it.
std::vector<std::vector<int32_t>> Consumers(const ir::Subgraph& sg);
// For each tensor, the index of the op producing it, or -1.
std::vector<int32_t> Producers(const ir::Subgraph& sg);
bool IsSubgraphOutput(const ir::Subgraph& sg, int32_t t);
bool IsSubgraphInput(const ir::Subgraph& sg, int32_t t);

// Replaces every read of tensor `from` by `to` in ops of the subgraph (not the subgraph outputs).
void ReplaceUses(ir::Subgraph& sg, int32_t from, int32_t to);

// Drops tensors nothing refers to (ops, subgraph I/O, signatures) and buffers no tensor or metadata refers to,
// renumbering every reference. Buffer 0 (the empty sentinel) is kept.
void Compact(ir::Graph& g);

}  // namespace liteopt::quant

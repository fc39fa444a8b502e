// Test helpers shared by the io/tflite tests: fixture discovery and whole-graph comparison.
#pragma once

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace liteopt::io::tflite::testing {

inline std::string FixturesTfliteDir() { return std::string(LITEOPT_FIXTURES_DIR) + "/tflite"; }

inline const char* kBrokenFixture = "litert/testdata/test_model_broken.tflite";

// Every .tflite under the fixtures folder, as paths relative to it, sorted. Empty if absent.
inline std::vector<std::string> ListTfliteFixtures() {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  const fs::path root = FixturesTfliteDir();
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".tflite") {
      out.push_back(fs::relative(e.path(), root).string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string Shape(const std::vector<int32_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(v[i]);
  }
  return s + "]";
}

// First difference between two graphs (every IR field, buffer bytes, options), or "" if equal.
inline std::string DiffGraphs(const ir::Graph& a, const ir::Graph& b) {
  if (a.version != b.version) return "version " + std::to_string(a.version) + " vs " + std::to_string(b.version);
  if (a.description != b.description) return "description '" + a.description + "' vs '" + b.description + "'";
  if (a.buffers.size() != b.buffers.size()) {
    return "buffer count " + std::to_string(a.buffers.size()) + " vs " + std::to_string(b.buffers.size());
  }
  for (size_t i = 0; i < a.buffers.size(); ++i) {
    const auto& x = a.buffers[i];
    const auto& y = b.buffers[i];
    if (x.size != y.size) {
      return "buffer " + std::to_string(i) + " size " + std::to_string(x.size) + " vs " + std::to_string(y.size);
    }
    if (x.size > 0 && std::memcmp(x.data, y.data, x.size) != 0) return "buffer " + std::to_string(i) + " bytes";
  }
  if (a.subgraphs.size() != b.subgraphs.size()) return "subgraph count";
  for (size_t s = 0; s < a.subgraphs.size(); ++s) {
    const auto& p = a.subgraphs[s];
    const auto& q = b.subgraphs[s];
    const std::string sd = "subgraph " + std::to_string(s) + ": ";
    if (p.name != q.name) return sd + "name";
    if (p.inputs != q.inputs) return sd + "inputs " + Shape(p.inputs) + " vs " + Shape(q.inputs);
    if (p.outputs != q.outputs) return sd + "outputs " + Shape(p.outputs) + " vs " + Shape(q.outputs);
    if (p.tensors.size() != q.tensors.size()) return sd + "tensor count";
    for (size_t t = 0; t < p.tensors.size(); ++t) {
      const auto& x = p.tensors[t];
      const auto& y = q.tensors[t];
      const std::string td = sd + "tensor " + std::to_string(t) + " ('" + x.name + "'): ";
      if (x.name != y.name) return td + "name '" + y.name + "'";
      if (x.dtype != y.dtype) return td + "dtype";
      if (x.shape != y.shape) return td + "shape " + Shape(x.shape) + " vs " + Shape(y.shape);
      if (x.shape_signature != y.shape_signature) return td + "shape_signature";
      if (x.buffer != y.buffer) return td + "buffer " + std::to_string(x.buffer) + " vs " + std::to_string(y.buffer);
      if (!(x.quant == y.quant)) return td + "quantization";
      if (x.is_variable != y.is_variable) return td + "is_variable";
      if (x.sparsity != y.sparsity) return td + "sparsity";
      if (x.has_rank != y.has_rank) return td + "has_rank";
    }
    if (p.ops.size() != q.ops.size()) return sd + "op count";
    for (size_t o = 0; o < p.ops.size(); ++o) {
      const auto& x = p.ops[o];
      const auto& y = q.ops[o];
      const std::string od = sd + "op " + std::to_string(o) + " (" + ir::OpTypeName(x.type) + "): ";
      if (x.type != y.type) return od + "type " + ir::OpTypeName(y.type);
      if (x.version != y.version)
        return od + "version " + std::to_string(x.version) + " vs " + std::to_string(y.version);
      if (x.custom_code != y.custom_code) return od + "custom_code";
      if (x.inputs != y.inputs) return od + "inputs";
      if (x.outputs != y.outputs) return od + "outputs";
      if (x.intermediates != y.intermediates) return od + "intermediates";
      if (!(x.options == y.options))
        return od + "options (type " + std::to_string(x.options.type) + " vs " + std::to_string(y.options.type) + ")";
      if (x.custom_options != y.custom_options) return od + "custom_options";
    }
  }
  if (a.signatures != b.signatures) return "signature defs";
  if (a.metadata != b.metadata) return "metadata";
  return "";
}

}  // namespace liteopt::io::tflite::testing

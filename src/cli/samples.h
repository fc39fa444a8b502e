// Batch-1 model inputs from a labelled CSV, for the commands that calibrate or compare models on images
// (convert --representative-data, debug-quant, optimize).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/dataset_flags.h"
#include "ir/graph.h"

namespace liteopt::cli {

struct SampleFlags {
  int count = 300;  // samples from a seeded shuffle (all rows when the CSV has fewer)
  uint64_t seed = 42;
  std::string normalize = "auto";  // as data::ModelInputSpecFor
};

// The model's one image input as float bytes (or its integer type), for `count` images of `csv`. `what` names the
// flag in messages ("--representative-data"). A CSV with no usable row is an error.
Result<std::vector<std::vector<uint8_t>>> LoadModelSamples(const std::string& csv, const ir::Graph& model,
                                                           const SampleFlags& samples, const DatasetFlags& dataset,
                                                           const std::string& what);

}  // namespace liteopt::cli

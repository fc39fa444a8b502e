// Running the training plugin (libliteopt_train.so, the only code that links libtorch) for `liteopt train` and
// `liteopt qat` (and `liteopt prune`): defined in train.cc.
#pragma once

#include <CLI/CLI.hpp>

#include "base/status.h"
#include "cli/dataset_flags.h"
#include "train/train_api.h"

namespace liteopt::cli {

// The address of `symbol` in the plugin (beside the executable, or $LITEOPT_TRAIN_PLUGIN), loaded on first use
// and kept loaded. Unsupported says how to get a working plugin (not built, another build).
Result<void*> TrainingPluginSymbol(const char* symbol);

// Copies the dataset flags into cfg, and sets threads, when 0, to the cores this process may use.
void ApplyDatasetFlags(train::TrainConfig& cfg, const DatasetFlags& dataset);

// What differs between the fine-tuning commands (prune, qat) in their shared flags.
struct FineTuningFlagHelp {
  const char* model;       // the positional MODEL
  const char* val;         // --val
  const char* lr_schedule; // --lr-schedule
  const char* seed;        // --seed
  int min_epochs = 1;      // --epochs lower bound (qat: 0, calibration only)
  const char* epochs = "fine-tuning epochs";
};

// The flags every command that fine-tunes a float .tflite shares: MODEL, --data, --val, the dataset flags,
// --normalize, --epochs, --batch, --lr, --optimizer, --lr-schedule, --seed, --threads. Defaults come from cfg.
void AddFineTuningFlags(CLI::App& app, train::TrainConfig& cfg, DatasetFlags& dataset, const FineTuningFlagHelp& help);

// Fills cfg's dataset fields from the flags (and threads, when 0, from the cores this process may use), loads the
// plugin and runs it. Returns the exit code; errors are printed.
int RunTrainingPlugin(train::TrainConfig& cfg, const DatasetFlags& dataset);

}  // namespace liteopt::cli

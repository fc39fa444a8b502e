// The training loop behind `liteopt train` (see train_api.h for the configuration).
//
// Files, all written atomically (temporary file + rename), beside the output model:
//   <output>                the best model so far (by validation accuracy; the latest epoch's without a val set),
//                           a float .tflite with batch norm folded
//   labels.txt              class names, line index = class id (written before training starts, which also checks
//                           that the directory is writable)
//   <stem>.history.csv/json one row per epoch: loss, accuracy, val_loss, val_accuracy, lr, seconds, images/s
//   <stem>.ckpt             (or TrainConfig::checkpoint) weights, batch-norm statistics, optimizer state, RNG state,
//                           position (epoch, batch) and history: after every epoch and on SIGINT
// With TrainConfig::qat (`liteopt qat`), <output> is the full-integer model converted with the learned ranges
// (train/qat.h), <stem>.float.tflite (or QatConfig::float_output) its float checkpoint, the checkpoint also
// holds the ranges, and validation accuracy is the fake-quantized net's.
// Deterministic for a seed on one thread: batches come from data::Pipeline (keyed by seed and epoch), weights
// and dropout from torch's generator seeded with the same seed, and a resumed run replays the pipeline to the
// saved position, so an interrupted and resumed run gives the same weights as an uninterrupted one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "train/train_api.h"

namespace liteopt::train {

struct EpochRecord {
  int epoch = 0;  // 1-based
  double loss = 0, accuracy = 0;
  double val_loss = -1, val_accuracy = -1;  // -1 without a validation set
  double lr = 0, seconds = 0, images_per_second = 0;  // seconds: the epoch's wall time, validation included
  double cpu_seconds = 0;  // the process's CPU time (all threads) while training the epoch, validation excluded
};

struct TrainOutcome {
  bool interrupted = false;
  int epochs_done = 0;
  int best_epoch = 0;
  double best_accuracy = -1;  // validation accuracy of the best epoch (training accuracy without --val)
  std::vector<EpochRecord> history;
  std::string model_path, labels_path, history_csv, history_json, checkpoint_path;
  std::string float_model_path;  // QAT: the float checkpoint beside the int8 model_path
  int qat_points = 0;            // QAT: tensors the simulation quantizes (those the int8 model has)
  int sparse_filters = 0;        // QAT with preserve_sparsity: int8 filters written in the sparse format
  int64_t parameters = 0;
  double interpreter_accuracy = -1;  // the written model's validation accuracy in liteopt's interpreter
};

// Runs a whole training. Errors name the file / layer / epoch concerned. A NaN or infinite loss stops the run
// with an error, leaving the files of the last completed epoch untouched. SIGINT (while this runs) ends the
// current batch, saves a checkpoint and returns with interrupted = true.
struct Net;

// Optional callbacks into the loop for commands built on training (`liteopt prune`, train/prune.h).
struct TrainHooks {
  // Once the net is built and the run's length is known (optimizer steps over all epochs); an error stops the run.
  std::function<Status(Net& net, int64_t total_steps)> on_start;
  // After every optimizer step; `step` counts from 0 over the whole run (epoch * steps per epoch + batch).
  std::function<void(Net& net, int64_t step)> after_step;
  // Whether the model at the end of `epoch` (1-based) may become the written one.
  std::function<bool(int epoch)> may_keep;
};

Result<TrainOutcome> Train(const TrainConfig& config, const TrainHooks& hooks = {});

}  // namespace liteopt::train

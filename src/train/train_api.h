// The contract between the `liteopt` executable and the training plugin (libliteopt_train.so).
//
// The plugin is the only code that links libtorch. The executable parses the flags into a TrainConfig, dlopens
// the plugin (cli/train.cc) and calls kTrainEntryPoint. Both sides are built from the same tree, so C++ types
// cross the boundary; kTrainPluginAbi guards against a plugin left over from another build. This header includes
// no torch header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace liteopt::train {

// Bump when TrainConfig or the entry point changes.
inline constexpr int kTrainPluginAbi = 3;
inline constexpr const char* kTrainAbiSymbol = "liteopt_train_abi";
inline constexpr const char* kTrainEntryPoint = "liteopt_train_main";
inline constexpr const char* kTrainPluginFile = "libliteopt_train.so";

// Exit codes of a training run, on top of cli/commands.h's 0 (ok), 1 (failure), 2 (usage).
inline constexpr int kTrainInterrupted = 130;  // SIGINT: a checkpoint was saved, resume with --resume

// `liteopt qat`: quantization-aware fine-tuning of TrainConfig::init_model (train/qat.h). TrainConfig::output is
// then the full-integer model; the float checkpoint is written beside it.
struct QatConfig {
  bool enabled = false;
  std::string io_type = "float32";      // of the int8 model: "float32", "int8" or "uint8"
  std::vector<std::string> keep_float;  // op types or op output tensor names left in float
  bool per_tensor = false;              // one weight scale per tensor instead of per output channel
  int calibration_samples = 300;        // training images the initial ranges are calibrated on (convert's default)
  std::string float_output;             // default <output stem>.float.tflite
  // Keep the zeros of the model's weights through training (TFMOT's pruning-preserving QAT) and write the filters
  // in TFLite's sparse format where that is smaller.
  bool preserve_sparsity = false;
};

struct TrainConfig {
  // Model: a built-in architecture or a float .tflite to fine-tune.
  std::string arch;          // "small_cnn" | "mobilenet_v2"; empty when init_model is given
  float alpha = 1.0f;        // width multiplier of the built-in architectures
  float dropout = 0.0f;      // dropout rate before the classifier of the built-in architectures
  std::string init_model;    // --init MODEL.tflite
  std::string freeze_until;  // layer (op output tensor name or op index) up to which weights stay fixed
  int input_height = 0, input_width = 0, input_channels = 0;  // 0 = from the first training image / the model

  // Data (see data/dataset.h, data/pipeline.h).
  std::string train_csv, val_csv;
  std::string filename_column = "filename", label_column = "label", image_root;
  bool skip_bad = false;
  int resize = 0;  // data::ResizeMethod
  bool exact_decode = false;
  std::string normalize = "0,1";  // pixel range the model sees: "0,1" or "-1,1"
  bool flip_left_right = false, flip_up_down = false;
  float crop_fraction = 0.0f, brightness = 0.0f;

  // Optimization.
  int epochs = 10;
  int batch = 32;
  float lr = 1e-3f;
  std::string optimizer = "adam";  // "adam" | "sgd"
  float momentum = 0.9f;           // sgd
  float weight_decay = 0.0f;
  std::string lr_schedule = "constant";  // "constant" | "cosine" | "onecycle"
  float label_smoothing = 0.0f;
  uint64_t seed = 42;
  int threads = 0;  // torch intra-op threads; 0 = the cores this process may use

  // Outputs. output is the best model (by validation accuracy; the last epoch's without --val); labels.txt,
  // <output>.history.csv / .history.json and the checkpoint (default <output>.ckpt) are written beside it.
  std::string output;
  std::string checkpoint;
  std::string resume;  // a checkpoint to continue from
  bool quiet = false;
  int64_t max_steps = 0;  // > 0: stop every epoch after this many batches (smoke tests, benchmarks)

  QatConfig qat;  // epochs may be 0 with qat.enabled: calibration only (the PTQ model)
};

// Entry point exported by the plugin. Returns 0, 1 (error: *error holds the message) or kTrainInterrupted. The
// run's summary goes to stdout, progress to stderr (unless quiet).
using TrainMainFn = int (*)(const TrainConfig* config, std::string* error);
using TrainAbiFn = int (*)();

}  // namespace liteopt::train

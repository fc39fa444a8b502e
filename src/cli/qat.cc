// `liteopt qat MODEL --data train.csv [--val val.csv] -o qat_int8.tflite`: quantization-aware fine-tuning of a
// float .tflite in the training plugin (src/train/qat.h), exported through the converter with the learned ranges
// to a full-integer model, with the float checkpoint beside it.
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/dataset_flags.h"
#include "cli/train_plugin.h"
#include "train/train_api.h"

namespace liteopt::cli {

namespace {

struct QatFlags {
  train::TrainConfig config;
  DatasetFlags dataset;
};

}  // namespace

Command AddQatCommand(CLI::App& root) {
  auto flags = std::make_shared<QatFlags>();
  train::TrainConfig& c = flags->config;
  c.qat.enabled = true;
  // Fine-tuning defaults: a trained model needs a small learning rate and few epochs to adapt to int8.
  c.epochs = 1;
  c.lr = 1e-4f;
  CLI::App* app = root.add_subcommand(
      "qat",
      "Quantization-aware training: fine-tune a float .tflite with fake quantization that simulates liteopt's int8 "
      "kernels, then write the full-integer model (converted with the learned activation ranges, no "
      "recalibration) and its float checkpoint (<output stem>.float.tflite)");
  AddFineTuningFlags(*app, c, flags->dataset,
                     {"the float .tflite to fine-tune (e.g. from `liteopt train`)",
                      "validation CSV; the best epoch by (fake-quantized) validation accuracy is kept",
                      "constant, cosine (to 0 over the run) or onecycle", "seed of shuffling and of the calibration sample",
                      0, "epochs (0: calibration only, which gives the post-training int8 model)"});
  app->add_option("--calibration-samples", c.qat.calibration_samples,
                  "training images the initial activation ranges are calibrated on (as convert --samples)")
      ->capture_default_str()->check(CLI::Range(1, 1000000));
  app->add_option("--io-type", c.qat.io_type, "input/output type of the int8 model")->capture_default_str()
      ->check(CLI::IsMember({"float32", "int8", "uint8"}));
  app->add_option("--keep-float", c.qat.keep_float, "op types or op output tensor names left in float")->delimiter(',');
  app->add_flag("--per-tensor", c.qat.per_tensor, "one weight scale per tensor instead of per output channel");
  app->add_flag("--preserve-sparsity", c.qat.preserve_sparsity,
                "keep the zero weights of a pruned model through training (TFMOT's pruning-preserving QAT) and "
                "write the filters in TFLite's sparse format where that is smaller, as `prune --int8` does");
  app->add_option("-o,--output", c.output, "the full-integer model (.tflite)")->required();
  app->add_option("--float-output", c.qat.float_output, "the float checkpoint (default: <output stem>.float.tflite)");
  app->add_flag("--quiet", c.quiet, "no progress on stderr");
  app->add_option("--max-steps", c.max_steps, "stop every epoch after this many batches (smoke tests)");
  return {app, [flags]() { return RunTrainingPlugin(flags->config, flags->dataset); }};
}

}  // namespace liteopt::cli

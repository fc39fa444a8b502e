// `liteopt train`: flags -> train::TrainConfig, then the training plugin (libliteopt_train.so, the only code that
// links libtorch) is loaded with dlopen and run. Every other command starts without libtorch.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "base/cpu.h"
#include "cli/commands.h"
#include "cli/dataset_flags.h"
#include "cli/train_plugin.h"
#include "train/train_api.h"

namespace liteopt::cli {

namespace {

struct TrainFlags {
  train::TrainConfig config;
  DatasetFlags dataset;
  std::string input_size;
};

constexpr const char* kNoPluginMessage =
    "training support is not built: install libtorch-dev (scripts/install-deps.sh) and rebuild";

// The plugin beside the executable, or $LITEOPT_TRAIN_PLUGIN.
std::string PluginPath() {
  if (const char* env = std::getenv("LITEOPT_TRAIN_PLUGIN"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return train::kTrainPluginFile;
  return (exe.parent_path() / train::kTrainPluginFile).string();
}

int RunTrain(TrainFlags& flags) {
  train::TrainConfig& cfg = flags.config;
  if (cfg.arch.empty() == cfg.init_model.empty()) return Fail("give exactly one of --arch and --init");
  if (!flags.input_size.empty()) {
    auto size = ParseImageSize(flags.input_size);
    if (!size.ok()) return Fail("--input-size: " + size.status().message());
    cfg.input_height = size->height;
    cfg.input_width = size->width;
    cfg.input_channels = size->channels;
  }
  return RunTrainingPlugin(cfg, flags.dataset);
}

}  // namespace

Result<void*> TrainingPluginSymbol(const char* symbol) {
  const std::string path = PluginPath();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Unsupported(std::string(kNoPluginMessage) + " (no " + path + ")");
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return Unsupported("cannot load the training plugin " + path + ": " + (why ? why : "unknown error"));
  }
  // The plugin stays loaded until exit: libtorch does not support being unloaded.
  auto abi = reinterpret_cast<train::TrainAbiFn>(::dlsym(handle, train::kTrainAbiSymbol));
  void* entry = ::dlsym(handle, symbol);
  if (abi == nullptr || entry == nullptr || abi() != train::kTrainPluginAbi)
    return Unsupported("the training plugin " + path + " is from another build of liteopt: rebuild it");
  return entry;
}

void ApplyDatasetFlags(train::TrainConfig& cfg, const DatasetFlags& dataset) {
  cfg.filename_column = dataset.filename_column;
  cfg.label_column = dataset.label_column;
  cfg.image_root = dataset.image_root;
  cfg.skip_bad = dataset.skip_bad;
  cfg.resize = static_cast<int>(dataset.ResizeMethod());
  cfg.exact_decode = dataset.exact_decode;
  if (cfg.threads <= 0) cfg.threads = AvailableCores();
}

int RunTrainingPlugin(train::TrainConfig& cfg, const DatasetFlags& dataset) {
  ApplyDatasetFlags(cfg, dataset);
  auto symbol = TrainingPluginSymbol(train::kTrainEntryPoint);
  if (!symbol.ok()) return Fail(symbol.status().message());
  auto entry = reinterpret_cast<train::TrainMainFn>(*symbol);
  std::string error;
  const int code = entry(&cfg, &error);
  if (code == kExitOk || code == train::kTrainInterrupted) return code;
  return Fail(error.empty() ? "training failed" : error);
}

Command AddTrainCommand(CLI::App& root) {
  auto flags = std::make_shared<TrainFlags>();
  train::TrainConfig& c = flags->config;
  CLI::App* app = root.add_subcommand(
      "train",
      "Train an image classifier (built-in architecture, or fine-tune a float .tflite) on a CSV dataset with "
      "libtorch, and write the best model as a float .tflite (batch norm folded) with labels.txt, a history "
      "(CSV and JSON) and a checkpoint beside it");
  auto* arch = app->add_option("--arch", c.arch, "built-in architecture")
                   ->check(CLI::IsMember({"small_cnn", "mobilenet_v2"}));
  app->add_option("--init", c.init_model, "float .tflite to start from (fine-tuning)")->excludes(arch);
  app->add_option("--alpha", c.alpha, "width multiplier of --arch (MobileNetV2's alpha)")->capture_default_str()
      ->check(CLI::Range(0.05, 4.0));
  app->add_option("--dropout", c.dropout, "dropout rate before the classifier of --arch")->capture_default_str()
      ->check(CLI::Range(0.0, 0.95));
  app->add_option("--freeze-until", c.freeze_until,
                  "with --init: keep the weights of every op up to this one fixed (an op's output tensor name or "
                  "its index, as `liteopt inspect` lists them)");
  app->add_option("--input-size", flags->input_size,
                  "model input HxWxC (default: the first training image's size and channels, or the --init "
                  "model's); images of another size are resized");
  app->add_option("--data", c.train_csv, "training CSV (filename,label)")->required();
  app->add_option("--val", c.val_csv, "validation CSV; the best epoch by validation accuracy is kept");
  flags->dataset.Add(*app);
  app->add_option("--normalize", c.normalize, "pixel range the model sees")->capture_default_str()->check(CLI::IsMember({"0,1", "-1,1"}));
  app->add_flag("--flip-lr", c.flip_left_right, "augment: random left-right flips");
  app->add_flag("--flip-ud", c.flip_up_down, "augment: random up-down flips");
  app->add_option("--crop", c.crop_fraction, "augment: random crop keeping this fraction of each side (e.g. 0.875)")
      ->check(CLI::Range(0.0, 1.0));
  app->add_option("--brightness", c.brightness, "augment: random brightness delta up to this (of the [0,1] range)")
      ->check(CLI::Range(0.0, 1.0));
  app->add_option("--epochs", c.epochs, "epochs")->capture_default_str()->check(CLI::Range(1, 100000));
  app->add_option("--batch", c.batch, "batch size")->capture_default_str()->check(CLI::Range(1, 65536));
  app->add_option("--lr", c.lr, "learning rate (the peak rate with --lr-schedule onecycle)")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app->add_option("--optimizer", c.optimizer, "optimizer")->capture_default_str()->check(CLI::IsMember({"adam", "sgd"}));
  app->add_option("--momentum", c.momentum, "SGD momentum")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app->add_option("--weight-decay", c.weight_decay, "L2 weight decay")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app->add_option("--lr-schedule", c.lr_schedule,
                  "constant, cosine (to 0 over the run) or onecycle (PyTorch's OneCycleLR defaults, warm-up 20%)")
      ->capture_default_str()
      ->check(CLI::IsMember({"constant", "cosine", "onecycle"}));
  app->add_option("--label-smoothing", c.label_smoothing, "label smoothing of the one-hot targets")->capture_default_str()
      ->check(CLI::Range(0.0, 0.99));
  app->add_option("--seed", c.seed, "seed of weight init, shuffling, augmentation and dropout")->capture_default_str();
  app->add_option("--threads", c.threads, "torch threads (default: the cores this process may use)");
  app->add_option("-o,--output", c.output, "the trained model (.tflite)")->required();
  app->add_option("--checkpoint", c.checkpoint, "checkpoint file (default: <output>.ckpt)");
  app->add_option("--resume", c.resume, "continue from this checkpoint");
  app->add_flag("--quiet", c.quiet, "no progress on stderr");
  app->add_option("--max-steps", c.max_steps, "stop every epoch after this many batches (smoke tests)");
  return {app, [flags]() { return RunTrain(*flags); }};
}

void AddFineTuningFlags(CLI::App& app, train::TrainConfig& c, DatasetFlags& dataset, const FineTuningFlagHelp& help) {
  app.add_option("model", c.init_model, help.model)->required();
  app.add_option("--data", c.train_csv, "training CSV (filename,label)")->required();
  app.add_option("--val", c.val_csv, help.val);
  dataset.Add(app);
  app.add_option("--normalize", c.normalize, "pixel range the model sees")->capture_default_str()
      ->check(CLI::IsMember({"0,1", "-1,1"}));
  app.add_option("--epochs", c.epochs, help.epochs)->capture_default_str()->check(CLI::Range(help.min_epochs, 100000));
  app.add_option("--batch", c.batch, "batch size")->capture_default_str()->check(CLI::Range(1, 65536));
  app.add_option("--lr", c.lr, "learning rate")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--optimizer", c.optimizer, "optimizer")->capture_default_str()->check(CLI::IsMember({"adam", "sgd"}));
  app.add_option("--lr-schedule", c.lr_schedule, help.lr_schedule)->capture_default_str()
      ->check(CLI::IsMember({"constant", "cosine", "onecycle"}));
  app.add_option("--seed", c.seed, help.seed)->capture_default_str();
  app.add_option("--threads", c.threads, "torch threads (default: the cores this process may use)");
}

}  // namespace liteopt::cli

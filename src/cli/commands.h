// The liteopt command line: flags -> config structs -> library calls. No logic of its own beyond
// formatting. Results go to stdout, progress and logs to stderr.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace liteopt::cli {

// Exit codes shared by every command.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Each command registers its subcommand and returns the function that runs it after parsing.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command AddInspectCommand(CLI::App& root);
Command AddRunCommand(CLI::App& root);
Command AddBenchCommand(CLI::App& root);  // bench.cc
Command AddTrainCommand(CLI::App& root);  // train.cc (loads the libtorch plugin on demand)
Command AddQatCommand(CLI::App& root);    // qat.cc (quantization-aware training, in the same plugin)
Command AddPruneCommand(CLI::App& root);  // prune.cc (magnitude pruning, in the same plugin; sparse format)
Command AddDataCommand(CLI::App& root);
Command AddConvertCommand(CLI::App& root);  // convert.cc (post-training quantization, src/quant)
Command AddEvaluateCommand(CLI::App& root);  // evaluate.cc
Command AddCompareCommand(CLI::App& root);   // compare.cc
Command AddDebugQuantCommand(CLI::App& root);  // debug_quant.cc (per-layer quantization error, keep-float search)
Command AddOptimizeCommand(CLI::App& root);    // optimize.cc (every post-training variant and the comparison report)
// Subcommands of `data`, registered by AddDataCommand.
Command AddDataFashionMnistCommand(CLI::App& data);  // data_fashion_mnist.cc
Command AddDataBenchCommand(CLI::App& data);         // data_bench.cc

// "error: <message>" on stderr; returns kExitFailure.
int Fail(const std::string& message);

}  // namespace liteopt::cli

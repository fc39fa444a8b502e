#include <cstdio>
#include <iostream>

#include "cli/commands.h"

namespace liteopt::cli {
int Fail(const std::string& message) {
  std::fprintf(stderr, "liteopt: error: %s\n", message.c_str());
  return kExitFailure;
}
}  // namespace liteopt::cli

int main(int argc, char** argv) {
  using namespace liteopt::cli;
  CLI::App app{"liteopt: make image classifiers small and fast; read, run and write TensorFlow Lite models"};
  app.set_version_flag("--version", std::string("liteopt ") + LITEOPT_VERSION);
  app.require_subcommand(1);
  std::vector<Command> commands = {AddInspectCommand(app), AddRunCommand(app), AddDataCommand(app),
                                  AddBenchCommand(app), AddTrainCommand(app), AddQatCommand(app),
                                  AddPruneCommand(app), AddEvaluateCommand(app), AddCompareCommand(app),
                                  AddConvertCommand(app), AddDebugQuantCommand(app), AddOptimizeCommand(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    app.exit(e);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  for (auto& c : commands)
    if (c.app->parsed()) return c.run();
  return kExitUsage;
}

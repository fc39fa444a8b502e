// `liteopt data ...`: dataset tools. Each subcommand lives in its own file and registers here.
#include "cli/commands.h"

namespace liteopt::cli {

Command AddDataCommand(CLI::App& root) {
  CLI::App* app = root.add_subcommand("data", "Dataset tools: export built-in datasets, measure the input pipeline");
  app->require_subcommand(1);
  auto subcommands = std::make_shared<std::vector<Command>>();
  subcommands->push_back(AddDataFashionMnistCommand(*app));
  subcommands->push_back(AddDataBenchCommand(*app));
  return {app, [subcommands] {
            for (auto& c : *subcommands)
              if (c.app->parsed()) return c.run();
            return kExitUsage;
          }};
}

}  // namespace liteopt::cli

// The flag every command that reads a model shares: --config, the architecture JSON of a Keras weights-only .h5.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace liteopt::cli {

inline CLI::Option* AddKerasConfigOption(CLI::App& app, std::string* path) {
  return app.add_option("--config", *path,
                        "architecture JSON (model.to_json()) for a Keras weights-only .h5 (save_weights)");
}

}  // namespace liteopt::cli

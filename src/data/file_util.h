// Internal helpers of the data module: whole-file reads with errors that name the path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace liteopt::data::internal {

// Reads the whole file; NotFound if it cannot be opened, IoError on a read failure.
Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path);

}  // namespace liteopt::data::internal

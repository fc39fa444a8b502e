// Output files of the commands that write models and reports (debug-quant, optimize): checked before minutes of
// work are spent, and never over an input.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace liteopt::cli {

// A file path the command may write: its folder exists and is writable, it is not a folder, and it is none of
// `inputs`.
Status CheckOutputFile(const std::string& path, const std::vector<std::string>& inputs);

// Copies labels.txt from beside `model` into `folder` (atomically) when there is one and `folder` has none, so
// the written models keep their class names.
void CopyLabelsBeside(const std::string& model, const std::string& folder);

// The labels.txt beside `model`, or "" when there is none.
std::string LabelsBeside(const std::string& model);

}  // namespace liteopt::cli

// Whole-file writes that never leave a half-written file behind.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace liteopt {

// One contiguous piece of the file's contents.
struct ByteSpan {
  const void* data = nullptr;
  size_t size = 0;
};

// Writes the pieces, in order, to a temporary file beside `path` (same directory, mode 0644), fsyncs it,
// then renames it over `path`. On any failure the temporary file is removed, `path` is untouched, and the
// error names the file. Creates no directories.
Status WriteFileAtomic(const std::string& path, const std::vector<ByteSpan>& pieces);
inline Status WriteFileAtomic(const std::string& path, std::string_view contents) {
  return WriteFileAtomic(path, {ByteSpan{contents.data(), contents.size()}});
}

}  // namespace liteopt

#include "data/file_util.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace liteopt::data::internal {

Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return NotFound(path + ": cannot open: " + std::strerror(errno));
  // The size from fstat is only a hint (pipes report 0, files can grow or shrink while we read): read until
  // end of file, growing the buffer as needed, and keep what was actually read.
  struct stat st {};
  size_t capacity = 1 << 16;
  if (::fstat(::fileno(f.get()), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    capacity = static_cast<size_t>(st.st_size) + 1;  // +1 so the end of file is seen without a regrow
  }
  std::vector<uint8_t> bytes(capacity);
  size_t size = 0;
  while (true) {
    if (size == bytes.size()) bytes.resize(bytes.size() * 2);
    const size_t n = std::fread(bytes.data() + size, 1, bytes.size() - size, f.get());
    size += n;
    if (n == 0) break;
  }
  if (std::ferror(f.get())) return IoError(path + ": read error: " + std::strerror(errno));
  bytes.resize(size);
  return bytes;
}

}  // namespace liteopt::data::internal

#include "data/file_util.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace liteopt::data::internal {

Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return NotFound(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  size_t n;
  // Reads in chunks rather than trusting a size from fseek/ftell, so pipes and growing files work too.
  while ((n = std::fread(buf, 1, sizeof(buf), f.get())) > 0) bytes.insert(bytes.end(), buf, buf + n);
  if (std::ferror(f.get())) return IoError(path + ": read error: " + std::strerror(errno));
  return bytes;
}

}  // namespace liteopt::data::internal

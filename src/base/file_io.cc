#include "base/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace liteopt {

namespace {

bool WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string DirName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Status WriteFileAtomic(const std::string& path, const std::vector<ByteSpan>& pieces) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return IoError(path + ": cannot create a temporary file beside it: " + std::strerror(errno));
  bool ok = true;
  for (const ByteSpan& piece : pieces) {
    if (!(ok = WriteAll(fd, piece.data, piece.size))) break;
  }
  // mkstemp creates 0600; give the file the usual permissions of a data file.
  ok = ok && ::fchmod(fd, 0644) == 0 && ::fsync(fd) == 0;
  const int saved_errno = errno;
  if (::close(fd) != 0 || !ok) {
    const int e = ok ? errno : saved_errno;
    ::unlink(tmp.c_str());
    return IoError(path + ": write failed: " + std::strerror(e));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return IoError(path + ": cannot rename the temporary file into place: " + std::strerror(e));
  }
  // Make the rename durable; a failure here does not un-write the file, so it is not an error.
  const int dir = ::open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

}  // namespace liteopt

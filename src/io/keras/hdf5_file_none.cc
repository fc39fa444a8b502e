// The H5File of a build without libhdf5 (CMake option LITEOPT_WITH_KERAS=OFF, e.g. the aarch64 cross build, whose
// Debian arm64 libhdf5-dev cannot sit beside the host's): every Keras .h5 file is refused with a clear message, the
// rest of liteopt (.tflite models) is unaffected. CMakeLists.txt compiles either this file or hdf5_file.cc.
#include <fstream>

#include "io/keras/hdf5_file.h"

namespace liteopt::io::keras::internal {

std::unique_lock<std::mutex> Hdf5Lock() {
  static std::mutex mu;
  return std::unique_lock<std::mutex>(mu);
}

bool IsHdf5File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  in.read(head, sizeof head);
  return in.gcount() == 8 && std::string(head, 8) == std::string("\x89HDF\r\n\x1a\n", 8);
}

Result<std::unique_ptr<H5File>> H5File::Open(const std::string& path) {
  return Unsupported(path + ": this liteopt was built without Keras .h5 support (LITEOPT_WITH_KERAS=OFF: no libhdf5)");
}

H5File::~H5File() = default;

bool H5File::HasGroup(const std::string&) const { return false; }
bool H5File::HasDataset(const std::string&) const { return false; }
bool H5File::HasAttribute(const std::string&, const std::string&) const { return false; }

Result<std::vector<std::string>> H5File::StringsAttribute(const std::string& object, const std::string&) const {
  return Error(object, "no libhdf5");
}
Result<std::string> H5File::StringAttribute(const std::string& object, const std::string&) const {
  return Error(object, "no libhdf5");
}
Result<FloatArray> H5File::ReadFloats(const std::string& object, int64_t) const { return Error(object, "no libhdf5"); }

bool H5File::Exists(const std::string&, int) const { return false; }
Status H5File::Error(const std::string& object, const std::string& what) const {
  return Unsupported(path_ + ": " + object + ": " + what);
}

}  // namespace liteopt::io::keras::internal

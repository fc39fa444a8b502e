// Internal to io/keras: a small read-only view of an HDF5 file over the HDF5 C library, with every failure
// turned into a Status that names the file and the object. The HDF5 headers stay in hdf5_file.cc.
//
// Thread safety: Debian's libhdf5 is built without its thread-safety option, so every use of an H5File must
// happen under Hdf5Lock() (one reader at a time in the process).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"

namespace liteopt::io::keras::internal {

// Held for the whole of a read: libhdf5 is not thread-safe.
std::unique_lock<std::mutex> Hdf5Lock();

// True when the file starts with the HDF5 signature (at offset 0, or after a user block).
bool IsHdf5File(const std::string& path);

struct FloatArray {
  std::vector<int64_t> shape;  // empty for a scalar
  std::vector<float> values;
};

class H5File {
 public:
  // Opens read-only. Errors name the file and carry libhdf5's own reason (e.g. "truncated file: eof = ...").
  static Result<std::unique_ptr<H5File>> Open(const std::string& path);
  ~H5File();
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;

  const std::string& path() const { return path_; }

  // Object paths are relative to the root ("" or "/" is the root group).
  bool HasGroup(const std::string& object) const;
  bool HasDataset(const std::string& object) const;
  bool HasAttribute(const std::string& object, const std::string& name) const;
  // A string attribute, or a list of strings (fixed or variable length, scalar or 1-D). An attribute that
  // is an empty numeric array (how h5py stores an empty list) reads as an empty list.
  Result<std::vector<std::string>> StringsAttribute(const std::string& object, const std::string& name) const;
  Result<std::string> StringAttribute(const std::string& object, const std::string& name) const;
  // A floating-point dataset (any float width) converted to float32. At most `max_elements` values.
  Result<FloatArray> ReadFloats(const std::string& object, int64_t max_elements = int64_t{1} << 28) const;

 private:
  H5File(int64_t id, std::string path) : id_(id), path_(std::move(path)) {}
  bool Exists(const std::string& object, int type) const;
  Status Error(const std::string& object, const std::string& what) const;

  int64_t id_;  // hid_t
  std::string path_;
};

}  // namespace liteopt::io::keras::internal

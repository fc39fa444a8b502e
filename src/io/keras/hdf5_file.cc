#include "io/keras/hdf5_file.h"

#include <hdf5.h>

#include <cstring>

namespace liteopt::io::keras::internal {

namespace {

static_assert(sizeof(hid_t) == sizeof(int64_t), "hid_t is a 64-bit id since HDF5 1.10");

// Closes an HDF5 id with the matching close function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// libhdf5 prints its error stack to stderr by default; the library never prints, so that is switched off once
// and the innermost message is fetched with H5Ewalk instead.
void SilenceHdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

herr_t InnermostMessage(unsigned, const H5E_error2_t* e, void* out) {
  if (e->desc != nullptr && e->desc[0] != '\0') *static_cast<std::string*>(out) = e->desc;
  return 0;
}

std::string Hdf5Reason() {
  std::string msg;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, InnermostMessage, &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg.empty() ? "libhdf5 reported an error" : msg;
}

std::string Where(const std::string& object) { return object.empty() ? std::string("/") : object; }

constexpr size_t kMaxAttributeBytes = size_t{256} << 20;

}  // namespace

std::unique_lock<std::mutex> Hdf5Lock() {
  static std::mutex mu;
  return std::unique_lock<std::mutex>(mu);
}

bool IsHdf5File(const std::string& path) {
  SilenceHdf5();
  const htri_t r = H5Fis_hdf5(path.c_str());
  H5Eclear2(H5E_DEFAULT);
  return r > 0;
}

Result<std::unique_ptr<H5File>> H5File::Open(const std::string& path) {
  SilenceHdf5();
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) return DataLoss(path + ": cannot open the HDF5 file: " + Hdf5Reason());
  return std::unique_ptr<H5File>(new H5File(id, path));
}

H5File::~H5File() {
  if (id_ >= 0) H5Fclose(id_);
}

Status H5File::Error(const std::string& object, const std::string& what) const {
  return DataLoss(path_ + ": " + Where(object) + ": " + what + ": " + Hdf5Reason());
}

// Walks the path one link at a time: H5Lexists fails (rather than answering false) when an intermediate
// group is missing.
bool H5File::Exists(const std::string& object, int type) const {
  std::string prefix;
  size_t start = 0;
  while (start <= object.size()) {
    size_t end = object.find('/', start);
    if (end == std::string::npos) end = object.size();
    if (end > start) {
      prefix += (prefix.empty() ? "" : "/") + object.substr(start, end - start);
      if (H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return false;
      }
    }
    start = end + 1;
  }
  if (prefix.empty()) return type == H5I_GROUP;
  Handle obj(H5Oopen(id_, prefix.c_str(), H5P_DEFAULT), H5Oclose);
  if (!obj.ok()) {
    H5Eclear2(H5E_DEFAULT);
    return false;
  }
  return H5Iget_type(obj.get()) == static_cast<H5I_type_t>(type);
}

bool H5File::HasGroup(const std::string& object) const { return Exists(object, H5I_GROUP); }
bool H5File::HasDataset(const std::string& object) const { return Exists(object, H5I_DATASET); }

bool H5File::HasAttribute(const std::string& object, const std::string& name) const {
  if (!HasGroup(object) && !HasDataset(object)) return false;
  Handle obj(H5Oopen(id_, object.empty() ? "/" : object.c_str(), H5P_DEFAULT), H5Oclose);
  const bool yes = obj.ok() && H5Aexists(obj.get(), name.c_str()) > 0;
  H5Eclear2(H5E_DEFAULT);
  return yes;
}

Result<std::vector<std::string>> H5File::StringsAttribute(const std::string& object, const std::string& name) const {
  if (!HasAttribute(object, name)) return NotFound(path_ + ": " + Where(object) + " has no attribute '" + name + "'");
  const std::string what = "attribute '" + name + "'";
  Handle obj(H5Oopen(id_, object.empty() ? "/" : object.c_str(), H5P_DEFAULT), H5Oclose);
  Handle attr(H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) return Error(object, "cannot open " + what);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (!type.ok() || !space.ok()) return Error(object, "cannot read the type of " + what);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) return Error(object, "cannot read the size of " + what);
  std::vector<std::string> out;
  if (H5Tget_class(type.get()) != H5T_STRING) {
    if (n == 0) return out;  // h5py writes an empty list as an empty float array
    return DataLoss(path_ + ": " + Where(object) + ": " + what + " is not a string");
  }
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
    if (H5Aread(attr.get(), mem.get(), ptrs.data()) < 0) return Error(object, "cannot read " + what);
    for (char* p : ptrs) out.emplace_back(p != nullptr ? p : "");
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
    return out;
  }
  const size_t size = H5Tget_size(type.get());
  if (size == 0 || static_cast<size_t>(n) > kMaxAttributeBytes / size)
    return DataLoss(path_ + ": " + Where(object) + ": " + what + " is implausibly large");
  std::vector<char> bytes(static_cast<size_t>(n) * size);
  if (H5Aread(attr.get(), type.get(), bytes.data()) < 0) return Error(object, "cannot read " + what);
  for (hssize_t i = 0; i < n; ++i) {
    const char* p = bytes.data() + static_cast<size_t>(i) * size;
    out.emplace_back(p, strnlen(p, size));  // fixed-length strings are NUL-padded
  }
  return out;
}

Result<std::string> H5File::StringAttribute(const std::string& object, const std::string& name) const {
  LITEOPT_ASSIGN_OR_RETURN(std::vector<std::string> v, StringsAttribute(object, name));
  if (v.size() != 1)
    return DataLoss(path_ + ": " + Where(object) + ": attribute '" + name + "' holds " + std::to_string(v.size()) +
                    " strings, expected 1");
  return std::move(v[0]);
}

Result<FloatArray> H5File::ReadFloats(const std::string& object, int64_t max_elements) const {
  if (!HasDataset(object)) return NotFound(path_ + ": no dataset " + Where(object));
  Handle ds(H5Dopen2(id_, object.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) return Error(object, "cannot open the dataset");
  Handle type(H5Dget_type(ds.get()), H5Tclose);
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  if (!type.ok() || !space.ok()) return Error(object, "cannot read the dataset's type");
  if (H5Tget_class(type.get()) != H5T_FLOAT)
    return DataLoss(path_ + ": " + Where(object) + ": the dataset is not floating point");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8) return DataLoss(path_ + ": " + Where(object) + ": unsupported dataset rank");
  hsize_t dims[8] = {};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  FloatArray out;
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] > static_cast<hsize_t>(max_elements) || n * static_cast<int64_t>(dims[i]) > max_elements)
      return DataLoss(path_ + ": " + Where(object) + ": the dataset is larger than " + std::to_string(max_elements) +
                      " elements");
    n *= static_cast<int64_t>(dims[i]);
    out.shape.push_back(static_cast<int64_t>(dims[i]));
  }
  out.values.resize(static_cast<size_t>(n));
  if (n > 0 && H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()) < 0)
    return Error(object, "cannot read the dataset");
  return out;
}

}  // namespace liteopt::io::keras::internal

#include "cli/outputs.h"

#include <unistd.h>

#include <filesystem>

namespace liteopt::cli {

namespace fs = std::filesystem;

Status CheckOutputFile(const std::string& path, const std::vector<std::string>& inputs) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return IoError(path + ": is a folder, expected a file path");
  for (const std::string& in : inputs)
    if (fs::exists(path, ec) && fs::equivalent(in, path, ec))
      return InvalidArgument(path + ": is one of the input models; refusing to overwrite it");
  const fs::path dir = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) return IoError(path + ": folder " + dir.string() + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0) return IoError(path + ": folder " + dir.string() + " is not writable");
  return Status::Ok();
}

std::string LabelsBeside(const std::string& model) {
  const fs::path p = fs::path(model).parent_path() / "labels.txt";
  std::error_code ec;
  return fs::is_regular_file(p, ec) ? p.string() : std::string();
}

void CopyLabelsBeside(const std::string& model, const std::string& folder) {
  const std::string src = LabelsBeside(model);
  const fs::path dst = fs::path(folder.empty() ? "." : folder) / "labels.txt";
  std::error_code ec;
  if (src.empty() || fs::exists(dst, ec) || fs::equivalent(src, dst, ec)) return;
  const fs::path tmp = dst.string() + ".tmp." + std::to_string(::getpid());
  if (fs::copy_file(src, tmp, fs::copy_options::overwrite_existing, ec)) fs::rename(tmp, dst, ec);
  if (ec) fs::remove(tmp, ec);
}

}  // namespace liteopt::cli

// Helpers shared by the data module's tests: fixture paths, scratch files.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace liteopt::data::testing {

inline std::string FixturesDir() { return LITEOPT_FIXTURES_DIR; }
inline bool HaveFixtures() { return std::filesystem::is_directory(FixturesDir() + "/images"); }
inline std::string ImageFixture(const std::string& rel) { return FixturesDir() + "/images/" + rel; }

// Skips the current test when the shared fixtures are not checked out beside the repository.
#define LITEOPT_REQUIRE_FIXTURES()                                                                       \
  do {                                                                                                   \
    if (!::liteopt::data::testing::HaveFixtures()) {                                                     \
      GTEST_SKIP() << "fixtures not found at " << ::liteopt::data::testing::FixturesDir()                \
                   << "/images (LITEOPT_FIXTURES_DIR); they live in shared/fixtures beside the repo";    \
    }                                                                                                    \
  } while (0)

inline std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// A fresh directory under the system temp dir, removed with its contents at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "liteopt_data_test_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const void* data, size_t size) const {
    const std::string p = File(name);
    std::ofstream f(p, std::ios::binary);
    f.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    return p;
  }
  std::string Write(const std::string& name, const std::vector<uint8_t>& bytes) const {
    return Write(name, bytes.data(), bytes.size());
  }

 private:
  std::string path_;
};

}  // namespace liteopt::data::testing

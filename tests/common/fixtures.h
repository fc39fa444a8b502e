// Locating the shared fixture models for tests; tests skip with a clear message when they are absent.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

namespace liteopt::testing {

inline std::string FixturesDir() {
  if (const char* env = std::getenv("LITEOPT_FIXTURES")) return env;
#ifdef LITEOPT_FIXTURES_DIR
  return LITEOPT_FIXTURES_DIR;
#else
  return "../shared/fixtures";
#endif
}

// A GoogleTest-safe name for a path: every character that is not alphanumeric becomes '_'.
inline std::string Slug(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

inline bool HaveFixtures() { return std::filesystem::is_directory(FixturesDir() + "/tflite"); }

inline constexpr const char* kNoFixturesMessage =
    "fixtures folder not found (expected ../shared/fixtures next to the repository, or set LITEOPT_FIXTURES); "
    "skipping tests that need real models";

// Every .tflite under fixtures/tflite, sorted, as paths relative to the fixtures folder.
inline std::vector<std::string> AllTfliteFixtures() {
  std::vector<std::string> out;
  const std::filesystem::path root = FixturesDir();
  if (!std::filesystem::is_directory(root / "tflite")) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root / "tflite"))
    if (e.is_regular_file() && e.path().extension() == ".tflite")
      out.push_back(std::filesystem::relative(e.path(), root).string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace liteopt::testing

// Mutation fuzzing of the reader and interpreter on real models: each fixture is mutated at random byte
// positions (1,000 mutants per file, fixed seed), then loaded, prepared and (when cheap) run. Any outcome but
// a clean Status or a successful run is a failure: the sanitizer build (cmake --preset asan) turns memory
// errors and undefined behaviour into crashes.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>

#include "common/fixtures.h"
#include "io/tflite/reader.h"
#include "runtime/interpreter.h"

namespace liteopt {
namespace {

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

constexpr int kMutantsPerFile = 1000;

// Loads and prepares; invokes when `run` is set. Returns whether the model loaded.
bool LoadAndMaybeRun(std::vector<uint8_t> bytes, const std::string& name, bool run) {
  auto shared = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  auto graph = io::tflite::ReadTfliteBuffer(shared, name);
  if (!graph.ok()) {
    EXPECT_FALSE(graph.status().message().empty());
    return false;
  }
  // Mutated shapes easily ask for gigabytes; a small limit keeps every mutant cheap to prepare and run
  // (the largest fixture tensor is under 5 MiB).
  runtime::InterpreterOptions opt;
  opt.max_tensor_bytes = size_t{16} << 20;
  opt.max_memory_bytes = size_t{64} << 20;
  auto interp = runtime::Interpreter::Create(std::move(graph).value(), opt);
  if (!interp.ok()) {
    EXPECT_FALSE(interp.status().message().empty());
    return false;
  }
  if (run) {
    EXPECT_TRUE((*interp)->Invoke().ok());
  }
  return true;
}

class MutationFuzz : public ::testing::TestWithParam<std::string> {};

TEST_P(MutationFuzz, MutantsFailCleanlyOrRun) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  const std::string path = testing::FixturesDir() + "/" + GetParam();
  const std::vector<uint8_t> original = ReadAll(path);
  ASSERT_FALSE(original.empty()) << path;

  // Cost of one run of the unmodified model decides how many mutants are also invoked.
  const auto t0 = std::chrono::steady_clock::now();
  const bool original_loads = LoadAndMaybeRun(original, path, true);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const int run_every = !original_loads ? 1 : (ms < 20 ? 1 : (ms < 200 ? 20 : 200));

  std::mt19937 rng(0x5eed ^ static_cast<uint32_t>(std::hash<std::string>()(GetParam())));
  int loaded = 0;
  for (int m = 0; m < kMutantsPerFile; ++m) {
    std::vector<uint8_t> bytes = original;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % bytes.size();
      switch (rng() % 4) {
        case 0: bytes[pos] = static_cast<uint8_t>(rng()); break;                 // random byte
        case 1: bytes[pos] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;    // bit flip
        case 2: bytes[pos] = (rng() & 1) ? 0xff : 0x00; break;                   // extremes
        case 3: bytes.resize(std::max<size_t>(1, pos)); break;                   // truncation
      }
      if (bytes.empty()) break;
    }
    SCOPED_TRACE("mutant " + std::to_string(m) + " of " + GetParam());
    loaded += LoadAndMaybeRun(std::move(bytes), GetParam() + "#" + std::to_string(m), m % run_every == 0);
  }
  RecordProperty("mutants_loaded", loaded);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MutationFuzz, ::testing::ValuesIn(testing::AllTfliteFixtures()),
                         [](const auto& info) { return testing::Slug(info.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(MutationFuzz);

}  // namespace
}  // namespace liteopt

namespace liteopt {
namespace {
TEST(MutationFuzzSetup, FixturesPresent) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  EXPECT_GT(testing::AllTfliteFixtures().size(), 10u);
}
}  // namespace
}  // namespace liteopt

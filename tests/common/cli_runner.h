// Runs the liteopt executable for end-to-end tests: exit code, stdout and stderr kept apart.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace liteopt::testing {

struct CliResult {
  int code = -1;  // exit code; -1 when killed by a signal
  std::string out, err;
};

// Runs `liteopt ARGS` through the shell (quote paths yourself, e.g. with Quote()); `env` is prefixed to the
// command line (e.g. "LITEOPT_TRAIN_PLUGIN=/nowhere").
inline CliResult RunLiteopt(const std::string& args, const std::string& env = "") {
  const std::string dir = std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp";
  std::filesystem::create_directories(dir);
  const std::string err_file = dir + "/stderr_" + std::to_string(::getpid()) + ".txt";
  const std::string cmd = env + " " + std::string(LITEOPT_EXE) + " " + args + " 2>" + err_file;
  CliResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream f(err_file);
  r.err.assign(std::istreambuf_iterator<char>(f), {});
  std::filesystem::remove(err_file);
  return r;
}

// Single-quotes a path for the shell.
inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace liteopt::testing

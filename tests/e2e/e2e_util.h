// SPDX-License-Identifier: MIT
#pragma once
// Helpers for end-to-end tests: run leakguard as a user would and read what it wrote.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace e2e {

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline Result run(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += shell_quote(a) + " ";
  cmd += "2>&1";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

inline std::string bin(const std::string& name) { return std::string(LEAKGUARD_BIN_DIR) + "/" + name; }
inline std::string source(const std::string& rel) { return std::string(LEAKGUARD_SOURCE_DIR) + "/" + rel; }

inline std::string junit_xsd() {
  const char* env = getenv("LEAKGUARD_JUNIT_XSD");
  std::string p = env && *env ? env : source("tests/schema/junit.xsd");
  return std::filesystem::exists(p) ? p : "";
}

// xmllint --schema; returns "" when valid, else what xmllint said.
inline std::string schema_errors(const std::string& xml) {
  std::string xsd = junit_xsd();
  if (xsd.empty()) return "JUnit schema not found (tests/schema/junit.xsd)";
  Result r = run({"xmllint", "--noout", "--schema", xsd, xml});
  return r.exit_code == 0 ? "" : r.output;
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/leakguard-e2e-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace e2e

// SPDX-License-Identifier: MIT
// libFuzzer target over the scenario loader. It catches nothing: the loader must never throw,
// crash or hang, whatever the bytes. Lines starting with "--set " at the top of the input are
// used as overrides, so the override path is fuzzed too.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/scenario/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  lg::LoadOptions opts;
  while (text.compare(0, 6, "--set ") == 0) {
    size_t nl = text.find('\n');
    opts.overrides.push_back(text.substr(6, nl == std::string::npos ? std::string::npos : nl - 6));
    text = nl == std::string::npos ? "" : text.substr(nl + 1);
  }
  std::vector<lg::Diagnostic> diags;
  auto sc = lg::load_scenario_string(text, "fuzz.yaml", opts, diags);
  // Every failure must come with at least one error, located or not.
  if (!sc && diags.empty()) __builtin_trap();
  for (const auto& d : diags) (void)d.str();
  return 0;
}

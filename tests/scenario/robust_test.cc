// SPDX-License-Identifier: MIT
// The loader never throws and never crashes: hostile input becomes diagnostics.
#include "scenario/scenario_util.h"

using namespace sc_test;

TEST(Robust, HostileInputsGiveErrorsNotCrashes) {
  std::vector<std::string> inputs = {
      "",
      "~",
      "[]",
      "42",
      "\"just a string\"",
      std::string("\0\xff\xfe garbage", 12),
      "name: t\nphases: " + std::string(5000, '[') + std::string(5000, ']') + "\n",
      "name: t\nphases: " + std::string(100000, '{'),
      "name: t\nphases: &p\n  - name: a\n    workloads: *p\n  - *p\nchecks: &c [*c]\n",
      "name: t\nseed: 99999999999999999999999999\nphases:\n  - name: a\n    duration: 99999999999h\n",
      "name: t\nphases:\n  - name: a\n    workloads:\n      - {kind: netns, count: 9223372036854775807, rate: "
      "1e308/s}\n",
      "name: t\nphases:\n  - {name: a, duration: 1s}\nchecks:\n  - {metric: fd.total, max_slope: 1e308 per 1e-300 "
      "netns}\n",
      "name: t\ntarget: {command: [sh], ready: {stdout: "
      "\"((((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))))\"}}\n"
      "phases: [{name: a, duration: 1s}]\n",
      "name: t\ntarget: {command: [sh], ready: {stdout: \"(a{1000}){1000}\"}}\nphases: [{name: a, duration: 1s}]\n",
      "? [complex, key]\n: value\nname: t\n",
      "name: t\nphases:\n  - {name: a, duration: 1s}\n---\nname: second\n",
  };
  for (const auto& in : inputs) {
    Loaded l;
    EXPECT_NO_THROW(l = load(in)) << in.substr(0, 80);
    EXPECT_FALSE(l.scenario) << in.substr(0, 80);
    EXPECT_GT(l.errors(), 0u) << in.substr(0, 80);
  }
}

TEST(Robust, DeepNestingIsASyntaxError) {
  auto l = load("name: t\nphases: " + std::string(5000, '[') + std::string(5000, ']') + "\n");
  ASSERT_EQ(l.errors(), 1u) << l.all();
  EXPECT_NE(l.diags[0].message.find("YAML syntax"), std::string::npos) << l.all();
  EXPECT_EQ(l.diags[0].line, 2);
}

TEST(Robust, OneDocumentPerFile) {
  auto l = load("name: t\nphases:\n  - {name: a, duration: 1s}\n---\nname: second\n");
  EXPECT_TRUE(has(l, 4, 1, "a scenario file holds one YAML document; another starts here"));
  // Markers before the content, comments and directives are fine.
  auto ok = load("%YAML 1.2\n---\n# c\nname: t\nphases:\n  - {name: a, duration: 1s}\n...\n");
  EXPECT_TRUE(ok.scenario) << ok.all();
  // yaml-cpp 0.7's LoadAll allocates forever on these; the loader must not use it.
  for (const char* in : {",", ", M,", "- ,", "--- ,\n--- ,"}) EXPECT_FALSE(load(in).scenario) << in;
}

TEST(Robust, RegexBombsAreRefused) {
  auto l = load(
      "name: t\ntarget: {command: [sh], ready: {stdout: \"(a{1000}){1000}\"}}\n"
      "phases: [{name: a, duration: 1s}]\n");
  EXPECT_TRUE(has(l, 2, 41, "target.ready.stdout: the pattern repeats too much"));
  auto ok = load(
      "name: t\ntarget: {command: [sh], ready: {stdout: \"^ready {2,50} (now|at last)$\"}}\n"
      "phases: [{name: a, duration: 1s}]\n");
  EXPECT_TRUE(ok.scenario) << ok.all();
  EXPECT_EQ(ok.scenario->target->ready.pattern, "^ready {2,50} (now|at last)$");
}

TEST(Robust, OverridesOnNothing) {
  lg::LoadOptions opts;
  opts.overrides = {"name=t", "phases=[{name: a, duration: 1s}]"};
  auto l = load("", opts);
  EXPECT_TRUE(l.scenario) << l.all();
  auto s = load("just a string", opts);
  EXPECT_FALSE(s.scenario);
  EXPECT_TRUE(has(s, 0, 0, "--set name: the scenario is not a map"));
}

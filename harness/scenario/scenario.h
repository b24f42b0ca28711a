// SPDX-License-Identifier: MIT
#pragma once
// A scenario: what to launch, how to churn it, how to sample, what to judge.
// Loaded from YAML by load_scenario(); every field is documented in docs/scenarios.md.
#include <csignal>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/base/backend.h"
#include "harness/base/check.h"
#include "harness/base/params.h"

namespace lg {

struct Location {
  int line = 0, col = 0;  // 1-based; 0 when not from a file
};

struct ReadySpec {
  enum Kind { None, Delay, Stdout, File } kind = None;  // None: ready at once
  double delay = 0;                                     // Delay: seconds
  std::string pattern;                                  // Stdout: ECMAScript regex matched against each line
  std::string file;                                     // File: path that must appear
  double timeout = 10;                                  // Stdout/File: seconds
};

struct StopSpec {
  int signal = SIGTERM;
  double grace = 5;  // seconds before SIGKILL to the whole group
};

struct TargetSpec {
  std::vector<std::string> command;        // argv; command[0] resolved at run time
  std::map<std::string, std::string> env;  // added to leakguard's environment
  std::string cwd;                         // "" : leakguard's cwd
  ReadySpec ready;
  StopSpec stop;
  std::optional<uint64_t> limit_pids;    // target.limits.pids
  std::optional<uint64_t> limit_nofile;  // target.limits.nofile
  std::string user;                      // target.user: run as this user ("" : as leakguard)
  Location loc;
};

struct SamplingSpec {
  double interval = 0.1;  // seconds
  Backend backend = Backend::Auto;
  std::vector<std::string> slab_caches;  // empty: default_slab_caches()
  double settle_timeout = 30;            // residue: wait at most this for sys.* to be stable
};

struct WorkloadSpec {
  std::string kind;  // "netns"
  Params params;     // every field of the kind, defaults filled in
  Location loc;
};

struct PhaseSpec {
  std::string name;
  double duration = 0;  // seconds; 0: until the workloads are done
  std::vector<WorkloadSpec> workloads;
  Location loc;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string file;                  // path it was loaded from ("" for strings)
  std::optional<TargetSpec> target;  // absent: system only
  SamplingSpec sampling;
  std::vector<PhaseSpec> phases;
  std::vector<Check> checks;    // as written, or the default set when the file has none
  bool default_checks = false;  // true when `checks` was absent and defaults apply
  uint64_t seed = 0;            // scenario `seed:` or derived from the name

  size_t workload_count() const {
    size_t n = 0;
    for (const auto& p : phases) n += p.workloads.size();
    return n;
  }
};

// One problem found in a scenario. Printed as "FILE:LINE:COL: error: MESSAGE".
struct Diagnostic {
  enum Severity { Error, Warning } severity = Error;
  std::string file;
  int line = 0, col = 0;
  std::string message;
  std::string str() const;
};

struct LoadOptions {
  std::vector<std::string> overrides;    // "--set PATH=VALUE" texts, applied in order
  std::vector<std::string> target_argv;  // "--target -- ARGV...": replaces target.command
  std::string binary_dir;                // where to look first for a bare command word
  bool command_must_exist = false;       // run: error; validate: warning
};

// Loads and validates a scenario. Returns nullopt when any error was found; `diags` holds
// every problem (errors and warnings), each with the file, line and column it is about.
std::optional<Scenario> load_scenario_file(const std::string& path, const LoadOptions& opts,
                                           std::vector<Diagnostic>& diags);
std::optional<Scenario> load_scenario_string(const std::string& yaml, const std::string& name_for_errors,
                                             const LoadOptions& opts, std::vector<Diagnostic>& diags);

// Resolves target.command[0]: a word with '/' as is; a bare word in binary_dir, then PATH.
// Returns "" when not found.
std::string resolve_command(const std::string& word, const std::string& binary_dir);

}  // namespace lg

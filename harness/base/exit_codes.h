// SPDX-License-Identifier: MIT
#pragma once
// Exit codes shared by every subcommand (documented in README.md).
namespace lg {
enum ExitCode : int {
  kExitOk = 0,           // success, every check passed
  kExitCheckFailed = 1,  // a check failed (or the run was interrupted)
  kExitUsage = 2,        // usage or scenario error
  kExitEnvironment = 3,  // missing privilege or kernel feature
  // `run --bisect` only: anything but "passed" or "a leak was found" (git bisect run skips the
  // commit instead of blaming it).
  kExitBisectSkip = 125,
};
}  // namespace lg

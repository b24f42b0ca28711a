// SPDX-License-Identifier: MIT
// leakguard: stress and regression test harness for leak-prone Linux tools.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/base/exit_codes.h"
#include "harness/base/metrics.h"
#include "harness/base/strings.h"
#include "harness/cli/command.h"
#include "harness/workloads/cgroup_parent.h"
#include "version.h"

namespace lg {
void add_probe_command(CLI::App& app, Action& action);
void add_validate_command(CLI::App& app, Action& action);
void add_list_command(CLI::App& app, Action& action);
void add_merge_command(CLI::App& app, Action& action);
void add_judge_command(CLI::App& app, Action& action);
void add_census_command(CLI::App& app, Action& action);
void add_run_command(CLI::App& app, Action& action);
void add_compare_command(CLI::App& app, Action& action);
// `run --bisect` on the command line (cmd_run.cc): its usage errors exit 125, not 2.
bool run_bisect_requested(int argc, char** argv);
}  // namespace lg

namespace lg {
CLI::Validator one_of(std::vector<std::string> values) {
  std::string list;
  for (const auto& v : values) list += (list.empty() ? "" : ", ") + v;
  return CLI::Validator(
      [values, list](std::string& in) -> std::string {
        for (const auto& v : values)
          if (in == v) return "";
        std::string m = closest_match(in, values);
        return "'" + in + "' is not one of " + list + (m.empty() ? "" : "; did you mean '" + m + "'?");
      },
      "{" + list + "}");
}
}  // namespace lg

namespace {

const lg::AddCommand kCommands[] = {
    lg::add_probe_command, lg::add_validate_command, lg::add_list_command, lg::add_merge_command,
    lg::add_judge_command, lg::add_census_command,   lg::add_run_command,  lg::add_compare_command,
};

// One line: "leakguard: error: ... (see 'leakguard --help')", plus a hint when a word is close
// to a real subcommand or flag.
int usage_error(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  std::string msg = e.what();
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  // The first word that is not a flag is where a subcommand must stand.
  std::string word;
  for (int i = 1; i < argc && word.empty(); i++)
    if (argv[i][0] != '-') word = argv[i];
  bool known = false;
  for (const auto& n : names) known |= (n == word);
  if (!known) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    if (word.empty()) {
      msg = "a subcommand is required: " + list;
    } else {
      msg = "unknown subcommand '" + word + "'";
      std::string m = lg::closest_match(word, names);
      msg += m.empty() ? "; the subcommands are " + list : "; did you mean '" + m + "'?";
    }
  }
  // A mistyped flag of a known subcommand: suggest the closest of its flags.
  if (known) {
    CLI::App* sub = app.get_subcommand(word);
    std::vector<std::string> flags;
    for (const CLI::Option* o : sub->get_options())
      for (const auto& l : o->get_lnames()) flags.push_back("--" + l);
    for (int i = 1; i < argc; i++) {
      std::string a = argv[i];
      if (a.size() < 3 || a[0] != '-' || a[1] != '-' || msg.find(a) == std::string::npos) continue;
      // A real flag with a wrong value: its own message says what the values are.
      if (std::find(flags.begin(), flags.end(), a.substr(0, a.find('='))) != flags.end()) break;
      std::string m = lg::closest_match(a.substr(0, a.find('=')), flags);
      if (!m.empty()) msg += "; did you mean '" + m + "'?";
      break;
    }
    word = "leakguard " + word + " --help";
  }
  fprintf(stderr, "leakguard: error: %s (see '%s')\n", msg.c_str(), known ? word.c_str() : "leakguard --help");
  return lg::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "leakguard: launch a target, churn it, sample its fds and kernel objects, "
      "judge growth, write JUnit and HTML reports.",
      "leakguard"};
  app.set_version_flag("--version", "leakguard " LEAKGUARD_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 a check failed, 2 usage or scenario error, 3 environment error.\n"
      "Docs: README.md and docs/ in the source tree.");
  lg::Action action;
  for (auto add : kCommands) add(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    int code = usage_error(app, e, argc, argv);
    return lg::run_bisect_requested(argc, argv) ? lg::kExitBisectSkip : code;
  }
  // What a scenario may name in ${...} besides the user's environment (docs/scenarios.md);
  // targets inherit it too.
  setenv("LEAKGUARD_CGROUP_PARENT", lg::default_cgroup_parent().c_str(), 1);
  return action ? action() : lg::kExitUsage;
}

// leakguard: stress and regression test harness for leak-prone Linux tools.
#include <cstdio>
#include <string>

#include "harness/base/exit_codes.h"
#include "harness/base/metrics.h"
#include "harness/cli/command.h"
#include "version.h"

namespace lg {
void add_probe_command(CLI::App& app, Action& action);
void add_validate_command(CLI::App& app, Action& action);
void add_list_command(CLI::App& app, Action& action);
void add_merge_command(CLI::App& app, Action& action);
void add_judge_command(CLI::App& app, Action& action);
void add_census_command(CLI::App& app, Action& action);
void add_run_command(CLI::App& app, Action& action);
}  // namespace lg

namespace {

const lg::AddCommand kCommands[] = {
    lg::add_probe_command,
    lg::add_validate_command,
    lg::add_list_command,
    lg::add_merge_command,
    lg::add_judge_command,
    lg::add_census_command,
    lg::add_run_command,
};

// One line: "leakguard: error: ... (see 'leakguard --help')", plus a hint when a word is close
// to a real subcommand or flag.
int usage_error(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  std::string msg = e.what();
  std::string hint;
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  for (int i = 1; i < argc && hint.empty(); i++) {
    std::string word = argv[i];
    if (word.empty() || word[0] == '-') continue;
    bool known = false;
    for (const auto& n : names) known |= (n == word);
    if (known) break;
    std::string m = lg::closest_match(word, names);
    if (!m.empty()) hint = "; did you mean '" + m + "'?";
    break;
  }
  fprintf(stderr, "leakguard: error: %s%s (see 'leakguard --help')\n", msg.c_str(), hint.c_str());
  return lg::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"leakguard: launch a target, churn it, sample its fds and kernel objects, "
               "judge growth, write JUnit and HTML reports.",
               "leakguard"};
  app.set_version_flag("--version", "leakguard " LEAKGUARD_VERSION);
  app.require_subcommand(1);
  app.footer("Exit codes: 0 ok, 1 a check failed, 2 usage or scenario error, 3 environment error.\n"
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
    return usage_error(app, e, argc, argv);
  }
  return action ? action() : lg::kExitUsage;
}

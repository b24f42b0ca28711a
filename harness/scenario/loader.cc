// SPDX-License-Identifier: MIT
// The scenario loader: YAML text -> Scenario, with every problem reported where it is.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <cstring>
#include <regex>
#include <unordered_set>
#include <set>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/safe_file.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"
#include "harness/scenario/checks.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/yaml_reader.h"
#include "harness/workloads/workload.h"

namespace lg {

namespace {

const std::vector<std::string> kTopKeys = {"name", "description", "target", "sampling", "phases", "checks", "seed"};
const std::vector<std::string> kTargetKeys = {"command", "env", "cwd", "ready", "stop", "limits", "user"};
const std::vector<std::string> kReadyKeys = {"delay", "stdout", "stderr", "file", "port", "timeout"};
const std::vector<std::string> kStopKeys = {"signal", "grace", "exit_codes"};
const std::vector<std::string> kLimitKeys = {"pids", "nofile"};
const std::vector<std::string> kSamplingKeys = {"interval", "backend", "slab_caches", "settle_timeout", "attribution"};
const std::vector<std::string> kPhaseKeys = {"name", "duration", "workloads"};

bool valid_name(const std::string& s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
    if (!ok) return false;
  }
  return true;
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// A regex that std::regex can compile without exhausting the stack or memory: bounded
// length, group nesting and repetition.
std::string regex_problem(const std::string& p) {
  if (p.size() > 1000) return "the pattern is longer than 1000 characters";
  int depth = 0, max_depth = 0;
  double repeat = 1;
  for (size_t i = 0; i < p.size(); i++) {
    if (p[i] == '\\') {
      i++;
      continue;
    }
    if (p[i] == '(') max_depth = std::max(max_depth, ++depth);
    if (p[i] == ')') depth--;
    if (p[i] == '{') {  // {n} or {n,m}: each copy of the atom is a state; take the larger bound
      double n = 0, most = 0;
      for (size_t j = i + 1; j < p.size() && (isdigit((unsigned char)p[j]) || p[j] == ','); j++) {
        if (p[j] == ',')
          most = std::max(most, n), n = 0;
        else
          n = n * 10 + (p[j] - '0');
      }
      repeat *= std::max({1.0, n, most});
    }
  }
  if (max_depth > 32) return "the pattern nests groups more than 32 deep";
  if (repeat > 10000) return "the pattern repeats too much ({n} counts multiply past 10000)";
  try {
    std::regex re(p, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return std::string("not a valid regular expression: ") + e.what();
  }
  return "";
}

class ScenarioLoader {
 public:
  ScenarioLoader(YamlReader& r, const LoadOptions& o) : r_(r), opts_(o) {}

  void load(const YAML::Node& root, Scenario& sc) {
    if (!root.IsDefined() || root.IsNull()) {
      r_.error_at(1, 1, "empty scenario: expected a map with at least 'name' and 'phases'");
      return;
    }
    if (!root.IsMap()) {
      r_.error(root, "a scenario is a map (name:, phases:, ...), got " + describe_node(root));
      return;
    }
    YAML::Node name = absent(), desc = absent(), target = absent(), sampling = absent();
    YAML::Node phases = absent(), checks = absent(), seed = absent();
    r_.each_key(root, "the scenario", kTopKeys, [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
      YAML::Node* slot = key == "name"          ? &name
                         : key == "description" ? &desc
                         : key == "target"      ? &target
                         : key == "sampling"    ? &sampling
                         : key == "phases"      ? &phases
                         : key == "checks"      ? &checks
                                                : &seed;
      slot->reset(v);
    });
    if (!name.IsDefined()) {
      r_.error(root, "missing 'name' (lowercase letters, digits and '-')");
    } else if (auto s = r_.str(name, "name")) {
      if (!valid_name(*s))
        r_.error(name, "name: '" + *s +
                           "' is not a valid name; use lowercase letters, digits and '-', "
                           "starting with a letter or digit");
      sc.name = *s;
    }
    if (desc.IsDefined() && !desc.IsNull())
      if (auto s = r_.str(desc, "description")) sc.description = *s;
    if (target.IsDefined()) load_target(target, sc);
    if (sampling.IsDefined()) load_sampling(sampling, sc.sampling);
    if (!phases.IsDefined())
      r_.error(root, "missing 'phases': a list of phases run in order");
    else
      load_phases(phases, sc);
    if (checks.IsDefined() && !checks.IsNull()) {
      load_checks(r_, checks, sc);
    } else {
      sc.default_checks = true;  // the run loop fills the documented default set
    }
    sc.seed = fnv1a(sc.name);
    if (seed.IsDefined())
      if (auto v = r_.count(seed, "seed", 0)) sc.seed = (uint64_t)*v;
  }

 private:
  void load_target(const YAML::Node& n, Scenario& sc) {
    if (!r_.need_map(n, "target")) return;
    TargetSpec t;
    t.loc = r_.loc(n);
    YAML::Node command = absent();
    r_.each_key(n, "target", kTargetKeys, [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
      if (key == "command") {
        command.reset(v);
        if (auto a = r_.argv(v, "target.command")) t.command = *a;
      } else if (key == "env") {
        if (!r_.need_map(v, "target.env")) return;
        for (auto it = v.begin(); it != v.end(); ++it) {
          auto k = r_.str(it->first, "target.env key");
          auto val = r_.str(it->second, "target.env value");
          if (!k || !val) continue;
          bool ok = !k->empty() && !isdigit((unsigned char)(*k)[0]);
          for (char c : *k) ok &= isalnum((unsigned char)c) || c == '_';
          if (!ok)
            r_.error(it->first, "target.env: '" + *k + "' is not a valid environment variable name");
          else
            t.env[*k] = *val;
        }
      } else if (key == "cwd") {
        if (auto s = r_.str(v, "target.cwd")) {
          struct stat st;
          if (stat(s->c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            r_.warn(v, "target.cwd: '" + *s + "' is not a directory here");
          t.cwd = *s;
        }
      } else if (key == "ready") {
        load_ready(v, t.ready);
      } else if (key == "stop") {
        load_stop(v, t.stop);
      } else if (key == "limits") {
        if (!r_.need_map(v, "target.limits")) return;
        r_.each_key(v, "target.limits", kLimitKeys,
                    [&](const std::string& lk, const YAML::Node&, const YAML::Node& lv) {
                      auto c = r_.count(lv, "target.limits." + lk, 1);
                      if (!c) return;
                      (lk == "pids" ? t.limit_pids : t.limit_nofile) = (uint64_t)*c;
                    });
      } else if (key == "user") {
        if (auto s = r_.str(v, "target.user")) {
          bool numeric = !s->empty() && s->find_first_not_of("0123456789") == std::string::npos;
          struct passwd pw, *res = nullptr;
          char buf[4096];
          if (!numeric && (getpwnam_r(s->c_str(), &pw, buf, sizeof buf, &res) != 0 || !res))
            r_.error(v, "target.user: no user '" + *s + "' on this machine");
          t.user = *s;
        }
      }
    });
    if (!command.IsDefined()) {
      r_.error(n, "target: missing 'command' (an argv list: [tool, --flag])");
    } else if (!t.command.empty()) {
      std::string found = resolve_command(t.command[0], opts_.binary_dir);
      if (found.empty()) {
        YAML::Node at = command.IsSequence() && command.size() ? command[0] : command;
        std::string msg = t.command[0].find('/') != std::string::npos
                              ? "target.command: '" + t.command[0] + "' is not an executable file"
                              : "target.command: '" + t.command[0] + "' not found in " +
                                    (opts_.binary_dir.empty() ? "" : opts_.binary_dir + " or ") + "PATH";
        if (opts_.command_must_exist)
          r_.error(at, msg);
        else
          r_.warn(at, msg);
      }
    }
    sc.target = t;
  }

  void load_ready(const YAML::Node& n, ReadySpec& rs) {
    if (!r_.need_map(n, "target.ready")) return;
    YAML::Node timeout = absent();
    int kinds = 0;
    r_.each_key(n, "target.ready", kReadyKeys, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
      if (key == "timeout") {
        timeout.reset(v);
        if (auto d = r_.duration(v, "target.ready.timeout", false)) rs.timeout = *d;
        return;
      }
      if (++kinds > 1) {
        r_.error(k, "target.ready: give one of delay, stdout, stderr, file or port, not several");
        return;
      }
      if (key == "delay") {
        rs.kind = ReadySpec::Delay;
        if (auto d = r_.duration(v, "target.ready.delay", true)) rs.delay = *d;
      } else if (key == "stdout" || key == "stderr") {
        rs.kind = key == "stdout" ? ReadySpec::Stdout : ReadySpec::Stderr;
        if (auto s = r_.str(v, "target.ready." + key)) {
          std::string bad = regex_problem(*s);
          if (!bad.empty()) r_.error(v, "target.ready." + key + ": " + bad);
          rs.pattern = *s;
        }
      } else if (key == "port") {
        rs.kind = ReadySpec::Port;
        if (auto c = r_.count(v, "target.ready.port", 1)) {
          if (*c > 65535)
            r_.error(v, "target.ready.port: " + std::to_string(*c) + " is not a TCP port (1-65535)");
          else
            rs.port = (int)*c;
        }
      } else {
        rs.kind = ReadySpec::File;
        if (auto s = r_.str(v, "target.ready.file")) {
          if (s->empty()) r_.error(v, "target.ready.file is empty");
          rs.file = *s;
        }
      }
    });
    if (kinds == 0) r_.error(n, "target.ready: give one of delay, stdout, stderr, file or port");
    if (timeout.IsDefined() && rs.kind == ReadySpec::Delay)
      r_.error(timeout, "target.ready.timeout applies to stdout, stderr, file and port, not delay");
  }

  void load_stop(const YAML::Node& n, StopSpec& st) {
    if (!r_.need_map(n, "target.stop")) return;
    r_.each_key(n, "target.stop", kStopKeys, [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
      if (key == "signal") {
        if (auto s = r_.signal(v, "target.stop.signal")) st.signal = *s;
      } else if (key == "exit_codes") {
        if (!v.IsSequence()) {
          r_.error(v, "target.stop.exit_codes: expected a list of exit statuses ([1, 2]), got " + describe_node(v));
          return;
        }
        for (const auto& e : v) {
          auto c = r_.count(e, "target.stop.exit_codes element", 0);
          if (!c) continue;
          if (*c > 255)
            r_.error(e, "target.stop.exit_codes: " + std::to_string(*c) + " is not an exit status (0-255)");
          else
            st.exit_codes.push_back((int)*c);
        }
      } else if (auto d = r_.duration(v, "target.stop.grace", true)) {
        st.grace = *d;
      }
    });
  }

  void load_sampling(const YAML::Node& n, SamplingSpec& s) {
    if (!r_.need_map(n, "sampling")) return;
    r_.each_key(n, "sampling", kSamplingKeys, [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
      if (key == "interval") {
        if (auto d = r_.duration(v, "sampling.interval", false)) {
          if (*d < 0.001)
            r_.error(v, "sampling.interval must be at least 1ms");
          else
            s.interval = *d;
        }
      } else if (key == "backend") {
        if (auto c = r_.choice(v, "sampling.backend", backend_names())) s.backend = *parse_backend(*c);
      } else if (key == "slab_caches") {
        if (auto a = r_.argv(v, "sampling.slab_caches")) {
          s.slab_caches = *a;
          for (const auto& c : *a)
            if (std::string bad = slab_cache_problem(c); !bad.empty()) r_.error(v, "sampling.slab_caches: " + bad);
        }
      } else if (key == "attribution") {
        if (auto c = r_.choice(v, "sampling.attribution", {"auto", "on", "off"}))
          s.attribution = *c == "on"    ? AttributionChoice::On
                          : *c == "off" ? AttributionChoice::Off
                                        : AttributionChoice::Auto;
      } else if (auto d = r_.duration(v, "sampling.settle_timeout", true)) {
        s.settle_timeout = *d;
      }
    });
  }

  void load_phases(const YAML::Node& n, Scenario& sc) {
    if (!n.IsSequence() || n.size() == 0) {
      r_.error(n, "phases: expected a list of phases (- name: ...), got " +
                      (n.IsSequence() ? std::string("an empty list") : describe_node(n)));
      return;
    }
    std::vector<std::pair<std::string, int>> names;  // name, line
    for (const auto& p : n) {
      if (!r_.need_map(p, "phase")) continue;
      PhaseSpec ph;
      ph.loc = r_.loc(p);
      YAML::Node name = absent(), workloads = absent();
      bool has_duration = false;
      r_.each_key(p, "phase", kPhaseKeys, [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
        if (key == "name") {
          name.reset(v);
        } else if (key == "duration") {
          has_duration = true;
          if (auto d = r_.duration(v, "duration", false)) ph.duration = *d;
        } else {
          workloads.reset(v);
        }
      });
      if (!name.IsDefined()) {
        r_.error(p, "phase: missing 'name'");
      } else if (auto s = r_.str(name, "phase name")) {
        ph.name = *s;
        if (!valid_name(*s)) {
          r_.error(name, "phase name: '" + *s + "' is not a valid name; use lowercase letters, digits and '-'");
        } else {
          for (const auto& [other, line] : names) {
            if (other == *s) {
              r_.error(name, "duplicate phase name '" + *s + "'" +
                                 (line ? " (first at line " + std::to_string(line) + ")" : ""));
              break;
            }
          }
          names.emplace_back(*s, r_.loc(name).line);
        }
      }
      std::string what = ph.name.empty() ? "phase" : "phase '" + ph.name + "'";
      bool wrote_workloads = false;
      if (workloads.IsDefined() && !workloads.IsNull()) {
        if (!workloads.IsSequence()) {
          r_.error(workloads, what + ": workloads: expected a list (- kind: ...), got " + describe_node(workloads));
        } else {
          wrote_workloads = workloads.size() > 0;
          std::vector<YAML::Node> nodes;
          for (const auto& w : workloads) {
            WorkloadSpec ws;
            if (load_workload(w, ws)) {
              ph.workloads.push_back(std::move(ws));
              nodes.push_back(w);
            }
          }
          name_workloads(ph, nodes, has_duration, what);
        }
      }
      if (!has_duration && !wrote_workloads)
        r_.error(p, what + " has neither a duration nor workloads; give it one or both");
      sc.phases.push_back(std::move(ph));
    }
  }

  // Names every workload of a phase uniquely (testcase names, overrides, reports): `name:` as
  // written, else the kind, numbered from the second of a kind ("netns", "netns-2"). Also
  // refuses `count: 0` (until the phase ends) in a phase that has no duration to end it.
  void name_workloads(PhaseSpec& ph, const std::vector<YAML::Node>& nodes, bool has_duration, const std::string& what) {
    auto field = [](const YAML::Node& n, const char* key) {
      for (auto it = n.begin(); it != n.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == key) return YAML::Node(it->second);
      return YAML::Node(n);
    };
    std::map<std::string, int> line_of;
    for (size_t i = 0; i < ph.workloads.size(); i++) {
      const WorkloadSpec& w = ph.workloads[i];
      if (w.name.empty()) continue;
      if (line_of.count(w.name))
        r_.error(field(nodes[i], "name"), what + ": duplicate workload name '" + w.name + "' (first at line " +
                                              std::to_string(line_of[w.name]) + ")");
      else
        line_of[w.name] = r_.loc(nodes[i]).line;
    }
    for (size_t i = 0; i < ph.workloads.size(); i++) {
      WorkloadSpec& w = ph.workloads[i];
      if (w.params.has("count") && w.params.count("count") == 0 && !has_duration)
        r_.error(field(nodes[i], "count"), what + ": count 0 runs " + w.kind +
                                               " until the phase ends, but the phase has no duration; give it one");
      if (!w.name.empty()) continue;
      std::string name = w.kind;
      for (int k = 2; line_of.count(name); k++) name = w.kind + "-" + std::to_string(k);
      w.name = name;
      line_of[name] = r_.loc(nodes[i]).line;
    }
  }

  // Returns true when the kind is known (the spec is kept even if a field is bad, so
  // checks on its events do not report a second, misleading problem).
  bool load_workload(const YAML::Node& n, WorkloadSpec& w) {
    if (!r_.need_map(n, "workload")) return false;
    w.loc = r_.loc(n);
    YAML::Node kind_node = absent();
    for (auto it = n.begin(); it != n.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == "kind") kind_node.reset(it->second);
    std::vector<std::string> kinds = workload_kind_names();
    if (!kind_node.IsDefined()) {
      r_.error(n, "workload: missing 'kind' (one of " + join_words(kinds) + ")");
      return false;
    }
    auto kname = r_.str(kind_node, "kind");
    if (!kname) return false;
    const WorkloadKind* kind = find_workload_kind(*kname);
    if (!kind) {
      std::string m = closest_match(*kname, kinds);
      r_.error(kind_node, "unknown workload kind '" + *kname + "'" + (m.empty() ? "" : "; did you mean '" + m + "'?") +
                              " (kinds: " + join_words(kinds) + ")");
      return false;
    }
    w.kind = kind->name;
    std::vector<std::string> known = {"kind", "name"};
    for (const auto& f : kind->fields) known.push_back(f.name);
    std::map<std::string, YAML::Node> given;
    r_.each_key(n, "workload " + w.kind, known, [&](const std::string& key, const YAML::Node&, const YAML::Node& v) {
      if (key == "kind") return;
      given[key].reset(v);
      if (key == "name") {
        if (auto s = r_.str(v, "workload name")) {
          if (!valid_name(*s))
            r_.error(v, "workload name: '" + *s + "' is not a valid name; use lowercase letters, digits and '-'");
          else
            w.name = *s;
        }
        return;
      }
      for (const auto& f : kind->fields)
        if (key == f.name)
          if (auto pv = r_.field(f, v, key)) w.params.values[key] = *pv;
    });
    std::set<std::string> written;
    for (const auto& f : kind->fields) {
      if (given.count(f.name))
        written.insert(f.name);
      else if (!f.def)
        r_.error(n, "workload " + w.kind + ": missing '" + f.name + "'");
    }
    fill_defaults(kind->fields, w.params, written);  // a field written with a bad value gets none
    // Combinations the kind refuses and sizes the kernel will refuse: say so now, naming the
    // limit, not after a long run.
    if (kind->check)
      for (const auto& p : kind->check(w.params)) {
        const YAML::Node& at = given.count(p.field) ? given[p.field] : n;
        if (p.warning)
          r_.warn(at, p.message);
        else
          r_.error(at, p.message);
      }
    return true;
  }

  YamlReader& r_;
  const LoadOptions& opts_;
};

// Line (1-based) of a "---" that starts a second document, or 0. A document marker at the
// start of a line is always a marker in YAML, even inside a scalar.
int second_document_line(const std::string& yaml) {
  bool content = false;
  int line = 0;
  for (const auto& l : split(yaml, '\n')) {
    line++;
    bool marker = l.compare(0, 3, "---") == 0 && (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    if (marker && content) return line;
    if (marker) {
      content = l.find_first_not_of(" \t\r", 3) != std::string::npos && l[l.find_first_not_of(" \t\r", 3)] != '#';
      continue;
    }
    size_t b = l.find_first_not_of(" \t\r");
    if (b != std::string::npos && l[b] != '#' && !(b == 0 && l[0] == '%')) content = true;
  }
  return 0;
}

void tidy(std::vector<Diagnostic>& diags, size_t first) {
  // In file order (flag problems, which have no line, first), each problem once.
  std::stable_sort(diags.begin() + first, diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.col < b.col;
  });
  std::vector<Diagnostic> out(diags.begin(), diags.begin() + first);
  std::unordered_set<std::string> seen;
  for (size_t i = first; i < diags.size(); i++)
    if (seen.insert(diags[i].str()).second) out.push_back(std::move(diags[i]));
  diags.swap(out);
}

}  // namespace

std::optional<Scenario> load_scenario_string(const std::string& yaml, const std::string& name_for_errors,
                                             const LoadOptions& opts, std::vector<Diagnostic>& diags) {
  size_t first = diags.size();
  YamlReader r(name_for_errors, diags);
  Scenario sc;
  // yaml-cpp reports problems by throwing; nothing may escape this function.
  try {
    YAML::Node root = absent();
    try {
      // Not YAML::LoadAll: in yaml-cpp 0.7 it loops allocating forever on inputs such as ",".
      if (int line = second_document_line(yaml)) {
        r.error_at(line, 1, "a scenario file holds one YAML document; another starts here");
        tidy(diags, first);
        return std::nullopt;
      }
      root.reset(YAML::Load(yaml));
    } catch (const YAML::Exception& e) {
      int line = e.mark.is_null() ? 0 : e.mark.line + 1, col = e.mark.is_null() ? 0 : e.mark.column + 1;
      r.error_at(line, col, "YAML syntax: " + e.msg);
      tidy(diags, first);
      return std::nullopt;
    }
    for (const auto& text : opts.overrides) {
      OverrideSource src;
      std::string err = apply_override(root, text, src);
      r.overrides.push_back(std::move(src));
      if (!err.empty()) r.error_at(0, 0, err);
    }
    if (!opts.target_argv.empty()) {
      OverrideSource src;
      std::string err = apply_target_argv(root, opts.target_argv, src);
      r.overrides.push_back(std::move(src));
      if (!err.empty()) r.error_at(0, 0, err);
    }
    ScenarioLoader(r, opts).load(root, sc);
  } catch (const std::exception& e) {
    r.error_at(0, 0, std::string("cannot read the scenario: ") + e.what());
  } catch (...) {
    r.error_at(0, 0, "cannot read the scenario: unexpected failure");
  }
  tidy(diags, first);
  if (r.failed()) return std::nullopt;
  return sc;
}

std::optional<Scenario> load_scenario_file(const std::string& path, const LoadOptions& opts,
                                           std::vector<Diagnostic>& diags) {
  // A regular file of bounded size only: a FIFO would block, /dev/zero never ends.
  std::string text, why;
  if (!read_regular_file(path, kMaxScenarioBytes, text, why)) {
    Diagnostic d;
    d.file = path;
    d.message = "cannot read the scenario: " + why;
    diags.push_back(d);
    return std::nullopt;
  }
  auto sc = load_scenario_string(text, path, opts, diags);
  if (sc) sc->file = path;
  return sc;
}

void print_diagnostics(const std::vector<Diagnostic>& diags, FILE* out) {
  size_t shown = 0, hidden = 0, hidden_errors = 0;
  std::string file;
  for (const auto& d : diags) {
    if (shown < kMaxDiagnosticsShown) {
      fprintf(out, "%s\n", d.str().c_str());
      shown++;
    } else {
      hidden++;
      hidden_errors += d.severity == Diagnostic::Error;
      if (file.empty()) file = d.file;
    }
  }
  if (hidden)
    fprintf(out, "%s: ... and %zu more problem%s (%zu error%s) not shown\n", file.c_str(), hidden,
            hidden == 1 ? "" : "s", hidden_errors, hidden_errors == 1 ? "" : "s");
}

}  // namespace lg

// SPDX-License-Identifier: MIT
#include "harness/scenario/overrides.h"

#include "harness/base/strings.h"

#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/units.h"

namespace lg {

namespace {

// Records `n` and its children. Bounded: a value may hold aliases that loop back on itself.
void collect(const YAML::Node& n, std::vector<YAML::Node>& out, int depth) {
  if (depth > 32 || out.size() > 10000) return;
  out.push_back(n);
  if (n.IsSequence()) {
    for (const auto& c : n) collect(c, out, depth + 1);
  } else if (n.IsMap()) {
    for (const auto& kv : n) {
      collect(kv.first, out, depth + 1);
      collect(kv.second, out, depth + 1);
    }
  }
}

// The key node and value node of `key` in map `m`; false when absent.
bool find_key(const YAML::Node& m, const std::string& key, YAML::Node& k, YAML::Node& v) {
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      k.reset(it->first);  // reset: operator= on a Node would write through it
      v.reset(it->second);
      return true;
    }
  }
  return false;
}

// Index of the element `seg` names in sequence `s`: a number, or the `name`/`kind` of a map.
// Returns -1 and fills `names` with what could have been meant.
long find_element(const YAML::Node& s, const std::string& seg, std::vector<std::string>& names) {
  auto idx = parse_count(seg);
  if (idx && seg.find_first_not_of("0123456789") == std::string::npos)
    return *idx < (int64_t)s.size() ? (long)*idx : -1;
  for (const char* field : {"name", "kind"}) {
    long i = 0, found = -1, matches = 0;
    for (const auto& e : s) {
      if (e.IsMap()) {
        YAML::Node k, v;
        if (find_key(e, field, k, v) && v.IsScalar()) {
          if (v.Scalar() == seg) found = i, matches++;
          names.push_back(v.Scalar());
        }
      }
      i++;
    }
    if (matches == 1) return found;
  }
  return -1;
}

std::string join_path(const std::vector<std::string>& segs, size_t n) {
  std::string p;
  for (size_t i = 0; i < n && i < segs.size(); i++) p += (i ? "." : "") + segs[i];
  return p;
}

}  // namespace

bool OverrideSource::owns(const YAML::Node& n) const {
  for (const auto& o : nodes)
    if (o.is(n)) return true;
  return false;
}

std::string apply_override(YAML::Node& root, const std::string& text, OverrideSource& src) {
  src.flag = "--set " + text;
  size_t eq = text.find('=');
  if (eq == std::string::npos) return "--set " + text + ": expected PATH=VALUE";
  std::string path = text.substr(0, eq);
  std::string flag = "--set " + path;
  std::vector<std::string> segs = split(path, '.');
  for (const auto& s : segs)
    if (s.empty()) return flag + ": empty element in the path";
  YAML::Node value;
  try {
    value.reset(YAML::Load(text.substr(eq + 1)));
  } catch (const YAML::Exception& e) {
    return flag + ": the value is not valid YAML: " + e.msg;
  }
  if (!root.IsMap()) {
    if (!root.IsNull()) return flag + ": the scenario is not a map";
    root = YAML::Node(YAML::NodeType::Map);
  }
  YAML::Node cur = root;
  for (size_t i = 0; i < segs.size(); i++) {
    const std::string& seg = segs[i];
    bool last = i + 1 == segs.size();
    if (cur.IsMap()) {
      YAML::Node k, v;
      bool found = find_key(cur, seg, k, v);
      if (last) {
        cur[seg] = value;
        if (!found) find_key(cur, seg, k, v);
        src.nodes.push_back(k);
        break;
      }
      if (!found || v.IsNull()) {
        cur[seg] = YAML::Node(YAML::NodeType::Map);
        find_key(cur, seg, k, v);
        src.nodes.push_back(k);
        src.nodes.push_back(v);  // "target: missing 'command'" then names the flag
      } else if (v.IsScalar()) {
        return flag + ": '" + join_path(segs, i + 1) + "' is a value, not a map or a list";
      }
      cur.reset(v);
    } else if (cur.IsSequence()) {
      std::vector<std::string> names;
      long idx = find_element(cur, seg, names);
      if (idx < 0) {
        std::string msg = flag + ": '" + join_path(segs, i) + "' has no element '" + seg + "' (" +
                          std::to_string(cur.size()) + " elements";
        std::string m = closest_match(seg, names);
        return msg + (m.empty() ? ")" : "); did you mean '" + m + "'?");
      }
      if (last) {
        cur[(size_t)idx] = value;
        break;
      }
      YAML::Node next = cur[(size_t)idx];
      if (!next.IsMap() && !next.IsSequence())
        return flag + ": '" + join_path(segs, i + 1) + "' is a value, not a map or a list";
      cur.reset(next);
    } else {
      return flag + ": '" + join_path(segs, i) + "' is a value, not a map or a list";
    }
  }
  collect(value, src.nodes, 0);
  return "";
}

std::string apply_target_argv(YAML::Node& root, const std::vector<std::string>& argv, OverrideSource& src) {
  src.flag = "--target";
  if (!root.IsMap()) {
    if (!root.IsNull()) return "--target: the scenario is not a map";
    root = YAML::Node(YAML::NodeType::Map);
  }
  YAML::Node k, target;
  if (!find_key(root, "target", k, target) || target.IsNull()) {
    root["target"] = YAML::Node(YAML::NodeType::Map);
    find_key(root, "target", k, target);
    src.nodes.push_back(k);
    src.nodes.push_back(target);
  } else if (!target.IsMap()) {
    return "--target: 'target' in the scenario is not a map";
  }
  YAML::Node cmd(YAML::NodeType::Sequence);
  for (const auto& a : argv) cmd.push_back(a);
  target["command"] = cmd;
  YAML::Node ck, cv;
  find_key(target, "command", ck, cv);
  src.nodes.push_back(ck);
  collect(cmd, src.nodes, 0);
  return "";
}

}  // namespace lg

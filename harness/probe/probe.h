// SPDX-License-Identifier: MIT
#pragma once
// `leakguard probe`: what this machine can do, each capability tried for real.
#include <string>
#include <vector>

namespace lg {

struct ProbeItem {
  std::string key;    // stable id: "iter.task_file", "cap.bpf", "netns.create", ...
  std::string label;  // what a person reads: "BPF iterator task_file"
  bool ok = false;
  std::string detail;  // the value or, on no, why
  std::string cost;    // on no: what it costs the user ("" when nothing)
};

struct ProbeReport {
  std::vector<ProbeItem> items;
  bool bpf_backend = false;     // the BPF census can run
  bool procfs_backend = false;  // the procfs census can run
  std::string summary;          // one line
  const ProbeItem* find(const std::string& key) const;
  bool ok(const std::string& key) const {
    const ProbeItem* i = find(key);
    return i && i->ok;
  }
};

ProbeReport run_probe();

// Pieces that can be tested without privileges.
unsigned long long parse_cap_eff(const std::string& status_text);  // CapEff from /proc/PID/status
std::string probe_text(const ProbeReport& r);                      // one line per item
std::string probe_json(const ProbeReport& r);                      // one JSON object

}  // namespace lg

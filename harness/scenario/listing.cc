// SPDX-License-Identifier: MIT
#include "harness/scenario/listing.h"

#include <algorithm>
#include <cstring>

#include "harness/base/metrics.h"
#include "harness/base/params.h"
#include "harness/base/strings.h"
#include "harness/scenario/yaml_reader.h"
#include "harness/workloads/workload.h"

namespace lg {

namespace {
std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); }

std::string backends_text(unsigned b) {
  std::string out;
  for (Backend k : {Backend::Bpf, Backend::Procfs})
    if (b & backend_bit(k)) out += (out.empty() ? "" : ",") + std::string(backend_name(k));
  if (b & kTracker) out += (out.empty() ? "" : ",") + std::string("tracker");
  return out.empty() ? "none" : out;
}
}  // namespace

const char* field_type_name(int type) {
  switch ((FieldType)type) {
    case FieldType::Count: return "count";
    case FieldType::Duration: return "duration";
    case FieldType::Rate: return "rate";
    case FieldType::Size: return "size";
    case FieldType::Bool: return "bool";
    case FieldType::String: return "string";
    case FieldType::Enum: return "enum";
    case FieldType::Argv: return "argv";
    case FieldType::Signal: return "signal";
  }
  return "?";
}

std::string list_metrics_text() {
  size_t wn = 6, wu = 4;
  for (const auto& m : metric_catalogue()) wn = std::max(wn, m.name.size()), wu = std::max(wu, strlen(m.unit));
  for (const auto& f : metric_families()) wn = std::max(wn, f.pattern().size()), wu = std::max(wu, strlen(f.unit));
  std::string out =
      pad("METRIC", wn + 1) + pad("UNIT", wu + 1) + pad("SCOPE", 7) + pad("BACKENDS", 11) + "DESCRIPTION\n";
  auto line = [&](const std::string& name, const std::string& unit, Scope scope, unsigned b, const std::string& desc) {
    out += pad(name, wn + 1) + pad(unit, wu + 1) + pad(scope == Scope::Target ? "target" : "system", 7) +
           pad(backends_text(b), 11) + desc + "\n";
  };
  for (const auto& m : metric_catalogue()) line(m.name, m.unit, m.scope, m.backends, m.description);
  for (const auto& f : metric_families()) {
    std::string desc = f.description;
    if (f.id == MetricFamilyId::sys_slab)
      desc += " (sampling.slab_caches; default: " + join_words(default_slab_caches()) + ")";
    line(f.pattern(), f.unit, f.scope, f.backends, desc);
  }
  return out;
}

std::string list_workloads_text() {
  std::string out;
  for (const auto* k : workload_kinds()) {
    out += std::string(k->name) + ": " + k->description + "\n";
    out += std::string("  one event: ") + k->event + "\n";
    // Three aligned columns per kind: name, type, default; then the one-line doc.
    std::vector<std::string> types, defs;
    size_t wf = 0, wt = 0, wd = 0;
    for (const auto& f : k->fields) {
      std::string type = field_type_name((int)f.type);
      if (f.type == FieldType::Enum) {
        type += " (";
        for (size_t i = 0; i < f.choices.size(); i++) type += (i ? "|" : "") + f.choices[i];
        type += ")";
      }
      if (f.type == FieldType::Count && f.min != 1) type += " >= " + std::to_string(f.min);
      std::string def = !f.def ? "required" : *f.def ? std::string("default ") + f.def : "optional";
      wf = std::max(wf, strlen(f.name));
      wt = std::max(wt, type.size());
      wd = std::max(wd, def.size());
      types.push_back(type);
      defs.push_back(def);
    }
    for (size_t i = 0; i < k->fields.size(); i++)
      out += "  " + pad(k->fields[i].name, wf + 1) + pad(types[i], wt + 1) + pad(defs[i], wd + 1) + k->fields[i].doc +
             "\n";
  }
  return out;
}

}  // namespace lg

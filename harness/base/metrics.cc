// SPDX-License-Identifier: MIT
#include "harness/base/metrics.h"

#include <dirent.h>

#include <algorithm>
#include <memory>

#include "harness/base/strings.h"

namespace lg {

const std::vector<MetricInfo>& metric_catalogue() {
  static const std::vector<MetricInfo> c = {
#define LG_METRIC_INFO(group, name, unit, scope, backends, doc, gap) \
  {#group "." #name, unit, Scope::scope, backends, doc, gap},
      LG_METRICS(LG_METRIC_INFO)
#undef LG_METRIC_INFO
  };
  return c;
}

const MetricInfo& metric_info(MetricId id) { return metric_catalogue()[static_cast<size_t>(id)]; }

#define LG_FD_KIND_COUNT(...) +1
static_assert(static_cast<int>(MetricId::fd_other) - static_cast<int>(MetricId::fd_file) + 1 ==
                  0 LG_FD_KINDS(LG_FD_KIND_COUNT, _),
              "the fd.<kind> metrics follow each other in the order of bpf/fd_kinds.h");
#undef LG_FD_KIND_COUNT

MetricId fd_kind_metric(int census_fd_kind) {
  return static_cast<MetricId>(static_cast<int>(MetricId::fd_file) + census_fd_kind);
}

const std::vector<MetricFamily>& metric_families() {
  static const std::vector<MetricFamily> f = {
#define LG_FAMILY_INFO(id, prefix, placeholder, unit, scope, backends, doc) \
  {MetricFamilyId::id, prefix, placeholder, unit, Scope::scope, backends, doc},
      LG_METRIC_FAMILIES(LG_FAMILY_INFO)
#undef LG_FAMILY_INFO
  };
  return f;
}

const MetricFamily& metric_family(MetricFamilyId id) { return metric_families()[static_cast<size_t>(id)]; }

const MetricFamily* find_metric_family(std::string_view name) {
  for (const auto& f : metric_families()) {
    std::string_view prefix = f.prefix;
    if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix) return &f;
  }
  return nullptr;
}

bool is_slab_metric(std::string_view name) {
  return find_metric_family(name) == &metric_family(MetricFamilyId::sys_slab);
}

std::string slab_metric_name(std::string_view cache) { return metric_family(MetricFamilyId::sys_slab).member(cache); }

bool find_metric_id(std::string_view name, MetricId& id) {
  const auto& c = metric_catalogue();
  for (size_t i = 0; i < c.size(); i++)
    if (c[i].name == name) {
      id = static_cast<MetricId>(i);
      return true;
    }
  return false;
}

const MetricInfo* find_metric(std::string_view name) {
  MetricId id;
  if (find_metric_id(name, id)) return &metric_info(id);
  const MetricFamily* f = find_metric_family(name);
  if (!f) return nullptr;
  // One entry per member asked for, kept for the life of the program.
  static std::vector<std::unique_ptr<MetricInfo>> members;
  for (const auto& m : members)
    if (m->name == name) return m.get();
  members.push_back(
      std::make_unique<MetricInfo>(MetricInfo{std::string(name), f->unit, f->scope, f->backends, f->description, ""}));
  return members.back().get();
}

const std::vector<std::string>& default_slab_caches() {
  static const std::vector<std::string> c = {"net_namespace", "filp", "task_struct", "sock_inode_cache"};
  return c;
}

std::string suggest_metric(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& m : metric_catalogue()) names.push_back(m.name);
  return closest_match(name, names);
}

std::vector<std::string> live_slab_caches() {
  std::vector<std::string> out;
  DIR* d = opendir("/sys/kernel/slab");
  if (!d) return out;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.' && e->d_name[0] != ':') out.push_back(e->d_name);  // ":a-0000192": merged ids
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string slab_cache_problem(const std::string& cache) {
  std::vector<std::string> live = live_slab_caches();
  if (live.empty() || std::binary_search(live.begin(), live.end(), cache)) return "";
  std::string m = closest_match(cache, live);
  return "no slab cache '" + cache + "' on this kernel" + (m.empty() ? "" : "; did you mean '" + m + "'?") +
         " (/sys/kernel/slab lists them)";
}

}  // namespace lg

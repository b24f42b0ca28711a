// SPDX-License-Identifier: MIT
// docs/metrics.md against the metric catalogue, both ways; `leakguard list` output.
#include <map>
#include <set>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/strings.h"
#include "harness/scenario/listing.h"
#include "harness/workloads/workload.h"
#include "scenario/scenario_util.h"

namespace {

struct DocRow {
  std::string unit, scope, backends;
};

// Lines of the markdown table whose header starts with `header` ("| Metric |").
std::vector<std::string> table(const std::string& text, const std::string& header) {
  std::vector<std::string> out;
  bool in = false;
  for (const auto& line : lg::split(text, '\n')) {
    if (lg::starts_with(line, header))
      in = true;
    else if (in && !lg::starts_with(line, "|"))
      break;
    else if (in && lg::starts_with(line, "| `"))
      out.push_back(line);
  }
  return out;
}

// Rows of the metric table in docs/metrics.md: "| `name` | unit | scope | backends | description |".
std::map<std::string, DocRow> doc_rows(const std::string& text, std::vector<std::string>& problems) {
  std::map<std::string, DocRow> rows;
  for (const auto& line : table(text, "| Metric |")) {
    auto cells = lg::split(line, '|');  // "", name, unit, scope, backends, description, ""
    if (cells.size() != 7) {
      problems.push_back("malformed row: " + line);
      continue;
    }
    std::string name = lg::trim(cells[1]);
    name = name.substr(1, name.size() - 2);  // strip backticks
    if (rows.count(name)) problems.push_back("listed twice: " + name);
    rows[name] = {lg::trim(cells[2]), lg::trim(cells[3]), lg::trim(cells[4])};
  }
  return rows;
}

std::string backends(unsigned b) {
  if ((b & lg::kBothBackends) == lg::kBothBackends) return "bpf, procfs";
  if (b == lg::kTracker) return "tracker";
  return (b & lg::kBpf) ? "bpf" : "procfs";
}

}  // namespace

TEST(Catalogue, DocsMetricsMatchesTheCode) {
  std::string path = std::string(LEAKGUARD_SOURCE_DIR) + "/docs/metrics.md";
  std::string text = lg::read_file(path);
  ASSERT_FALSE(text.empty()) << "cannot read " << path;
  std::vector<std::string> problems;
  auto rows = doc_rows(text, problems);
  std::set<std::string> in_code;
  for (const auto& m : lg::metric_catalogue()) {
    in_code.insert(m.name);
    auto it = rows.find(m.name);
    if (it == rows.end()) {
      problems.push_back("in the catalogue, missing from docs/metrics.md: " + m.name);
      continue;
    }
    if (it->second.unit != m.unit)
      problems.push_back(m.name + ": unit " + it->second.unit + " in the docs, " + m.unit + " in the code");
    std::string scope = m.scope == lg::Scope::Target ? "target" : "system";
    if (it->second.scope != scope)
      problems.push_back(m.name + ": scope " + it->second.scope + " in the docs, " + scope + " in the code");
    if (it->second.backends != backends(m.backends))
      problems.push_back(m.name + ": backends " + it->second.backends + " in the docs, " + backends(m.backends) +
                         " in the code");
  }
  for (const auto& f : lg::metric_families()) {
    in_code.insert(f.pattern());
    auto it = rows.find(f.pattern());
    if (it == rows.end()) {
      problems.push_back("a family in the catalogue, missing from docs/metrics.md: " + f.pattern());
      continue;
    }
    if (it->second.unit != f.unit) problems.push_back(f.pattern() + ": unit " + it->second.unit + " in the docs");
    if (it->second.backends != backends(f.backends))
      problems.push_back(f.pattern() + ": backends " + it->second.backends + " in the docs");
  }
  for (const auto& [name, row] : rows)
    if (!in_code.count(name)) problems.push_back("in docs/metrics.md, not in the catalogue: " + name);
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_TRUE(problems.empty()) << all;
  EXPECT_EQ(rows.size(), lg::metric_catalogue().size() + lg::metric_families().size());
}

TEST(Catalogue, DocsEventsMatchWorkloadKinds) {
  std::string text = lg::read_file(std::string(LEAKGUARD_SOURCE_DIR) + "/docs/metrics.md");
  auto rows = table(text, "| Kind |");
  ASSERT_EQ(rows.size(), lg::workload_kinds().size());
  for (size_t i = 0; i < rows.size(); i++) {
    const auto* k = lg::workload_kinds()[i];
    EXPECT_EQ(rows[i], std::string("| `") + k->name + "` | " + k->event + " |");
  }
}

TEST(Catalogue, ListMetrics) {
  std::string out = lg::list_metrics_text();
  auto lines = lg::split(out, '\n');
  ASSERT_GE(lines.size(), lg::metric_catalogue().size() + 2);
  EXPECT_TRUE(lg::starts_with(lines[0], "METRIC"));
  for (size_t i = 0; i < lg::metric_catalogue().size(); i++) {
    const auto& m = lg::metric_catalogue()[i];
    const std::string& l = lines[i + 1];
    EXPECT_TRUE(lg::starts_with(l, m.name + " ")) << l;
    EXPECT_NE(l.find(std::string(" ") + m.unit + " "), std::string::npos) << l;
    EXPECT_NE(l.find(m.scope == lg::Scope::Target ? " target " : " system "), std::string::npos) << l;
    EXPECT_NE(l.find(m.description), std::string::npos) << l;
  }
  EXPECT_NE(out.find("sys.netns"), std::string::npos);
  EXPECT_NE(out.find("sys.slab.<cache>"), std::string::npos);
  // The procfs-only gap shows: sys.netns is BPF only.
  for (const auto& l : lines) {
    if (!lg::starts_with(l, "sys.netns ")) continue;
    EXPECT_NE(l.find(" bpf "), std::string::npos) << l;
  }
}

TEST(Catalogue, ListWorkloads) {
  std::string out = lg::list_workloads_text();
  for (const auto* k : lg::workload_kinds()) {
    EXPECT_NE(out.find(std::string(k->name) + ": " + k->description + "\n"), std::string::npos) << k->name;
    for (const auto& f : k->fields) {
      EXPECT_NE(out.find(std::string("  ") + f.name + " "), std::string::npos) << f.name;
      EXPECT_NE(out.find(f.doc), std::string::npos) << f.doc;
    }
  }
  EXPECT_NE(out.find("concurrency count"), std::string::npos) << out;
  EXPECT_NE(out.find("default 64"), std::string::npos) << out;
  EXPECT_NE(out.find("enum (hash|lru_hash|percpu_hash|lpm_trie|array)"), std::string::npos) << out;
}

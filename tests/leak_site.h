// SPDX-License-Identifier: MIT
#pragma once
// Finds the `// LEAK-SITE: <name>` markers of the reference targets (targets/README.md
// defines them), so a test that expects "the leak comes from nstuner.cc:136" asks for
// leak_site::find("nstuner-netns") and never hard-codes a line number.
//
//   leak_site::Site s = leak_site::find("nstuner-netns");
//   ASSERT_EQ(s.error, "");
//   EXPECT_EQ(frame.file_line(), s.where());   // "nstuner.cc:136"
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace leak_site {

struct Site {
  std::string name;   // "nstuner-netns"
  std::string file;   // relative to the source tree: "targets/nstuner.cc"
  int line = 0;       // 1-based line of the code that creates the leaked object
  std::string code;   // that line, trimmed
  std::string error;  // find(): why there is no such site ("" when found)

  std::string basename() const { return std::filesystem::path(file).filename().string(); }
  std::string where() const { return basename() + ":" + std::to_string(line); }  // "nstuner.cc:136"
  std::string path() const { return std::string(LEAKGUARD_SOURCE_DIR) + "/" + file; }
};

inline std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// A name is lowercase words joined by '-': "goagent-map".
inline bool valid_name(const std::string& n) {
  if (n.empty() || n.front() == '-' || n.back() == '-' || n.find("--") != std::string::npos) return false;
  return std::all_of(n.begin(), n.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// Every marker in one file's text. A marker is `// LEAK-SITE: name`, either after the code
// on the creating line, or alone on the line just before it. Problems go to `errors` as
// "file:line: what".
inline std::vector<Site> parse(const std::string& file, const std::string& text, std::vector<std::string>& errors) {
  static const std::string kTag = "// LEAK-SITE:";
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<Site> sites;
  for (size_t i = 0; i < lines.size(); i++) {
    size_t at = lines[i].find(kTag);
    if (at == std::string::npos) continue;
    std::string where = file + ":" + std::to_string(i + 1) + ": ";
    Site s;
    s.name = trim(lines[i].substr(at + kTag.size()));
    s.file = file;
    if (!valid_name(s.name)) {
      errors.push_back(where + "bad LEAK-SITE name '" + s.name + "' (lowercase words joined by '-')");
      continue;
    }
    std::string before = trim(lines[i].substr(0, at));
    size_t code_line = before.empty() ? i + 1 : i;  // alone: the site is the next line
    std::string code = code_line < lines.size() ? trim(lines[code_line]) : "";
    if (code.empty() || code.rfind("//", 0) == 0 || code.rfind("/*", 0) == 0) {
      errors.push_back(where + "LEAK-SITE " + s.name + " is followed by no code line");
      continue;
    }
    s.line = (int)code_line + 1;
    s.code = before.empty() ? code : before;
    sites.push_back(s);
  }
  return sites;
}

// Every marker under targets/ and bpf/ of the source tree, in C, C++ and Go sources.
inline std::vector<Site> all(std::vector<std::string>& errors) {
  namespace fs = std::filesystem;
  std::vector<Site> sites;
  const fs::path root = LEAKGUARD_SOURCE_DIR;
  for (const char* dir : {"targets", "bpf"}) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root / dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string ext = it->path().extension().string();
      if (!it->is_regular_file() || (ext != ".cc" && ext != ".c" && ext != ".h" && ext != ".go")) continue;
      std::ifstream f(it->path());
      std::stringstream text;
      text << f.rdbuf();
      auto found = parse(fs::relative(it->path(), root).string(), text.str(), errors);
      sites.insert(sites.end(), found.begin(), found.end());
    }
    if (ec) errors.push_back((root / dir).string() + ": " + ec.message());
  }
  std::sort(sites.begin(), sites.end(), [](const Site& a, const Site& b) { return a.name < b.name; });
  for (size_t i = 1; i < sites.size(); i++)
    if (sites[i].name == sites[i - 1].name)
      errors.push_back(sites[i].file + ":" + std::to_string(sites[i].line) + ": LEAK-SITE " + sites[i].name +
                       " is also at " + sites[i - 1].where());
  return sites;
}

// The one site called `name`; its `error` says why when there is none, several, or a
// malformed marker anywhere.
inline Site find(const std::string& name) {
  std::vector<std::string> errors;
  Site found;
  int n = 0;
  for (const Site& s : all(errors))
    if (s.name == name) {
      found = s;
      n++;
    }
  if (!errors.empty())
    found.error = errors.front();
  else if (n == 0)
    found.error = "no LEAK-SITE marker named " + name + " under targets/ or bpf/";
  found.name = name;
  return found;
}

}  // namespace leak_site

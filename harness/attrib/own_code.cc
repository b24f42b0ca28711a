// SPDX-License-Identifier: MIT
#include "harness/attrib/own_code.h"

#include "harness/base/fs.h"
#include "harness/base/strings.h"

namespace lg {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool system_path(const std::string& p) {
  for (const char* pre : {"/lib/", "/lib64/", "/usr/", "/nix/store/"})
    if (starts_with(p, pre)) return true;
  return false;
}

// A Go source file of a dependency: in the module cache, vendored, or a module@version path
// (what -trimpath leaves of the module cache).
bool go_dependency_file(const std::string& p) {
  return p.find("/pkg/mod/") != std::string::npos || starts_with(p, "vendor/") ||
         p.find("/vendor/") != std::string::npos || p.find("@v") != std::string::npos;
}

}  // namespace

std::string go_package(const std::string& function) {
  std::string s = function.substr(0, function.find('['));  // generic type arguments hold paths
  size_t slash = s.rfind('/');
  size_t dot = s.find('.', slash == std::string::npos ? 0 : slash + 1);
  return dot == std::string::npos ? "" : s.substr(0, dot);
}

bool go_standard_package(const std::string& package) {
  if (package.empty() || package == "main") return false;
  return package.substr(0, package.find('/')).find('.') == std::string::npos;
}

bool own_code(const Frame& f, bool go) {
  if (go) {
    std::string pkg = go_package(f.function);
    if (pkg.empty() || go_standard_package(pkg)) return false;
    return !system_path(f.file) && !go_dependency_file(f.file);
  }
  return !system_path(f.module) && !system_path(f.file) && !ends_with(f.file, ".skel.h");
}

}  // namespace lg

// SPDX-License-Identifier: MIT
// A fresh directory under /tmp for one test, removed with everything in it at the end.
#pragma once

#include <stdlib.h>

#include <string>

namespace lg_test {

struct TmpDir {
  std::string path;
  explicit TmpDir(const std::string& tag) {
    std::string t = "/tmp/lg-" + tag + "-XXXXXX";
    path = mkdtemp(t.data());
  }
  ~TmpDir() { (void)!system(("rm -rf '" + path + "'").c_str()); }
  TmpDir(const TmpDir&) = delete;
  TmpDir& operator=(const TmpDir&) = delete;
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

}  // namespace lg_test

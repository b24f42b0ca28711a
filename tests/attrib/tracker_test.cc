// SPDX-License-Identifier: MIT
// The tracker and its unwinder on a toy target: every fd the toy opens is attributed to the
// source line marked "LEAK-SITE: <name>" in tests/attrib_toy/, whether the toy keeps frame
// pointers or not, from a thread, from a shared library, inlined, and stripped with its debug
// info apart.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>

#include "bpf/census.h"
#include "harness/attrib/symbolize.h"
#include "harness/attrib/tracker.h"

namespace lg {
namespace {

const std::string kBin = LEAKGUARD_BIN_DIR;
const std::string kSrc = LEAKGUARD_SOURCE_DIR;

// Line of "LEAK-SITE: name" in a source file (0 when absent).
int marker_line(const std::string& file, const std::string& name) {
  std::ifstream in(file);
  std::string line;
  for (int n = 1; std::getline(in, line); n++) {
    size_t at = line.find("// LEAK-SITE: " + name);
    if (at == std::string::npos) continue;
    return line.find_first_not_of(" \t") == at ? n + 1 : n;  // alone: the next line
  }
  return 0;
}

struct Toy {
  pid_t pid = -1;
  int in = -1, out = -1;
  bool start(const std::string& exe, const std::string& mode, int count) {
    int a[2], b[2];
    if (pipe2(a, O_CLOEXEC) || pipe2(b, O_CLOEXEC)) return false;
    pid = fork();
    if (pid == 0) {
      dup2(a[0], 0);
      dup2(b[1], 1);
      execl(exe.c_str(), exe.c_str(), mode.c_str(), std::to_string(count).c_str(), (char*)nullptr);
      _exit(127);
    }
    close(a[0]);
    close(b[1]);
    in = a[1];
    out = b[0];
    return pid > 0;
  }
  bool go() {
    char c = 'g', buf[8];
    if (write(in, &c, 1) != 1) return false;
    return read(out, buf, sizeof buf) > 0;  // "done"
  }
  ~Toy() {
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

struct Result {
  int total = 0;        // fds of the toy of `kind`
  int attributed = 0;   // whose stack names `file:line`
  std::string example;  // one symbolised stack, for failure messages
};

Result run_toy(const std::string& exe, const std::string& mode, int count, uint32_t kind, const std::string& file,
               int line) {
  Result res;
  std::string err;
  TrackerOptions o;
  o.tree = true;
  auto t0 = std::chrono::steady_clock::now();
  auto t = Tracker::create(o, err);
  if (!t) {
    ADD_FAILURE() << err;
    return res;
  }
  t->prefill_executable(exe);
  fprintf(stderr, "setup %.3fs (load %.3fs), %zu rows\n",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), t->setup_seconds(),
          t->rows_used());
  Toy toy;
  EXPECT_TRUE(toy.start(exe, mode, count));
  t->add_root(toy.pid);
  EXPECT_TRUE(toy.go());
  Snapshot s;
  EXPECT_TRUE(t->snapshot(s, err)) << err;
  std::map<uint32_t, SymModule> mods;
  for (const auto& m : t->modules()) mods[m.id] = SymModule{m.path, m.build_id, m.fd};
  Symbolizer sym({kBin + "/debug"});
  for (const auto& f : s.fds) {
    if (f.kind != kind || !f.stack) continue;  // not the fds the test runner passed down
    res.total++;
    StackInfo st;
    if (!f.stack || !t->stack(f.stack, st)) continue;
    std::string text;
    bool hit = false;
    for (uint64_t fr : st.frames) {
      auto it = mods.find(fr >> LGA_FRAME_OFF_BITS);
      if (it == mods.end()) {
        text += " ?";
        continue;
      }
      for (const Frame& x : sym.symbolize(it->second, fr & LGA_FRAME_OFF_MASK)) {
        std::string base = x.file.substr(x.file.rfind('/') + 1);
        text += " " + x.function + "(" + base + ":" + std::to_string(x.line) + ")";
        hit |= base == file && x.line == line;
      }
    }
    res.attributed += hit;
    if (res.example.empty() || !hit) res.example = text;
  }
  return res;
}

class Attrib : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (BPF)";
  }
};

TEST_F(Attrib, OpenWithFramePointers) {
  int line = marker_line(kSrc + "/tests/attrib_toy/toy.c", "toy-open");
  ASSERT_GT(line, 0);
  Result r = run_toy(kBin + "/attrib_toy_fp", "main", 50, CENSUS_FD_CHR, "toy.c", line);
  EXPECT_EQ(r.total, 50);
  EXPECT_EQ(r.attributed, 50) << r.example;
}

TEST_F(Attrib, OpenWithoutFramePointers) {
  int line = marker_line(kSrc + "/tests/attrib_toy/toy.c", "toy-open");
  Result r = run_toy(kBin + "/attrib_toy_nofp", "main", 50, CENSUS_FD_CHR, "toy.c", line);
  EXPECT_EQ(r.total, 50);
  EXPECT_EQ(r.attributed, 50) << r.example;
}

TEST_F(Attrib, OpenFromAThread) {
  int line = marker_line(kSrc + "/tests/attrib_toy/toy.c", "toy-open");
  Result r = run_toy(kBin + "/attrib_toy_nofp", "thread", 20, CENSUS_FD_CHR, "toy.c", line);
  EXPECT_EQ(r.total, 20);
  EXPECT_EQ(r.attributed, 20) << r.example;
}

TEST_F(Attrib, OpenInASharedLibrary) {
  int line = marker_line(kSrc + "/tests/attrib_toy/toylib.c", "toylib-open");
  Result r = run_toy(kBin + "/attrib_toy_nofp", "lib", 20, CENSUS_FD_CHR, "toylib.c", line);
  EXPECT_EQ(r.total, 20);
  EXPECT_EQ(r.attributed, 20) << r.example;
}

TEST_F(Attrib, InlinedSocket) {
  int line = marker_line(kSrc + "/tests/attrib_toy/toy.c", "toy-socket");
  Result r = run_toy(kBin + "/attrib_toy_nofp", "socket", 20, CENSUS_FD_SOCKET, "toy.c", line);
  EXPECT_EQ(r.total, 20);
  EXPECT_EQ(r.attributed, 20) << r.example;
}

TEST_F(Attrib, StrippedWithSeparateDebugInfo) {
  int line = marker_line(kSrc + "/tests/attrib_toy/toy.c", "toy-open");
  Result r = run_toy(kBin + "/attrib_toy_stripped", "main", 20, CENSUS_FD_CHR, "toy.c", line);
  EXPECT_EQ(r.total, 20);
  EXPECT_EQ(r.attributed, 20) << r.example;
}

}  // namespace
}  // namespace lg

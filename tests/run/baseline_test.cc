// SPDX-License-Identifier: MIT
// The baseline before launch waits for the judged machine-wide metrics to hold still (issue 17:
// a second scenario counted 214 namespaces of the first one's still being torn down).
#include <gtest/gtest.h>

#include <cmath>

#include "harness/run/baseline.h"

namespace {

struct FakeClock {
  double now = 0;
};

}  // namespace

TEST(Baseline, WaitsUntilTheWatchedColumnHoldsStill) {
  FakeClock c;
  // Column 0: namespaces torn down by 20 every 100 ms from 214 to 14, then still.
  // Column 1: unwatched, moving all the time.
  auto sample = [&](std::vector<double>& v, std::string&) {
    double ns = std::max(14.0, 214 - 20 * std::floor(c.now / 0.1 + 1e-9));
    v = {ns, c.now * 1000};
    return true;
  };
  lg::Baseline b = lg::take_baseline(
      sample, {0}, {"sys.netns", "sys.tasks"}, 1.0, 30, 0.1, [&] { return c.now; }, [&](double s) { c.now += s; });
  EXPECT_TRUE(b.quiet);
  EXPECT_EQ(b.values[0], 14);
  EXPECT_GE(b.waited, 1.85);  // 1 s to fall to 14, then 1 s held (fake clock steps of 0.1)
  EXPECT_LE(b.waited, 2.3);
  EXPECT_EQ(b.note, "");
}

TEST(Baseline, NothingWatchedIsOneReading) {
  FakeClock c;
  int readings = 0;
  auto sample = [&](std::vector<double>& v, std::string&) {
    readings++;
    v = {1};
    return true;
  };
  lg::Baseline b = lg::take_baseline(
      sample, {}, {"m"}, 1.0, 30, 0.1, [&] { return c.now; }, [&](double s) { c.now += s; });
  EXPECT_EQ(readings, 1);
  EXPECT_TRUE(b.quiet);
  EXPECT_EQ(b.values, std::vector<double>{1});
}

TEST(Baseline, TimeoutSaysWhatMoved) {
  FakeClock c;
  auto sample = [&](std::vector<double>& v, std::string&) {
    v = {100 + std::fmod(std::round(c.now * 10), 7)};  // another tenant, never still
    return true;
  };
  lg::Baseline b = lg::take_baseline(
      sample, {0}, {"sys.bpf_maps"}, 1.0, 3, 0.1, [&] { return c.now; }, [&](double s) { c.now += s; });
  EXPECT_FALSE(b.quiet);
  EXPECT_GE(b.waited, 3.0);
  EXPECT_LT(b.waited, 3.3);
  EXPECT_NE(b.note.find("the baseline before launch never held still within 3s (sys.bpf_maps between 100 and 106 "
                        "in the last 1s)"),
            std::string::npos)
      << b.note;
}

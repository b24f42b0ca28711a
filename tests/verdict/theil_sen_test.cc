// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "harness/verdict/judge.h"

using namespace lg;

TEST(TheilSen, ExactLineHasItsSlopeAndANarrowInterval) {
  std::vector<double> x, y;
  for (int i = 0; i < 200; i++) x.push_back(i * 10), y.push_back(3 + 0.25 * i * 10);
  SlopeEstimate e = theil_sen(x, y);
  EXPECT_DOUBLE_EQ(e.slope, 0.25);
  EXPECT_DOUBLE_EQ(e.low, 0.25);
  EXPECT_DOUBLE_EQ(e.high, 0.25);
  EXPECT_EQ(e.n, 200u);
}

TEST(TheilSen, IntervalCoversTheTrueSlopeUnderNoiseAndOutliers) {
  int covered = 0;
  for (int seed = 1; seed <= 40; seed++) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0, 2);
    std::vector<double> x, y;
    for (int i = 0; i < 300; i++) {
      double v = 10 + 0.01 * i + std::round(g(rng));
      if (i % 37 == 0) v += 500;  // spikes must not drag the estimate
      x.push_back(i), y.push_back(v);
    }
    SlopeEstimate e = theil_sen(x, y);
    EXPECT_NEAR(e.slope, 0.01, 0.006) << "seed " << seed;
    EXPECT_LE(e.low, e.slope);
    EXPECT_GE(e.high, e.slope);
    covered += e.low <= 0.01 && 0.01 <= e.high;
  }
  EXPECT_GE(covered, 34);  // a 95% interval, with some slack for 40 draws
}

TEST(TheilSen, ConstantIntegerSeriesIsExactlyFlat) {
  std::vector<double> x, y;
  for (int i = 0; i < 500; i++) x.push_back(i), y.push_back(i % 50 == 7 ? 8 : 7);  // rare blips
  SlopeEstimate e = theil_sen(x, y);
  EXPECT_EQ(e.slope, 0);
  EXPECT_EQ(e.low, 0);
  EXPECT_EQ(e.high, 0);
}

TEST(TheilSen, DuplicateXCollapseToTheirMedian) {
  // Samples taken while no event happened share x; their median stands for them.
  std::vector<double> x = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3};
  std::vector<double> y = {0, 100, 0, 2, 2, -50, 4, 4, 4, 6, 90, 6};
  SlopeEstimate e = theil_sen(x, y);
  EXPECT_EQ(e.n, 4u);
  EXPECT_DOUBLE_EQ(e.slope, 2);
}

TEST(TheilSen, UnsortedInputGivesTheSameEstimate) {
  std::vector<double> x, y;
  for (int i = 0; i < 100; i++) x.push_back(i), y.push_back(2 * i + (i % 3));
  SlopeEstimate a = theil_sen(x, y);
  std::reverse(x.begin(), x.end());
  std::reverse(y.begin(), y.end());
  SlopeEstimate b = theil_sen(x, y);
  EXPECT_DOUBLE_EQ(a.slope, b.slope);
  EXPECT_DOUBLE_EQ(a.low, b.low);
  EXPECT_DOUBLE_EQ(a.high, b.high);
}

TEST(TheilSen, TooFewPointsGiveAnUnboundedInterval) {
  SlopeEstimate one = theil_sen({1}, {1});
  EXPECT_TRUE(std::isnan(one.slope));
  SlopeEstimate three = theil_sen({0, 1, 2}, {0, 1, 2});
  EXPECT_DOUBLE_EQ(three.slope, 1);
  EXPECT_TRUE(std::isinf(three.low));  // 3 points cannot make a 95% interval
}

TEST(TheilSen, CorrelatedNoiseWidensTheInterval) {
  // A random walk has no trend but long excursions; the interval must admit that.
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x, walk, white;
  double w = 0;
  for (int i = 0; i < 400; i++) {
    w += g(rng);
    x.push_back(i), walk.push_back(w), white.push_back(g(rng));
  }
  SlopeEstimate a = theil_sen(x, walk), b = theil_sen(x, white);
  EXPECT_GT(a.high - a.low, 5 * (b.high - b.low));
}

TEST(TheilSen, LongSeriesAreBinnedAndKeepTheirSlope) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g(0, 3);
  std::vector<double> x, y;
  for (int i = 0; i < 100000; i++) x.push_back(i), y.push_back(std::round(0.002 * i + g(rng)));
  SlopeEstimate e = theil_sen(x, y);
  EXPECT_EQ(e.n, kMaxSlopePoints);
  EXPECT_NEAR(e.slope, 0.002, 0.0002);
  EXPECT_LT(e.low, 0.002 + 1e-4);
  EXPECT_GT(e.high, 0.002 - 1e-4);
  EXPECT_GT(e.low, 0.0015);
}

TEST(ReducePoints, CollapsesSortsAndBins) {
  std::vector<double> x = {3, 1, 2, 2, 1}, y = {30, 10, 19, 21, 12};
  reduce_points(x, y, 10);
  ASSERT_EQ(x.size(), 3u);
  EXPECT_EQ(x, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(y, (std::vector<double>{11, 20, 30}));

  std::vector<double> bx, by;
  for (int i = 0; i < 1000; i++) bx.push_back(i), by.push_back(i * 2);
  reduce_points(bx, by, 10);
  ASSERT_EQ(bx.size(), 10u);
  for (size_t b = 0; b < 10; b++) {
    EXPECT_DOUBLE_EQ(bx[b], b * 100 + 49.5);
    EXPECT_DOUBLE_EQ(by[b], 2 * bx[b]);
  }
}

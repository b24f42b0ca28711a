// SPDX-License-Identifier: MIT
// Safe writes and the output directory, against what a hostile user of a shared directory plants:
// links at the temp and final names, links in the path, FIFOs and devices, foreign files, a
// second run, a plots/ replaced by a link.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "harness/base/fs.h"
#include "harness/base/out_dir.h"
#include "harness/base/safe_file.h"
#include "tmp_dir.h"

namespace lg {
namespace {

using lg_test::TmpDir;

void put(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(write(fd, text.data(), text.size()), (ssize_t)text.size());
  close(fd);
}

bool is_link(const std::string& p) {
  struct stat st;
  return lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

TEST(SafeFile, PlantedLinksAtTheTempAndTheFinalNameAreNeverWrittenThrough) {
  TmpDir d("safe");
  put(d / "victim", "precious");
  // The old writer opened PATH.tmp with O_TRUNC and followed this link.
  ASSERT_EQ(symlink((d / "victim").c_str(), (d / "all.xml.tmp").c_str()), 0);
  ASSERT_EQ(symlink((d / "victim").c_str(), (d / "all.xml").c_str()), 0);
  std::string err;
  ASSERT_TRUE(write_file(d / "all.xml", "<testsuites/>", err)) << err;
  EXPECT_EQ(read_file(d / "victim"), "precious");
  EXPECT_FALSE(is_link(d / "all.xml")) << "the link at the final name is replaced, not followed";
  EXPECT_EQ(read_file(d / "all.xml"), "<testsuites/>");
  EXPECT_TRUE(is_link(d / "all.xml.tmp")) << "somebody else's file is left alone";
}

TEST(SafeFile, RefusesToReplaceFifosDevicesAndDirectories) {
  TmpDir d("safe");
  ASSERT_EQ(mkfifo((d / "fifo").c_str(), 0644), 0);
  std::string err;
  EXPECT_FALSE(write_file(d / "fifo", "x", err));
  EXPECT_NE(err.find("a FIFO, not a regular file"), std::string::npos) << err;
  struct stat st;
  ASSERT_EQ(lstat((d / "fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_FALSE(check_output_file("/dev/null", err));
  EXPECT_NE(err.find("character device"), std::string::npos) << err;
  ASSERT_EQ(mkdir((d / "dir").c_str(), 0755), 0);
  EXPECT_FALSE(check_output_file(d / "dir", err));
  EXPECT_FALSE(check_output_file(d / "missing/x.xml", err));
  EXPECT_NE(err.find("does not exist"), std::string::npos) << err;
  EXPECT_TRUE(check_output_file(d / "new.xml", err)) << err;
  EXPECT_NE(access((d / "new.xml").c_str(), F_OK), 0) << "a check creates nothing";
}

TEST(SafeFile, ALinkInThePathIsFollowedOnlyWhenNobodyElseCouldHavePlantedIt) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to make a link owned by another user";
  TmpDir d("safe");
  ASSERT_EQ(chmod(d.path.c_str(), 01777), 0);  // like /tmp
  ASSERT_EQ(mkdir((d / "real").c_str(), 0755), 0);
  ASSERT_EQ(symlink((d / "real").c_str(), (d / "mine").c_str()), 0);
  ASSERT_EQ(symlink((d / "real").c_str(), (d / "theirs").c_str()), 0);
  ASSERT_EQ(lchown((d / "theirs").c_str(), 65534, 65534), 0);
  Dir out;
  std::string err;
  EXPECT_TRUE(Dir::open(d / "mine", false, out, err)) << err;
  EXPECT_FALSE(Dir::open(d / "theirs/sub", true, out, err));
  EXPECT_NE(err.find("symbolic link owned by uid 65534"), std::string::npos) << err;
  EXPECT_NE(access((d / "real/sub").c_str(), F_OK), 0) << "nothing made through the planted link";
  EXPECT_FALSE(write_file(d / "theirs/all.xml", "x", err));
  EXPECT_FALSE(Dir::check_writable(d / "theirs", err));
  // The same link in a directory only root can write is root's doing: followed.
  ASSERT_EQ(chmod(d.path.c_str(), 0755), 0);
  EXPECT_TRUE(Dir::open(d / "theirs", false, out, err)) << err;
}

TEST(SafeFile, ReadRegularFileNeverBlocksOnAFifoNorReadsADevice) {
  TmpDir d("safe");
  ASSERT_EQ(mkfifo((d / "fifo").c_str(), 0644), 0);
  std::string text, err;
  EXPECT_FALSE(read_regular_file(d / "fifo", 1024, text, err));  // returns at once: no writer needed
  EXPECT_NE(err.find("FIFO"), std::string::npos) << err;
  EXPECT_FALSE(read_regular_file("/dev/zero", 1024, text, err));
  EXPECT_NE(err.find("character device"), std::string::npos) << err;
  put(d / "big", std::string(2000, 'x'));
  EXPECT_FALSE(read_regular_file(d / "big", 1024, text, err));
  EXPECT_NE(err.find("larger than 1024 bytes"), std::string::npos) << err;
  EXPECT_TRUE(read_regular_file(d / "big", 4096, text, err)) << err;
  EXPECT_EQ(text.size(), 2000u);
}

TEST(SafeFile, AtomicFileLeavesNoTempBehindWhenAbandoned) {
  TmpDir d("safe");
  Dir dir;
  std::string err;
  ASSERT_TRUE(Dir::open(d.path, false, dir, err)) << err;
  {
    AtomicFile f;
    ASSERT_TRUE(f.open(dir, "series.json", err)) << err;
    EXPECT_TRUE(f.write("{"));
  }
  EXPECT_TRUE(dir.list().empty()) << dir.list()[0];
  AtomicFile f;
  ASSERT_TRUE(f.open(dir, "series.json", err));
  std::string big(1 << 20, 'a');
  EXPECT_TRUE(f.write(big));
  EXPECT_TRUE(f.commit(err)) << err;
  EXPECT_EQ(read_file(d / "series.json").size(), big.size());
  EXPECT_EQ(dir.list().size(), 1u);
}

// A previous run's files, listed in its manifest.
void previous_run(const std::string& root) {
  OutputDir o;
  Dir r;
  std::string err;
  pid_t holder;
  ASSERT_TRUE(Dir::open(root, true, r, err)) << err;
  ASSERT_TRUE(o.open(r, "scn", true, err, holder)) << err;
  ASSERT_TRUE(o.write("series.json", "{}", err)) << err;
  ASSERT_TRUE(o.write("report.html", "<html/>", err)) << err;
  ASSERT_TRUE(o.write("plots/fd.total.svg", "<svg/>", err)) << err;
}

TEST(OutputDir, ClearRemovesOnlyWhatLeakguardWroteAndUserFilesSurvive) {
  TmpDir d("safe");
  previous_run(d.path);
  put(d / "scn/notes.txt", "mine");
  put(d / "scn/plots/my.svg", "mine too");
  std::string err;
  EXPECT_TRUE(OutputDir::check(d.path, "scn", err)) << err;
  Dir r;
  ASSERT_TRUE(Dir::open(d.path, false, r, err));
  OutputDir o;
  pid_t holder;
  ASSERT_TRUE(o.open(r, "scn", false, err, holder)) << err;
  ASSERT_TRUE(o.clear(err)) << err;
  EXPECT_NE(access((d / "scn/series.json").c_str(), F_OK), 0);
  EXPECT_NE(access((d / "scn/plots/fd.total.svg").c_str(), F_OK), 0);
  EXPECT_EQ(read_file(d / "scn/notes.txt"), "mine");
  EXPECT_EQ(read_file(d / "scn/plots/my.svg"), "mine too");
}

TEST(OutputDir, AFileItDidNotWriteIsNeverReplaced) {
  TmpDir d("safe");
  ASSERT_EQ(mkdir((d / "scn").c_str(), 0755), 0);
  put(d / "scn/junit.xml", "the user's own");
  std::string err;
  EXPECT_FALSE(OutputDir::check(d.path, "scn", err));
  EXPECT_NE(err.find("junit.xml exists and was not written by leakguard"), std::string::npos) << err;
  Dir r;
  ASSERT_TRUE(Dir::open(d.path, false, r, err));
  OutputDir o;
  pid_t holder;
  ASSERT_TRUE(o.open(r, "scn", false, err, holder)) << err;
  EXPECT_FALSE(o.write("junit.xml", "<testsuites/>", err));
  EXPECT_EQ(read_file(d / "scn/junit.xml"), "the user's own");
}

TEST(OutputDir, ASecondUserIsRefusedAndToldThePidThatHoldsIt) {
  TmpDir d("safe");
  Dir r;
  std::string err;
  ASSERT_TRUE(Dir::open(d.path, false, r, err));
  OutputDir first, second;
  pid_t holder = 0;
  ASSERT_TRUE(first.open(r, "scn", true, err, holder)) << err;
  EXPECT_FALSE(second.open(r, "scn", true, err, holder));
  EXPECT_EQ(holder, getpid());
  EXPECT_NE(err.find("in use by another leakguard (pid " + std::to_string(getpid())), std::string::npos) << err;
  EXPECT_TRUE(first.is_open()) << "the refused one takes nothing from the holder";
  EXPECT_EQ(access((d / "scn").c_str(), F_OK), 0);
}

TEST(OutputDir, APlotsDirectoryReplacedByALinkCostsItsTargetNothing) {
  TmpDir d("safe");
  previous_run(d.path);
  ASSERT_EQ(mkdir((d / "elsewhere").c_str(), 0755), 0);
  put(d / "elsewhere/fd.total.svg", "someone's chart");
  put(d / "elsewhere/other.svg", "another");
  ASSERT_EQ(system(("rm -rf '" + d / "scn/plots" + "'").c_str()), 0);
  ASSERT_EQ(symlink((d / "elsewhere").c_str(), (d / "scn/plots").c_str()), 0);
  std::string err;
  EXPECT_FALSE(OutputDir::check(d.path, "scn", err));
  Dir r;
  ASSERT_TRUE(Dir::open(d.path, false, r, err));
  OutputDir o;
  pid_t holder;
  ASSERT_TRUE(o.open_path(d / "scn", err, holder, true)) << err;
  EXPECT_FALSE(o.prune_plots({}, err));
  EXPECT_FALSE(o.write("plots/fd.total.svg", "<svg/>", err));
  EXPECT_NE(err.find("plots"), std::string::npos) << err;
  EXPECT_EQ(read_file(d / "elsewhere/fd.total.svg"), "someone's chart");
  EXPECT_EQ(read_file(d / "elsewhere/other.svg"), "another");
}

TEST(OutputDir, AForeignManifestListsNothing) {
  TmpDir d("safe");
  ASSERT_EQ(mkdir((d / "scn").c_str(), 0755), 0);
  put(d / "scn/precious", "keep");
  put(d / "scn/.leakguard-manifest", "leakguard-manifest 1\nprecious\n../../etc/passwd\n");
  ASSERT_EQ(chmod((d / "scn/.leakguard-manifest").c_str(), 0666), 0);  // others could have written it
  std::string err;
  EXPECT_FALSE(OutputDir::check(d.path, "scn", err));
  EXPECT_NE(err.find("was not written by leakguard"), std::string::npos) << err;
  EXPECT_FALSE(manifest_entry_ok("../../etc/passwd"));
  EXPECT_FALSE(manifest_entry_ok("plots/../x"));
  EXPECT_FALSE(manifest_entry_ok(".leakguard-lock"));
  EXPECT_TRUE(manifest_entry_ok("plots/fd.total.svg"));
  EXPECT_EQ(read_file(d / "scn/precious"), "keep");
}

}  // namespace
}  // namespace lg

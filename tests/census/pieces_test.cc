// SPDX-License-Identifier: MIT
// Unprivileged pieces of the census: parsing, classification, the column set.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>

#include "harness/base/cgroup.h"
#include "harness/base/metrics.h"
#include "harness/base/procfs.h"
#include "harness/census/backends.h"
#include "harness/census/columns.h"
#include "harness/census/fd_links.h"
#include "harness/census/own_objects.h"
#include "harness/census/slabs.h"

namespace lg {
namespace {

TEST(FdKindFromLink, EveryKindProcfsShows) {
  EXPECT_EQ(fd_kind_from_link("socket:[123]"), CENSUS_FD_SOCKET);
  EXPECT_EQ(fd_kind_from_link("pipe:[9]"), CENSUS_FD_PIPE);
  EXPECT_EQ(fd_kind_from_link("net:[4026531840]"), CENSUS_FD_NETNS);
  EXPECT_EQ(fd_kind_from_link("uts:[4026531838]"), CENSUS_FD_NSFS_OTHER);
  EXPECT_EQ(fd_kind_from_link("pid_for_children:[4026531836]"), CENSUS_FD_NSFS_OTHER);
  EXPECT_EQ(fd_kind_from_link("anon_inode:bpf-map"), CENSUS_FD_BPF_MAP);
  EXPECT_EQ(fd_kind_from_link("anon_inode:bpf-prog"), CENSUS_FD_BPF_PROG);
  EXPECT_EQ(fd_kind_from_link("anon_inode:bpf_link"), CENSUS_FD_BPF_LINK);
  EXPECT_EQ(fd_kind_from_link("anon_inode:[perf_event]"), CENSUS_FD_PERF_EVENT);
  EXPECT_EQ(fd_kind_from_link("anon_inode:[eventfd]"), CENSUS_FD_EVENTFD);
  EXPECT_EQ(fd_kind_from_link("anon_inode:[eventpoll]"), CENSUS_FD_EPOLL);
  EXPECT_EQ(fd_kind_from_link("anon_inode:[timerfd]"), CENSUS_FD_TIMERFD);
  EXPECT_EQ(fd_kind_from_link("anon_inode:[signalfd]"), CENSUS_FD_SIGNALFD);
  EXPECT_EQ(fd_kind_from_link("anon_inode:[pidfd]"), CENSUS_FD_PIDFD);
  EXPECT_EQ(fd_kind_from_link("anon_inode:[io_uring]"), CENSUS_FD_ANON_OTHER);
  EXPECT_EQ(fd_kind_from_link("anon_inode:inotify"), CENSUS_FD_ANON_OTHER);
  EXPECT_EQ(fd_kind_from_link("/tmp/net:[x]"), -1);  // a path: needs stat
  EXPECT_EQ(fd_kind_from_link("/memfd:a (deleted)"), -1);
  EXPECT_EQ(fd_kind_from_link("weird"), CENSUS_FD_OTHER);
  EXPECT_EQ(fd_kind_from_link("Odd:[1]"), CENSUS_FD_OTHER);
}

TEST(FdKindFromMode, FileTypes) {
  EXPECT_EQ(census_fd_kind_of_mode(S_IFREG | 0644), CENSUS_FD_FILE);
  EXPECT_EQ(census_fd_kind_of_mode(S_IFDIR | 0755), CENSUS_FD_DIR);
  EXPECT_EQ(census_fd_kind_of_mode(S_IFIFO), CENSUS_FD_PIPE);
  EXPECT_EQ(census_fd_kind_of_mode(S_IFSOCK), CENSUS_FD_SOCKET);
  EXPECT_EQ(census_fd_kind_of_mode(S_IFCHR), CENSUS_FD_CHR);
  EXPECT_EQ(census_fd_kind_of_mode(S_IFBLK), CENSUS_FD_OTHER);
}

TEST(FdKindFromMagic, FilesystemsDecideWhatTheyCan) {
  EXPECT_EQ(fd_kind_from_magic(0x534F434B), CENSUS_FD_SOCKET);  // sockfs
  EXPECT_EQ(fd_kind_from_magic(0x50495045), CENSUS_FD_PIPE);    // pipefs
  EXPECT_EQ(fd_kind_from_magic(0x50494446), CENSUS_FD_PIDFD);   // pidfs
  EXPECT_EQ(fd_kind_from_magic(0x09041934), kCensusFdAnon);     // anon_inodefs: the name decides
  EXPECT_EQ(fd_kind_from_magic(0x6e736673), kCensusFdNsfs);     // nsfs: the namespace type decides
  EXPECT_EQ(fd_kind_from_magic(0xEF53), -1);                    // ext4: the inode mode decides
  EXPECT_EQ(fd_kind_from_magic(0x01021994), -1);                // tmpfs
}

TEST(ClassifyProcFd, OwnFdsByWhatTheyAre) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  int net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto kind = [](int fd) {
    char name[16], path[64], link[256];
    snprintf(name, sizeof name, "%d", fd);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link);
    return classify_proc_fd(getpid(), name, std::string_view(link, n > 0 ? n : 0));
  };
  EXPECT_EQ(kind(p[0]), CENSUS_FD_PIPE);
  EXPECT_EQ(kind(net), CENSUS_FD_NETNS);
  EXPECT_EQ(kind(dir), CENSUS_FD_DIR);
  EXPECT_EQ(kind(sock), CENSUS_FD_SOCKET);
  EXPECT_EQ(classify_proc_fd(getpid(), "999999", "/gone"), -1);  // closed meanwhile
  for (int fd : {p[0], p[1], net, dir, sock}) close(fd);
}

TEST(FdKindMetric, NamesAreCatalogueNamesInOrder) {
  const auto& cat = metric_catalogue();
  ASSERT_EQ(cat[0].name, "fd.total");
  for (int k = 0; k < CENSUS_FD_KINDS; k++) EXPECT_EQ(&cat[k + 1], &metric_info(fd_kind_metric(k)));
}

TEST(ProcField, FindsKeysAtLineStartOnly) {
  std::string s = "Name:\tx\nNotThreads: 9\nThreads:\t3\nVmRSS:\t   1234 kB\n";
  EXPECT_EQ(proc_field(s, "Threads:"), 3);
  EXPECT_EQ(proc_field(s, "VmRSS:"), 1234);
  EXPECT_EQ(proc_field(s, "VmSwap:"), -1);
  EXPECT_EQ(proc_field("map_type:\t1\nmap_id:\t42\nmemlock:\t4096\n", "map_id:"), 42);
}

TEST(ParseProcStat, CommWithSpacesAndParens) {
  std::string s = "123 (a b) c)) Z 45 123 123 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 100 0 0";
  ProcStat st;
  ASSERT_TRUE(parse_proc_stat(s, st));
  EXPECT_EQ(st.pid, 123);
  EXPECT_EQ(st.state, 'Z');
  EXPECT_EQ(st.ppid, 45);
  EXPECT_EQ(st.threads, 1);
  EXPECT_TRUE(st.zombie());
  EXPECT_EQ(st.comm, "a b) c)");
  EXPECT_EQ(st.exit_code, 0);  // a short line (old kernel): no exit_code field
  st.threads = 3;              // a leader that exited while its threads run
  EXPECT_FALSE(st.zombie());
  EXPECT_FALSE(parse_proc_stat("garbage", st));
}

TEST(ParseProcStat, ExitCodeOfAZombie) {
  // A full line of kernel 6.x: 52 fields, exit_code last; 9 is SIGKILL's wait status.
  std::string s =
      "4711 (worker) Z 4700 4700 4700 0 -1 4227084 54 0 0 0 0 0 0 0 20 0 1 0 12345 0 0 18446744073709551615 0 0 0 "
      "0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 9";
  ProcStat st;
  ASSERT_TRUE(parse_proc_stat(s, st));
  EXPECT_EQ(st.comm, "worker");
  EXPECT_EQ(st.ppid, 4700);
  EXPECT_EQ(st.exit_code, 9);
}

TEST(LimitsNofileSoft, NumberUnlimitedOrMissing) {
  std::string t =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max open files            1024                 1048576              files     \n"
      "Max locked memory         8388608              8388608              bytes     \n";
  EXPECT_EQ(limits_nofile_soft(t), 1024);
  std::string u = "Max open files            unlimited            unlimited            files\n";
  EXPECT_TRUE(std::isinf(limits_nofile_soft(u)));
  EXPECT_EQ(limits_nofile_soft("Max processes 5 5 processes\n"), -1);
  EXPECT_EQ(limits_nofile_soft("Max open files            lots\n"), -1);
  EXPECT_EQ(limits_nofile_soft("x Max open files 3\n"), -1);  // not at a line start
}

TEST(SlabinfoActive, ReadsSecondColumn) {
  std::string t =
      "slabinfo - version: 2.1\n"
      "# name            <active_objs> <num_objs> ...\n"
      "filp                 974   1071    192   21    1 : tunables 0 0 0 : slabdata 51 51 0\n"
      "filp_x                 5     10    192   21    1 : tunables 0 0 0 : slabdata 1 1 0\n";
  EXPECT_EQ(slabinfo_active(t, "filp"), 974);
  EXPECT_EQ(slabinfo_active(t, "filp_x"), 5);
  EXPECT_EQ(slabinfo_active(t, "fil"), -1);
}

TEST(BuildColumns, CatalogueThenSlabsWithReasons) {
  CensusScope sys;  // System
  CensusOptions o;
  o.slab_caches = {"filp", "no_such_cache_xyz", "filp", "bad/name"};
  std::vector<std::string> names, why, slabs;
  build_columns(Backend::Procfs, sys, o, names, why, slabs);
  const auto& cat = metric_catalogue();
  ASSERT_EQ(names.size(), cat.size() + 3);  // duplicate dropped
  for (size_t i = 0; i < cat.size(); i++) EXPECT_EQ(names[i], cat[i].name);
  EXPECT_EQ(names[cat.size()], "sys.slab.filp");
  EXPECT_EQ(slabs, (std::vector<std::string>{"filp", "no_such_cache_xyz", "bad/name"}));
  EXPECT_NE(why[cat.size() + 1].find("no slab cache named no_such_cache_xyz"), std::string::npos);
  EXPECT_NE(why[cat.size() + 2].find("not a slab cache name"), std::string::npos);
  // System scope: no target; procfs: its catalogue gaps.
  EXPECT_EQ(why[column(names, "fd.total")], "system scope: there is no target");
  EXPECT_EQ(why[column(names, "sys.netns")], find_metric("sys.netns")->procfs_gap);
  EXPECT_EQ(why[column(names, "sys.tasks")], "");

  CensusScope pid;
  pid.kind = CensusScope::Pid;
  pid.pid = 1;
  o.system = false;
  o.slab_caches.clear();
  build_columns(Backend::Bpf, pid, o, names, why, slabs);
  EXPECT_EQ(names.size(), cat.size() + default_slab_caches().size());
  EXPECT_EQ(why[column(names, "bpf.map_entries")], "");
  EXPECT_EQ(why[column(names, "sys.netns")], "system metrics were not requested");
  EXPECT_EQ(why.back(), "system metrics were not requested");
}

TEST(TargetMode, FromScope) {
  CensusScope s;
  EXPECT_EQ(target_mode(s), CENSUS_TARGET_NONE);
  s.kind = CensusScope::Pid;
  s.pid = 5;
  EXPECT_EQ(target_mode(s), CENSUS_TARGET_PID);
  s.kind = CensusScope::Cgroup;
  s.cgroup = "/sys/fs/cgroup/x";
  EXPECT_EQ(target_mode(s), CENSUS_TARGET_CGROUP);
  s.cgroup.clear();
  s.tree_root = 7;
  EXPECT_EQ(target_mode(s), CENSUS_TARGET_TREE);
}

TEST(OwnNames, LeakguardAndLibbpfOnly) {
  EXPECT_TRUE(own_bpf_map_name("libbpf_global"));
  EXPECT_TRUE(own_bpf_map_name("census_b.bss"));
  EXPECT_TRUE(own_bpf_map_name("lgc_slab_names"));
  EXPECT_TRUE(own_bpf_map_name("lga_stacks"));  // the attribution tracker's
  EXPECT_TRUE(own_bpf_map_name("attrib_b.bss"));
  EXPECT_TRUE(own_bpf_prog_name("lga_sys_exit"));
  EXPECT_FALSE(own_bpf_map_name("fdzoo"));
  EXPECT_TRUE(own_bpf_prog_name("lgc_file"));
  EXPECT_FALSE(own_bpf_prog_name("fdzoo"));
}

TEST(Scope, MissingThingsAreOneLineErrors) {
  std::string err;
  CensusScope s;
  s.kind = CensusScope::Pid;
  s.pid = 0x3ffffff0;  // beyond pid_max
  EXPECT_FALSE(check_census_scope(s, err));
  EXPECT_EQ(err, "process " + std::to_string(s.pid) + " does not exist");
  s.kind = CensusScope::Cgroup;
  s.cgroup = "/nonexistent/cgroup";
  EXPECT_FALSE(check_census_scope(s, err));
  EXPECT_NE(err.find("/nonexistent/cgroup"), std::string::npos);
  s.cgroup = "/tmp";
  EXPECT_FALSE(check_census_scope(s, err));
  EXPECT_NE(err.find("not a cgroup v2 directory"), std::string::npos);
  std::string note;
  EXPECT_EQ(make_census(Backend::Auto, s, CensusOptions{}, err, note), nullptr);
}

}  // namespace
}  // namespace lg

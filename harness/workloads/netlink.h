// SPDX-License-Identifier: MIT
#pragma once
// The two rtnetlink requests the netns workload needs: create a veth pair whose peer lives in
// another namespace, and delete a link by name. One socket per worker thread; the socket
// stays in the namespace it was opened in, whatever namespace the thread moves to later.
// And bringing `lo` up, which netns and connect (`in_netns`) need.
#include <string>

namespace lg {

// Brings lo up in the calling thread's current network namespace (SIOCSIFFLAGS). Returns
// errno or 0.
int loopback_up();

class Rtnl {
 public:
  Rtnl() = default;
  ~Rtnl();
  Rtnl(const Rtnl&) = delete;
  Rtnl& operator=(const Rtnl&) = delete;

  // Opens the socket in the calling thread's current network namespace. Returns errno or 0.
  int open();
  // `ip link add NAME type veth peer name PEER netns PEER_NS_FD`. Returns errno or 0.
  int add_veth(const std::string& name, const std::string& peer, int peer_ns_fd);
  // `ip link del NAME`. Returns errno or 0.
  int del_link(const std::string& name);

 private:
  int request(void* msg, unsigned len);
  int fd_ = -1;
  unsigned seq_ = 0;
};

}  // namespace lg

// SPDX-License-Identifier: MIT
#include "harness/workloads/netlink.h"

#include <net/if.h>
#include <sys/ioctl.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lg {

int loopback_up() {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  ifreq ifr{};
  memcpy(ifr.ifr_name, "lo", 3);
  int e = 0;
  if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    e = errno;
  } else {
    ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) e = errno;
  }
  close(s);
  return e;
}

namespace {

// A fixed buffer message builder: the largest request here is well under 256 bytes.
struct Msg {
  alignas(NLMSG_ALIGNTO) char buf[512];
  nlmsghdr* h() { return reinterpret_cast<nlmsghdr*>(buf); }
  void init(int type, int flags) {
    memset(buf, 0, sizeof buf);
    h()->nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
    h()->nlmsg_type = (unsigned short)type;
    h()->nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
    reinterpret_cast<ifinfomsg*>(NLMSG_DATA(h()))->ifi_family = AF_UNSPEC;
  }
  char* tail() { return buf + NLMSG_ALIGN(h()->nlmsg_len); }
  rtattr* put(int type, const void* data, unsigned len) {
    rtattr* a = reinterpret_cast<rtattr*>(tail());
    a->rta_type = (unsigned short)type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len) memcpy(RTA_DATA(a), data, len);
    h()->nlmsg_len = NLMSG_ALIGN(h()->nlmsg_len) + RTA_ALIGN(a->rta_len);
    return a;
  }
  rtattr* nest(int type) { return put(type, nullptr, 0); }
  void end(rtattr* a) { a->rta_len = (unsigned short)(tail() - reinterpret_cast<char*>(a)); }
};

}  // namespace

Rtnl::~Rtnl() {
  if (fd_ >= 0) close(fd_);
}

int Rtnl::open() {
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) return errno;
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    int e = errno;
    close(fd_);
    fd_ = -1;
    return e;
  }
  return 0;
}

int Rtnl::request(void* m, unsigned len) {
  nlmsghdr* h = static_cast<nlmsghdr*>(m);
  h->nlmsg_seq = ++seq_;
  if (send(fd_, m, len, 0) < 0) return errno;
  // The ack (an NLMSG_ERROR with error 0 on success) is the only reply to these requests.
  alignas(NLMSG_ALIGNTO) char buf[8192];
  for (;;) {
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    for (nlmsghdr* r = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(r, (unsigned)n); r = NLMSG_NEXT(r, n)) {
      if (r->nlmsg_seq != seq_) continue;
      if (r->nlmsg_type == NLMSG_ERROR) return -static_cast<nlmsgerr*>(NLMSG_DATA(r))->error;
    }
  }
}

int Rtnl::add_veth(const std::string& name, const std::string& peer, int peer_ns_fd) {
  if (fd_ < 0) return EBADF;
  Msg m;
  m.init(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.put(IFLA_IFNAME, name.c_str(), (unsigned)name.size() + 1);
  rtattr* info = m.nest(IFLA_LINKINFO);
  m.put(IFLA_INFO_KIND, "veth", 5);
  rtattr* data = m.nest(IFLA_INFO_DATA);
  rtattr* p = m.nest(VETH_INFO_PEER);
  // The peer's attributes follow its own ifinfomsg header.
  m.h()->nlmsg_len = NLMSG_ALIGN(m.h()->nlmsg_len) + sizeof(ifinfomsg);
  m.put(IFLA_IFNAME, peer.c_str(), (unsigned)peer.size() + 1);
  uint32_t nsfd = (uint32_t)peer_ns_fd;
  m.put(IFLA_NET_NS_FD, &nsfd, sizeof nsfd);
  m.end(p);
  m.end(data);
  m.end(info);
  return request(m.buf, m.h()->nlmsg_len);
}

int Rtnl::del_link(const std::string& name) {
  if (fd_ < 0) return EBADF;
  Msg m;
  m.init(RTM_DELLINK, 0);
  m.put(IFLA_IFNAME, name.c_str(), (unsigned)name.size() + 1);
  return request(m.buf, m.h()->nlmsg_len);
}

}  // namespace lg

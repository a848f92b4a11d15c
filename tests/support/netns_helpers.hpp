// SPDX-License-Identifier: MIT
// Test helpers for network namespaces the tests make themselves: a fresh namespace holds only
// its own loopback interface, so nothing in it belongs to the machine's services.
#pragma once

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace tcptable::testing {

// Brings up "lo" in the calling thread's network namespace (a new namespace starts with it
// down; netdevice(7), SIOCSIFFLAGS). Returns 0 or an errno.
inline int bring_loopback_up() {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return errno;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    int err = 0;
    if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
        err = errno;
    } else {
        ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
        if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) err = errno;
    }
    ::close(s);
    return err;
}

// The socket address of `addr` (4 or 16 network-order bytes, by family) and `port`; its length.
inline socklen_t make_sockaddr(int family, const void* addr, std::uint16_t port,
                               sockaddr_storage& ss) {
    ss = {};
    if (family == AF_INET6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        std::memcpy(&a->sin6_addr, addr, 16);
        a->sin6_port = htons(port);
        return sizeof *a;
    }
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    std::memcpy(&a->sin_addr, addr, 4);
    a->sin_port = htons(port);
    return sizeof *a;
}

// A listener on `addr` (an IPv6 one also accepts IPv4-mapped peers when it is ::), ephemeral
// port, given `backlog` and TCP_DEFER_ACCEPT seconds (0: none); port out. The fd or -1.
inline int listen_at(int family, const void* addr, std::uint16_t& port, int backlog = 128,
                     int defer_accept = 0) {
    int s = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    sockaddr_storage ss;
    socklen_t len = make_sockaddr(family, addr, 0, ss);
    if (family == AF_INET6) {
        int off = 0;
        ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    }
    if (defer_accept)
        ::setsockopt(s, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_accept, sizeof defer_accept);
    if (::bind(s, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(s, backlog) != 0 ||
        ::getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        ::close(s);
        return -1;
    }
    port = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                    : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    return s;
}

// Connects to `addr`:`port`; the fd or -1. Loopback connects complete at once.
inline int connect_at(int family, const void* addr, std::uint16_t port) {
    int s = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    sockaddr_storage ss;
    socklen_t len = make_sockaddr(family, addr, port, ss);
    if (::connect(s, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        ::close(s);
        return -1;
    }
    return s;
}

// A plain listening socket on loopback (127.0.0.1 or ::1), ephemeral port. Returns the fd or -1.
inline int loopback_listener(bool v6, std::uint16_t& port) {
    const in_addr v4{htonl(INADDR_LOOPBACK)};
    return v6 ? listen_at(AF_INET6, &in6addr_loopback, port) : listen_at(AF_INET, &v4, port);
}

// Connects to a loopback port; returns the fd or -1.
inline int loopback_connect(bool v6, std::uint16_t port) {
    const in_addr v4{htonl(INADDR_LOOPBACK)};
    return v6 ? connect_at(AF_INET6, &in6addr_loopback, port) : connect_at(AF_INET, &v4, port);
}

// The inode of a socket, as the tables report it.
inline std::uint32_t socket_inode(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return 0;
    return static_cast<std::uint32_t>(st.st_ino);
}

}  // namespace tcptable::testing

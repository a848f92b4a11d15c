// SPDX-License-Identifier: MIT
// Test helpers for network namespaces the tests make themselves: a fresh namespace holds only
// its own loopback interface, so nothing in it belongs to the machine's services.
#pragma once

#include <net/if.h>
#include <netinet/in.h>
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

// A plain listening socket on loopback (127.0.0.1 or ::1), ephemeral port. Returns the fd or -1.
inline int loopback_listener(bool v6, std::uint16_t& port) {
    int s = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    sockaddr_storage ss{};
    socklen_t len;
    if (v6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    }
    if (::bind(s, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(s, 128) != 0 ||
        ::getsockname(s, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        ::close(s);
        return -1;
    }
    port = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                    : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    return s;
}

// Connects to a loopback port; returns the fd or -1. Loopback connects complete at once.
inline int loopback_connect(bool v6, std::uint16_t port) {
    int s = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    int rc;
    if (v6) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        a.sin6_port = htons(port);
        rc = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        rc = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (rc != 0) {
        ::close(s);
        return -1;
    }
    return s;
}

// The inode of a socket, as the tables report it.
inline std::uint32_t socket_inode(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return 0;
    return static_cast<std::uint32_t>(st.st_ino);
}

}  // namespace tcptable::testing

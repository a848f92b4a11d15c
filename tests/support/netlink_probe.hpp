// SPDX-License-Identifier: MIT
// Whether this environment lets a process dump TCP sockets over NETLINK_SOCK_DIAG. Sandboxes
// (seccomp profiles, some containers, kernels without inet_diag) refuse it with EPROTONOSUPPORT,
// EAFNOSUPPORT, EACCES or EPERM, at socket() or as the kernel's answer to the dump; tests that
// need netlink then skip with that reason instead of failing.
//
// The probe makes its own socket and request, never through the library, so no library bug and
// no test seam (set_netlink_refusal) can make a test skip: only the kernel's refusal does. Any
// other outcome (netlink works, or fails some other way) runs the tests, which then fail on
// their own if the library is wrong.
#pragma once

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace tcptable::testing {

namespace netlink_probe_detail {

inline bool is_refusal(int err) {
    return err == EPROTONOSUPPORT || err == EAFNOSUPPORT || err == EACCES || err == EPERM;
}

// "" when a dump of listening IPv4 sockets runs to NLMSG_DONE (or fails for another reason
// than a refusal), otherwise why netlink is refused.
inline std::string probe() {
    const int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        const int err = errno;
        if (is_refusal(err))
            return std::string("socket(AF_NETLINK, NETLINK_SOCK_DIAG): ") + std::strerror(err);
        return {};
    }
    // A watchdog only: the kernel answers a dump as it is read, so this never fires normally.
    timeval tv{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct {
        nlmsghdr h;
        inet_diag_req_v2 r;
    } req{};
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = 1;
    req.r.sdiag_family = AF_INET;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = 1u << TCP_LISTEN;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd, &req, sizeof req, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) <
        0) {
        const int err = errno;
        ::close(fd);
        return is_refusal(err)
                   ? std::string("sending a sock_diag dump request: ") + std::strerror(err)
                   : std::string();
    }
    std::string why;
    alignas(nlmsghdr) char buf[32768];
    // Bounded: a listener dump is a few datagrams; 10 000 is far more than any machine needs.
    for (int datagrams = 0; datagrams < 10000; ++datagrams) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (is_refusal(errno))
                why = std::string("reading the sock_diag dump: ") + std::strerror(errno);
            break;
        }
        bool end = n == 0;
        int len = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); !end && NLMSG_OK(h, len);
             h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE) end = true;
            if (h->nlmsg_type == NLMSG_ERROR) {
                end = true;
                const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
                if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) && is_refusal(-e->error))
                    why = std::string("the kernel refused the sock_diag dump: ") +
                          std::strerror(-e->error);
            }
        }
        if (end) break;
    }
    ::close(fd);
    return why;
}

}  // namespace netlink_probe_detail

// Why NETLINK_SOCK_DIAG is refused here, or "" when it works. Probes once per process (the
// answer does not change while a test runs); call it in the process whose namespace matters.
inline const std::string& netlink_refused_reason() {
    static const std::string why = netlink_probe_detail::probe();
    return why;
}

}  // namespace tcptable::testing

// Skips the calling test (with the kernel's reason) where NETLINK_SOCK_DIAG is refused.
#define TCPTABLE_SKIP_WITHOUT_NETLINK()                                                        \
    do {                                                                                       \
        if (const auto& tcptable_netlink_why_ = ::tcptable::testing::netlink_refused_reason(); \
            !tcptable_netlink_why_.empty())                                                    \
            GTEST_SKIP() << "NETLINK_SOCK_DIAG is refused here: " << tcptable_netlink_why_;    \
    } while (0)

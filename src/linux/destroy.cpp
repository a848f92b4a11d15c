// SPDX-License-Identifier: MIT
// destroy_connection() on Linux: one NETLINK_SOCK_DIAG SOCK_DESTROY request naming the
// connection's endpoints (sock_diag(7); net/ipv4/inet_diag.c, inet_diag_cmd_exact), answered by
// an acknowledgement carrying 0 or -errno.
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <tcptable/error.hpp>

#include "../common/destroy.hpp"
#include "fd.hpp"

namespace tcptable::inline v0_1::detail {

std::error_code platform_destroy_connection(const tcp_row& row) noexcept {
    unique_fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!fd) return {errno, std::system_category()};
    timeval tv{};
    tv.tv_sec = 10;  // the kernel answers at once; never wait forever
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
        return {errno, std::system_category()};

    struct {
        nlmsghdr header;
        inet_diag_req_v2 request;
    } message{};
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DESTROY;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    message.header.nlmsg_seq = 1;
    const bool v4 = row.local_address.is_v4();
    message.request.sdiag_family = v4 ? AF_INET : AF_INET6;
    message.request.sdiag_protocol = IPPROTO_TCP;
    message.request.idiag_states = ~0u;
    inet_diag_sockid& id = message.request.id;
    id.idiag_sport = htons(row.local_port);
    id.idiag_dport = htons(row.remote_port);
    // Network-order bytes on both sides: a copy.
    std::memcpy(id.idiag_src, row.local_address.bytes().data(), v4 ? 4 : 16);
    std::memcpy(id.idiag_dst, row.remote_address.bytes().data(), v4 ? 4 : 16);
    id.idiag_if = row.local_address.scope_id();
    id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent;
    do {
        sent = ::sendto(fd.get(), &message, sizeof message, 0,
                        reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return {errno, std::system_category()};

    alignas(nlmsghdr) unsigned char reply[1024];
    for (int attempt = 0; attempt < 100; ++attempt) {
        const ssize_t n = ::recv(fd.get(), reply, sizeof reply, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return {errno, std::system_category()};
        }
        auto* h = reinterpret_cast<const nlmsghdr*>(reply);
        if (static_cast<std::size_t>(n) < sizeof(nlmsghdr) + sizeof(nlmsgerr) ||
            h->nlmsg_type != NLMSG_ERROR)
            return make_error_code(errc::parse_error);
        nlmsgerr err;
        std::memcpy(&err, NLMSG_DATA(h), sizeof err);
        if (err.error == 0) return {};
        // A kernel without CONFIG_INET_DIAG_DESTROY answers EOPNOTSUPP.
        if (-err.error == EOPNOTSUPP) return make_error_code(errc::not_supported);
        return {-err.error, std::system_category()};
    }
    return {EINTR, std::system_category()};
}

}  // namespace tcptable::inline v0_1::detail

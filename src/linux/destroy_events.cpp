// SPDX-License-Identifier: MIT
#include "destroy_events.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "fd.hpp"
#include "linux_byte_order.hpp"
#include "linux_states.hpp"
#include "netns.hpp"
#include "test_seams.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

// Room for many notifications: a burst fills this before ENOBUFS. Capped by net.core.rmem_max
// for an unprivileged process; a test seam makes it tiny.
constexpr int wanted_receive_buffer = 8 * 1024 * 1024;
// One datagram holds one notification (~300 bytes); this is room for a few.
constexpr std::size_t datagram_buffer_size = 64 * 1024;

ip_address diag_address(std::uint8_t family, const __be32 (&words)[4],
                        std::uint32_t ifindex) noexcept {
    if (family == AF_INET) {
        std::array<std::uint8_t, 4> b;
        std::memcpy(b.data(), words, 4);
        return ip_address::v4(b);
    }
    ip_address::bytes_type b;
    std::memcpy(b.data(), words, 16);
    const ip_address a = ip_address::v6(b);
    return a.is_link_local() ? ip_address::v6(b, ifindex) : a;
}

std::error_code fail(error_info& info, std::size_t offset, std::string message) {
    info.file = destroy_source_name;
    info.line = 0;
    info.message = "byte offset " + std::to_string(offset) + ": " + std::move(message);
    return make_error_code(errc::parse_error);
}

// One inet_diag_msg with its attributes.
std::error_code parse_one(std::span<const std::byte> payload, std::size_t offset,
                          std::vector<tcp_event>& out, error_info& info) {
    inet_diag_msg msg;
    if (payload.size() < sizeof msg) return fail(info, offset, "truncated inet_diag_msg");
    std::memcpy(&msg, payload.data(), sizeof msg);
    if (msg.idiag_family != AF_INET && msg.idiag_family != AF_INET6)
        return fail(info, offset, "unknown address family " + std::to_string(msg.idiag_family));
    auto state = mib_state_from_linux(msg.idiag_state);
    if (!state) return fail(info, offset, "unknown TCP state " + std::to_string(msg.idiag_state));

    tcp_event e;
    e.kind = event_kind::closed;
    e.source = event_source::netlink;
    e.seen_open = false;
    tcp_row& r = e.row;
    r.local_address = diag_address(msg.idiag_family, msg.id.idiag_src, msg.id.idiag_if);
    r.remote_address = diag_address(msg.idiag_family, msg.id.idiag_dst, msg.id.idiag_if);
    r.local_port = port_from_be16(msg.id.idiag_sport);
    r.remote_port = port_from_be16(msg.id.idiag_dport);
    r.state = *state;
    // The notification leaves idiag_uid and idiag_inode zero (inet_diag_handler_get_info):
    // unknown, not root's.
    r.uid = tcp_row::unknown_uid;
    r.inode = 0;
    r.cookie =
        std::uint64_t(msg.id.idiag_cookie[0]) | (std::uint64_t(msg.id.idiag_cookie[1]) << 32);

    // Attributes: struct nlattr, each NLA_ALIGNed.
    std::size_t at = NLMSG_ALIGN(sizeof msg);
    while (at + NLA_HDRLEN <= payload.size()) {
        nlattr a;
        std::memcpy(&a, payload.data() + at, sizeof a);
        if (a.nla_len < NLA_HDRLEN || a.nla_len > payload.size() - at)
            return fail(info, offset + at, "attribute length " + std::to_string(a.nla_len));
        if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_INFO)
            e.has_figures = read_close_figures(payload.data() + at + NLA_HDRLEN,
                                               a.nla_len - NLA_HDRLEN, e.figures);
        at += NLA_ALIGN(a.nla_len);
    }
    out.push_back(e);
    return {};
}

class destroy_source final : public platform_event_source {
  public:
    destroy_source(unique_fd sock, unique_fd wake)
        : sock_(std::move(sock)), wake_(std::move(wake)) {}

    std::error_code read(std::vector<tcp_event>& out, int timeout_ms, std::size_t max_events,
                         bool& lost, error_info& info) noexcept override {
        return guarded(info, [&]() -> std::error_code {
            pollfd p[2] = {{sock_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
            int r = ::poll(p, 2, timeout_ms);
            if (r < 0) return errno == EINTR ? std::error_code{} : os_error(info, "poll", errno);
            if (p[1].revents & POLLIN) {
                std::uint64_t v;
                [[maybe_unused]] auto n = ::read(wake_.get(), &v, sizeof v);
                return {};
            }
            if (r == 0) return {};
            const std::size_t start = out.size();
            while (out.size() - start < max_events) {
                ssize_t n = ::recv(sock_.get(), buffer_.get(), datagram_buffer_size, MSG_DONTWAIT);
                if (n < 0) {
                    if (errno == EINTR) continue;
                    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                    // The kernel dropped notifications: the socket stays usable.
                    if (errno == ENOBUFS) {
                        lost = true;
                        continue;
                    }
                    return os_error(info, "recv(netlink destroy group)", errno);
                }
                auto ec =
                    parse_destroy_datagram({buffer_.get(), static_cast<std::size_t>(n)}, out, info);
                if (ec) return ec;
            }
            return {};
        });
    }

    void interrupt() noexcept override {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
    }

  private:
    unique_fd sock_;
    unique_fd wake_;
    std::unique_ptr<std::byte[]> buffer_{new std::byte[datagram_buffer_size]};
};

std::error_code make_subscribed_socket(unique_fd& fd, error_info& info) {
    fd = unique_fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!fd) return os_error(info, "socket(AF_NETLINK, NETLINK_SOCK_DIAG)", errno);
    int size = seam_state::destroy_receive_buffer.load(std::memory_order_relaxed);
    if (size == 0) size = wanted_receive_buffer;
    // SO_RCVBUFFORCE passes net.core.rmem_max where permitted (CAP_NET_ADMIN); SO_RCVBUF
    // otherwise, capped by it. A smaller buffer still works, overflowing sooner.
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    sockaddr_nl self{};
    self.nl_family = AF_NETLINK;
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&self), sizeof self) != 0)
        return os_error(info, "bind(netlink)", errno);
    for (int group : {SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET6_TCP_DESTROY}) {
        if (::setsockopt(fd.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0)
            return os_error(info,
                            group == SKNLGRP_INET_TCP_DESTROY
                                ? "setsockopt(NETLINK_ADD_MEMBERSHIP, SKNLGRP_INET_TCP_DESTROY)"
                                : "setsockopt(NETLINK_ADD_MEMBERSHIP, SKNLGRP_INET6_TCP_DESTROY)",
                            errno);
    }
    return {};
}

}  // namespace

bool read_close_figures(const std::byte* data, std::size_t size, close_figures& out) noexcept {
    // A kernel's tcp_info may be shorter (older) or longer (newer) than ours: copy what both
    // have, and read a field only when it lies wholly inside what the kernel sent.
    tcp_info ti;
    std::memset(&ti, 0, sizeof ti);
    std::memcpy(&ti, data, size < sizeof ti ? size : sizeof ti);
    auto has = [size](std::size_t off, std::size_t len) { return off + len <= size; };
    if (!has(offsetof(tcp_info, tcpi_rtt), sizeof ti.tcpi_rtt)) return false;
    out = {};
    out.rtt_us = ti.tcpi_rtt;
    if (has(offsetof(tcp_info, tcpi_total_retrans), sizeof ti.tcpi_total_retrans))
        out.total_retrans = ti.tcpi_total_retrans;
    if (has(offsetof(tcp_info, tcpi_bytes_acked), sizeof ti.tcpi_bytes_acked))
        out.bytes_acked = ti.tcpi_bytes_acked;
    if (has(offsetof(tcp_info, tcpi_bytes_received), sizeof ti.tcpi_bytes_received))
        out.bytes_received = ti.tcpi_bytes_received;
    return true;
}

std::error_code parse_destroy_datagram(std::span<const std::byte> datagram,
                                       std::vector<tcp_event>& out, error_info& info) {
    std::size_t offset = 0;
    while (offset < datagram.size()) {
        const std::size_t left = datagram.size() - offset;
        if (left < NLMSG_HDRLEN) return fail(info, offset, "truncated nlmsghdr");
        nlmsghdr h;
        std::memcpy(&h, datagram.data() + offset, sizeof h);
        if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left)
            return fail(info, offset, "nlmsg_len " + std::to_string(h.nlmsg_len));
        const auto payload = datagram.subspan(offset + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN);
        if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
            if (auto ec = parse_one(payload, offset + NLMSG_HDRLEN, out, info)) return ec;
        } else if (h.nlmsg_type == NLMSG_ERROR || h.nlmsg_type == NLMSG_OVERRUN) {
            return fail(info, offset, "unexpected message type " + std::to_string(h.nlmsg_type));
        }
        const std::size_t step = NLMSG_ALIGN(h.nlmsg_len);
        if (step >= left) break;
        offset += step;
    }
    return {};
}

std::error_code open_destroy_events(const std::string& netns,
                                    std::unique_ptr<platform_event_source>& out,
                                    error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        unique_fd sock;
        if (netns.empty()) {
            if (auto ec = make_subscribed_socket(sock, info)) return ec;
        } else {
            netns_spec spec;
            if (auto ec = parse_netns(netns, spec, info)) return ec;
            unique_fd ns;
            if (auto ec = open_netns(spec, ns, info)) return ec;
            if (auto ec = run_in_netns(
                    ns.get(), spec.path,
                    [&](error_info& thread_info) {
                        return make_subscribed_socket(sock, thread_info);
                    },
                    info))
                return ec;
        }
        unique_fd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!wake) return os_error(info, "eventfd", errno);
        out = std::make_unique<destroy_source>(std::move(sock), std::move(wake));
        return {};
    });
}

namespace seam_state {
std::atomic<int> destroy_receive_buffer{0};
}  // namespace seam_state

}  // namespace tcptable::inline v0_1::detail

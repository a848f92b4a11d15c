// SPDX-License-Identifier: MIT
#include "netlink_parser.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "linux_byte_order.hpp"
#include "linux_states.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

constexpr std::size_t header_size = NLMSG_HDRLEN;
constexpr std::size_t align(std::size_t n) noexcept { return NLMSG_ALIGN(n); }

// The Linux state the backends never ask for: /proc, ss and netstat do not list it
// (include/net/tcp_states.h, TCP_BOUND_INACTIVE, kernel >= 6.8).
constexpr unsigned linux_bound_inactive = 13;

ip_address address_from_diag(std::uint8_t family, const __be32 (&words)[4],
                             std::uint32_t ifindex) noexcept {
    // idiag_src/idiag_dst hold the address bytes in network order (linux/inet_diag.h).
    if (family == AF_INET) {
        std::array<std::uint8_t, 4> b;
        std::memcpy(b.data(), words, 4);
        return ip_address::v4(b);
    }
    ip_address::bytes_type b;
    std::memcpy(b.data(), words, 16);
    // /proc cannot show a scope id; netlink gives the bound interface in idiag_if. It is kept
    // only where it is part of the address's meaning, so all other rows equal /proc's.
    const ip_address a = ip_address::v6(b);
    return a.is_link_local() ? ip_address::v6(b, ifindex) : a;
}

// The kernel reports errors as a negated errno, never below -MAX_ERRNO (include/linux/err.h).
constexpr bool plausible_errno(int negated) noexcept { return negated < 0 && negated >= -4095; }

}  // namespace

std::error_code netlink_parser::fail(error_info& info, std::size_t offset,
                                     std::string message) const {
    info.file = netlink_source_name;
    info.line = message_;
    info.message = "datagram " + std::to_string(datagram_) + ", byte offset " +
                   std::to_string(offset) + ": " + std::move(message);
    return make_error_code(errc::parse_error);
}

std::error_code netlink_parser::parse_socket(std::span<const std::byte> payload, std::size_t offset,
                                             std::vector<tcp_row>& out, error_info& info) {
    ++socket_messages_;
    inet_diag_msg msg;
    if (payload.size() < sizeof msg)
        return fail(info, offset,
                    "truncated inet_diag_msg (" + std::to_string(payload.size()) + " of " +
                        std::to_string(sizeof msg) + " bytes)");
    // memcpy, not a cast: the payload may sit at any address of the caller's buffer.
    std::memcpy(&msg, payload.data(), sizeof msg);
    // Attributes (INET_DIAG_*) may follow the fixed part; none is asked for, so none is read.

    ip_family family;
    if (msg.idiag_family == AF_INET)
        family = ip_family::ipv4;
    else if (msg.idiag_family == AF_INET6)
        family = ip_family::ipv6;
    else
        return fail(info, offset, "unknown address family " + std::to_string(msg.idiag_family));

    if (msg.idiag_state == linux_bound_inactive) return {};
    auto state = mib_state_from_linux(msg.idiag_state);
    if (!state) return fail(info, offset, "unknown TCP state " + std::to_string(msg.idiag_state));

    if (family_ == address_family::ipv4 && family != ip_family::ipv4) return {};
    if (family_ == address_family::ipv6 && family != ip_family::ipv6) return {};
    if (!states_.contains(*state)) return {};

    tcp_row row;
    row.local_address = address_from_diag(msg.idiag_family, msg.id.idiag_src, msg.id.idiag_if);
    row.remote_address = address_from_diag(msg.idiag_family, msg.id.idiag_dst, msg.id.idiag_if);
    row.local_port = port_from_be16(msg.id.idiag_sport);
    row.remote_port = port_from_be16(msg.id.idiag_dport);
    row.state = *state;
    row.uid = msg.idiag_uid;
    row.inode = msg.idiag_inode;
    // idiag_cookie: two 32-bit halves, low word first (net/ipv4/inet_diag.c,
    // sock_diag_save_cookie).
    row.cookie =
        std::uint64_t(msg.id.idiag_cookie[0]) | (std::uint64_t(msg.id.idiag_cookie[1]) << 32);
    out.push_back(row);
    return {};
}

std::error_code netlink_parser::parse_datagram(std::span<const std::byte> datagram,
                                               std::vector<tcp_row>& out, error_info& info) {
    ++datagram_;
    kernel_refused_ = false;
    std::size_t offset = 0;
    while (offset < datagram.size()) {
        ++message_;
        const std::size_t left = datagram.size() - offset;
        if (done_) return fail(info, offset, "message after NLMSG_DONE");
        if (left < header_size)
            return fail(info, offset,
                        "truncated nlmsghdr (" + std::to_string(left) + " bytes left)");
        nlmsghdr h;
        std::memcpy(&h, datagram.data() + offset, sizeof h);
        if (h.nlmsg_len < header_size)
            return fail(info, offset,
                        "nlmsg_len " + std::to_string(h.nlmsg_len) + " shorter than the header");
        if (h.nlmsg_len > left)
            return fail(info, offset,
                        "nlmsg_len " + std::to_string(h.nlmsg_len) + " runs past the datagram (" +
                            std::to_string(left) + " bytes left)");
        // Every message but the last is padded to NLMSG_ALIGNTO (netlink(3), NLMSG_NEXT).
        const std::size_t step = align(h.nlmsg_len);
        if (step > left)
            return fail(
                info, offset,
                "nlmsg_len " + std::to_string(h.nlmsg_len) + " leaves the next message misaligned");
        if (seq_ && h.nlmsg_seq != *seq_)
            return fail(info, offset,
                        "sequence number " + std::to_string(h.nlmsg_seq) + ", expected " +
                            std::to_string(*seq_));
        if (h.nlmsg_flags & NLM_F_DUMP_INTR) interrupted_ = true;

        const auto payload = datagram.subspan(offset + header_size, h.nlmsg_len - header_size);
        switch (h.nlmsg_type) {
            case NLMSG_NOOP:
                break;
            case NLMSG_DONE: {
                // A dump that failed part-way reports the errno here (net/netlink/af_netlink.c,
                // netlink_dump_done); older kernels may send no payload at all.
                int status = 0;
                if (payload.size() >= sizeof status)
                    std::memcpy(&status, payload.data(), sizeof status);
                done_ = true;
                if (status < 0) {
                    if (!plausible_errno(status))
                        return fail(
                            info, offset,
                            "NLMSG_DONE status " + std::to_string(status) + " is not an errno");
                    kernel_refused_ = true;
                    info.file = netlink_source_name;
                    info.line = message_;
                    info.message = "the kernel ended the dump with an error";
                    return {-status, std::system_category()};
                }
                break;
            }
            case NLMSG_ERROR: {
                nlmsgerr err;
                if (payload.size() < sizeof err.error)
                    return fail(info, offset, "truncated NLMSG_ERROR");
                std::memcpy(&err.error, payload.data(), sizeof err.error);
                // An error of 0 is an acknowledgement, which a dump does not ask for.
                if (err.error == 0) break;
                if (!plausible_errno(err.error))
                    return fail(info, offset,
                                "NLMSG_ERROR " + std::to_string(err.error) + " is not an errno");
                kernel_refused_ = true;
                info.file = netlink_source_name;
                info.line = message_;
                info.message = "the kernel refused the request (NLMSG_ERROR)";
                return {-err.error, std::system_category()};
            }
            case NLMSG_OVERRUN:
                return fail(info, offset, "NLMSG_OVERRUN: the kernel lost data");
            // Replies carry the request's type: SOCK_DIAG_BY_FAMILY, or TCPDIAG_GETSOCK for
            // the legacy request (net/ipv4/inet_diag.c, inet_sk_diag_fill).
            case SOCK_DIAG_BY_FAMILY:
            case TCPDIAG_GETSOCK:
                if (auto ec = parse_socket(payload, offset, out, info)) return ec;
                break;
            default:
                return fail(info, offset,
                            "unexpected message type " + std::to_string(h.nlmsg_type));
        }
        offset += step;
    }
    return {};
}

}  // namespace tcptable::inline v0_1::detail

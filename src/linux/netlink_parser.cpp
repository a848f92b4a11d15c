// SPDX-License-Identifier: MIT
#include "netlink_parser.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>

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

// Linux socket states (include/net/tcp_states.h) that change what the metrics mean.
constexpr unsigned linux_time_wait = 6;
constexpr unsigned linux_listen = 10;
constexpr unsigned linux_new_syn_recv = 12;
// idiag_timer of a time-wait socket (net/ipv4/inet_diag.c, inet_twsk_diag_fill).
constexpr unsigned time_wait_timer = 3;

// tcp_info's "infinite" slow-start threshold: no threshold yet (include/net/tcp.h).
constexpr std::uint32_t infinite_ssthresh = 0x7fffffff;

// Reads the field at `offset` of `size` bytes when it lies inside `bytes`.
template <class T>
bool read_at(std::span<const std::byte> bytes, std::size_t offset, T& value) noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return true;
}

// The kernel reports errors as a negated errno, never below -MAX_ERRNO (include/linux/err.h).
constexpr bool plausible_errno(int negated) noexcept { return negated < 0 && negated >= -4095; }

}  // namespace

void metrics_from_tcp_info(std::span<const std::byte> ti, unsigned linux_state,
                           tcp_metrics& m) noexcept {
    // A listener's tcp_info is zero but for its state and queues (net/ipv4/tcp.c, tcp_get_info
    // returns early); its queues come from inet_diag_msg.
    if (linux_state == linux_listen) return;
#define TCPTABLE_TI(field, var) read_at(ti, offsetof(struct tcp_info, field), var)
    std::uint8_t u8 = 0;
    std::uint32_t u32 = 0;
    std::uint64_t u64 = 0;
    if (TCPTABLE_TI(tcpi_retransmits, u8)) m.set(tcp_metric::rto_retransmits, u8);
    if (TCPTABLE_TI(tcpi_rto, u32)) m.set(tcp_metric::rto_ms, u32 / 1000);  // microseconds
    if (TCPTABLE_TI(tcpi_snd_mss, u32)) m.set(tcp_metric::mss, u32);
    if (TCPTABLE_TI(tcpi_retrans, u32)) m.set(tcp_metric::retrans, u32);
    if (TCPTABLE_TI(tcpi_last_data_sent, u32)) m.set(tcp_metric::last_send_ms, u32);
    if (TCPTABLE_TI(tcpi_last_data_recv, u32)) m.set(tcp_metric::last_recv_ms, u32);
    if (TCPTABLE_TI(tcpi_pmtu, u32)) m.set(tcp_metric::pmtu, u32);
    if (TCPTABLE_TI(tcpi_rtt, u32)) m.set(tcp_metric::rtt_us, u32);
    if (TCPTABLE_TI(tcpi_rttvar, u32)) m.set(tcp_metric::rttvar_us, u32);
    if (TCPTABLE_TI(tcpi_snd_ssthresh, u32) && u32 < infinite_ssthresh)
        m.set(tcp_metric::ssthresh, u32);
    if (TCPTABLE_TI(tcpi_snd_cwnd, u32)) m.set(tcp_metric::cwnd, u32);
    if (TCPTABLE_TI(tcpi_total_retrans, u32)) m.set(tcp_metric::total_retrans, u32);
    // Linux 4.1
    if (TCPTABLE_TI(tcpi_bytes_acked, u64)) m.set(tcp_metric::bytes_acked, u64);
    if (TCPTABLE_TI(tcpi_bytes_received, u64)) m.set(tcp_metric::bytes_received, u64);
    // Linux 4.2
    if (TCPTABLE_TI(tcpi_segs_out, u32)) m.set(tcp_metric::segs_out, u32);
    if (TCPTABLE_TI(tcpi_segs_in, u32)) m.set(tcp_metric::segs_in, u32);
    // Linux 4.6; ~0U: no sample yet (tcp_min_rtt of an empty filter)
    if (TCPTABLE_TI(tcpi_min_rtt, u32) && u32 != ~std::uint32_t(0))
        m.set(tcp_metric::min_rtt_us, u32);
    // Linux 4.9
    if (TCPTABLE_TI(tcpi_delivery_rate, u64)) m.set(tcp_metric::delivery_rate, u64);
    // Linux 4.10, microseconds
    if (TCPTABLE_TI(tcpi_busy_time, u64)) m.set(tcp_metric::busy_time_ms, u64 / 1000);
    if (TCPTABLE_TI(tcpi_rwnd_limited, u64)) m.set(tcp_metric::rwnd_limited_ms, u64 / 1000);
    if (TCPTABLE_TI(tcpi_sndbuf_limited, u64)) m.set(tcp_metric::sndbuf_limited_ms, u64 / 1000);
    // Linux 4.19
    if (TCPTABLE_TI(tcpi_bytes_sent, u64)) m.set(tcp_metric::bytes_sent, u64);
    if (TCPTABLE_TI(tcpi_bytes_retrans, u64)) m.set(tcp_metric::bytes_retrans, u64);
#undef TCPTABLE_TI
}

std::error_code netlink_parser::parse_attributes(std::span<const std::byte> attrs,
                                                 std::size_t offset, unsigned linux_state,
                                                 tcp_metrics& m, error_info& info) {
    std::size_t at = 0;
    while (at < attrs.size()) {
        const std::size_t left = attrs.size() - at;
        rtattr a;
        if (left < sizeof a)
            return fail(info, offset + at,
                        "truncated attribute header (" + std::to_string(left) + " bytes left)");
        std::memcpy(&a, attrs.data() + at, sizeof a);
        if (a.rta_len < sizeof a || a.rta_len > left)
            return fail(info, offset + at,
                        "attribute length " + std::to_string(a.rta_len) + " outside 4.." +
                            std::to_string(left));
        const auto body = attrs.subspan(at + RTA_LENGTH(0), a.rta_len - RTA_LENGTH(0));
        switch (a.rta_type) {
            case INET_DIAG_INFO:
                metrics_from_tcp_info(body, linux_state, m);
                break;
            case INET_DIAG_CONG: {
                // A NUL-terminated name; without the NUL, the bytes there are.
                std::string_view name(reinterpret_cast<const char*>(body.data()), body.size());
                name = name.substr(0, name.find('\0'));
                m.set_congestion(name);
                break;
            }
            case INET_DIAG_SKMEMINFO: {
                std::uint32_t v = 0;
                if (read_at(body, SK_MEMINFO_RCVBUF * sizeof v, v)) m.set(tcp_metric::rcv_buf, v);
                if (read_at(body, SK_MEMINFO_SNDBUF * sizeof v, v)) m.set(tcp_metric::snd_buf, v);
                break;
            }
            default:
                break;  // attributes not asked for, or newer than this code
        }
        at += RTA_ALIGN(a.rta_len);
    }
    return {};
}

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
    // Attributes (INET_DIAG_*) may follow the fixed part; they are read only for metrics.

    ip_family family;
    if (msg.idiag_family == AF_INET)
        family = ip_family::ipv4;
    else if (msg.idiag_family == AF_INET6)
        family = ip_family::ipv6;
    else
        return fail(info, offset, "unknown address family " + std::to_string(msg.idiag_family));

    std::optional<tcp_state> state;
    if (protocol_ == transport_protocol::udp) {
        state = udp_state_from_linux(msg.idiag_state);
        if (!state)
            return fail(info, offset,
                        "UDP socket in state " + std::to_string(msg.idiag_state) +
                            " (expected 7, unconnected, or 1, connected)");
    } else {
        if (msg.idiag_state == linux_bound_inactive) return {};
        state = mib_state_from_linux(msg.idiag_state);
        if (!state)
            return fail(info, offset, "unknown TCP state " + std::to_string(msg.idiag_state));
    }

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
    if (metrics_) {
        tcp_metrics m;
        // TIME-WAIT sockets (also FIN-WAIT-2 orphans, kept as time-wait sockets: timer 3)
        // and request sockets have no queues; the kernel sends zeros (inet_twsk_diag_fill,
        // inet_req_diag_fill).
        const bool minisock = msg.idiag_timer == time_wait_timer ||
                              msg.idiag_state == linux_time_wait ||
                              msg.idiag_state == linux_new_syn_recv;
        if (!minisock) {
            m.set(tcp_metric::recv_queue, msg.idiag_rqueue);
            m.set(tcp_metric::send_queue, msg.idiag_wqueue);
            // A listener's are its accept queue and backlog (inet_diag_get_info).
            if (msg.idiag_state == linux_listen) m.set(tcp_metric::backlog, msg.idiag_wqueue);
        }
        const std::size_t fixed = align(sizeof msg);
        if (payload.size() > fixed) {
            if (auto ec = parse_attributes(payload.subspan(fixed), offset + header_size + fixed,
                                           msg.idiag_state, m, info))
                return ec;
        }
        metrics_->push_back(m);
    }
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

// SPDX-License-Identifier: MIT
// GetPerTcpConnectionEStats and its family over tcptable::snapshot with metrics: the RFC 4898
// figures Windows keeps per connection, filled from what the backend gives (Linux: tcp_info).
// Windows' structures cannot say "absent": a figure the backend does not have is 0 there
// (docs/WIN32_API.md lists which).
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>
#include <optional>
#include <tcptable/snapshot.hpp>
#include <type_traits>

#include "win/mib_format.hpp"
#include "win32_api.hpp"

// Last: the Win32 headers define macros that must not reach the C++ headers above.
#include <tcptable/win32/iphlpapi.h>
#include <tcptable/win32/tcpestats.h>

// Windows x64 layouts (MinGW-w64's tcpestats.h gives the same; tests/win32/estats_layout.hpp
// checks both).
static_assert(sizeof(TCP_ESTATS_TYPE) == 4 && sizeof(TCP_BOOLEAN_OPTIONAL) == 4);
static_assert(sizeof(TCP_ESTATS_SYN_OPTS_ROS_v0) == 12);
static_assert(sizeof(TCP_ESTATS_DATA_ROD_v0) == 96 &&
              offsetof(TCP_ESTATS_DATA_ROD_v0, ThruBytesAcked) == 72 &&
              offsetof(TCP_ESTATS_DATA_ROD_v0, ThruBytesReceived) == 88);
static_assert(sizeof(TCP_ESTATS_SND_CONG_ROD_v0) == 88 &&
              offsetof(TCP_ESTATS_SND_CONG_ROD_v0, CurCwnd) == 60);
static_assert(sizeof(TCP_ESTATS_PATH_ROD_v0) == 160 &&
              offsetof(TCP_ESTATS_PATH_ROD_v0, SampleRtt) == 104);
static_assert(sizeof(TCP_ESTATS_REC_ROD_v0) == 72 &&
              offsetof(TCP_ESTATS_REC_ROD_v0, CurAppRQueue) == 48);
static_assert(sizeof(TCP_ESTATS_BANDWIDTH_ROD_v0) == 40 && sizeof(TCP_ESTATS_BANDWIDTH_RW_v0) == 8);
static_assert(sizeof(TCP_ESTATS_FINE_RTT_ROD_v0) == 16 && sizeof(TCP_ESTATS_DATA_RW_v0) == 1);

namespace tcptable::inline v0_1::detail {
namespace {

// The sizes of each class's Rw, Ros and Rod structures; 0 where the class has none.
struct class_sizes {
    std::size_t rw, ros, rod;
};

constexpr class_sizes sizes_of(TCP_ESTATS_TYPE t) noexcept {
    switch (t) {
        case TcpConnectionEstatsSynOpts:
            return {0, sizeof(TCP_ESTATS_SYN_OPTS_ROS_v0), 0};
        case TcpConnectionEstatsData:
            return {sizeof(TCP_ESTATS_DATA_RW_v0), 0, sizeof(TCP_ESTATS_DATA_ROD_v0)};
        case TcpConnectionEstatsSndCong:
            return {sizeof(TCP_ESTATS_SND_CONG_RW_v0), sizeof(TCP_ESTATS_SND_CONG_ROS_v0),
                    sizeof(TCP_ESTATS_SND_CONG_ROD_v0)};
        case TcpConnectionEstatsPath:
            return {sizeof(TCP_ESTATS_PATH_RW_v0), 0, sizeof(TCP_ESTATS_PATH_ROD_v0)};
        case TcpConnectionEstatsSendBuff:
            return {sizeof(TCP_ESTATS_SEND_BUFF_RW_v0), 0, sizeof(TCP_ESTATS_SEND_BUFF_ROD_v0)};
        case TcpConnectionEstatsRec:
            return {sizeof(TCP_ESTATS_REC_RW_v0), 0, sizeof(TCP_ESTATS_REC_ROD_v0)};
        case TcpConnectionEstatsObsRec:
            return {sizeof(TCP_ESTATS_OBS_REC_RW_v0), 0, sizeof(TCP_ESTATS_OBS_REC_ROD_v0)};
        case TcpConnectionEstatsBandwidth:
            return {sizeof(TCP_ESTATS_BANDWIDTH_RW_v0), 0, sizeof(TCP_ESTATS_BANDWIDTH_ROD_v0)};
        case TcpConnectionEstatsFineRtt:
            return {sizeof(TCP_ESTATS_FINE_RTT_RW_v0), 0, sizeof(TCP_ESTATS_FINE_RTT_ROD_v0)};
        default:
            return {0, 0, 0};
    }
}

bool valid_type(TCP_ESTATS_TYPE t) noexcept {
    const auto v = static_cast<long long>(t);
    return v >= 0 && v < static_cast<long long>(TcpConnectionEstatsMaximum);
}

std::uint64_t get(const tcp_metrics& m, tcp_metric f) noexcept { return m[f].value_or(0); }

ULONG clamp32(std::uint64_t v) noexcept {
    return static_cast<ULONG>(std::min<std::uint64_t>(v, std::numeric_limits<ULONG>::max()));
}

// The documented argument checks shared by every Get call (learn.microsoft.com,
// GetPerTcpConnectionEStats, "Return value").
ULONG check_get_arguments(TCP_ESTATS_TYPE type, PUCHAR rw, ULONG rw_version, ULONG rw_size,
                          PUCHAR ros, ULONG ros_version, ULONG ros_size, PUCHAR rod,
                          ULONG rod_version, ULONG rod_size) noexcept {
    if (!valid_type(type)) return ERROR_INVALID_PARAMETER;
    if (rw_version != 0 || ros_version != 0 || rod_version != 0) return ERROR_NOT_SUPPORTED;
    if ((!rw && rw_size != 0) || (!ros && ros_size != 0) || (!rod && rod_size != 0))
        return ERROR_INVALID_USER_BUFFER;
    const class_sizes need = sizes_of(type);
    if ((rw && need.rw && rw_size < need.rw) || (ros && need.ros && ros_size < need.ros) ||
        (rod && need.rod && rod_size < need.rod))
        return ERROR_INSUFFICIENT_BUFFER;
    return NO_ERROR;
}

template <class T>
void store(PUCHAR out, const T& value) noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(out, &value, sizeof value);
}

void fill_rw(TCP_ESTATS_TYPE type, PUCHAR rw) noexcept {
    // The backend keeps every figure all the time: collection reads as enabled.
    if (type == TcpConnectionEstatsBandwidth) {
        TCP_ESTATS_BANDWIDTH_RW_v0 b{};
        b.EnableCollectionOutbound = TcpBoolOptEnabled;
        b.EnableCollectionInbound = TcpBoolOptEnabled;
        store(rw, b);
    } else {
        TCP_ESTATS_DATA_RW_v0 r{};  // every other Rw is one BOOLEAN
        r.EnableCollection = TRUE;
        store(rw, r);
    }
}

void fill_ros(TCP_ESTATS_TYPE type, PUCHAR ros) noexcept {
    if (type == TcpConnectionEstatsSynOpts) {
        TCP_ESTATS_SYN_OPTS_ROS_v0 s{};  // the SYN exchange is not kept by Linux
        store(ros, s);
    } else if (type == TcpConnectionEstatsSndCong) {
        TCP_ESTATS_SND_CONG_ROS_v0 s{};
        s.LimCwnd = std::numeric_limits<ULONG>::max();  // no configured limit
        store(ros, s);
    }
}

void fill_rod(TCP_ESTATS_TYPE type, const tcp_metrics& m, PUCHAR rod) noexcept {
    const std::uint64_t mss = get(m, tcp_metric::mss);
    switch (type) {
        case TcpConnectionEstatsData: {
            TCP_ESTATS_DATA_ROD_v0 d{};
            d.DataBytesOut = get(m, tcp_metric::bytes_sent);
            d.DataBytesIn = get(m, tcp_metric::bytes_received);
            d.SegsOut = get(m, tcp_metric::segs_out);
            d.SegsIn = get(m, tcp_metric::segs_in);
            d.ThruBytesAcked = get(m, tcp_metric::bytes_acked);
            d.ThruBytesReceived = get(m, tcp_metric::bytes_received);
            store(rod, d);
            break;
        }
        case TcpConnectionEstatsSndCong: {
            TCP_ESTATS_SND_CONG_ROD_v0 s{};
            const std::uint64_t busy = get(m, tcp_metric::busy_time_ms);
            const std::uint64_t rwnd = get(m, tcp_metric::rwnd_limited_ms);
            const std::uint64_t sndbuf = get(m, tcp_metric::sndbuf_limited_ms);
            s.SndLimTimeRwin = clamp32(rwnd);
            s.SndLimTimeSnd = clamp32(sndbuf);
            // Linux's busy time includes the two limited times; the rest is cwnd-limited.
            s.SndLimTimeCwnd = clamp32(busy > rwnd + sndbuf ? busy - rwnd - sndbuf : 0);
            // RFC 4898 counts the windows in bytes, Linux in segments.
            s.CurCwnd = clamp32(get(m, tcp_metric::cwnd) * mss);
            s.CurSsthresh = m.has(tcp_metric::ssthresh)
                                ? clamp32(get(m, tcp_metric::ssthresh) * mss)
                                : std::numeric_limits<ULONG>::max();
            store(rod, s);
            break;
        }
        case TcpConnectionEstatsPath: {
            TCP_ESTATS_PATH_ROD_v0 p{};
            p.PktsRetrans = clamp32(get(m, tcp_metric::total_retrans));
            p.BytesRetrans = clamp32(get(m, tcp_metric::bytes_retrans));
            p.CurTimeoutCount = clamp32(get(m, tcp_metric::rto_retransmits));
            // Milliseconds here; FineRtt has microseconds.
            p.SampleRtt = clamp32(get(m, tcp_metric::rtt_us) / 1000);
            p.SmoothedRtt = clamp32(get(m, tcp_metric::rtt_us) / 1000);
            p.RttVar = clamp32(get(m, tcp_metric::rttvar_us) / 1000);
            p.MinRtt = clamp32(get(m, tcp_metric::min_rtt_us) / 1000);
            p.CurRto = clamp32(get(m, tcp_metric::rto_ms));
            p.CurMss = clamp32(mss);
            store(rod, p);
            break;
        }
        case TcpConnectionEstatsSendBuff: {
            TCP_ESTATS_SEND_BUFF_ROD_v0 s{};
            s.CurAppWQueue = static_cast<SIZE_T>(get(m, tcp_metric::send_queue));
            store(rod, s);
            break;
        }
        case TcpConnectionEstatsRec: {
            TCP_ESTATS_REC_ROD_v0 r{};
            r.CurAppRQueue = static_cast<SIZE_T>(get(m, tcp_metric::recv_queue));
            store(rod, r);
            break;
        }
        case TcpConnectionEstatsObsRec: {
            TCP_ESTATS_OBS_REC_ROD_v0 o{};
            store(rod, o);
            break;
        }
        case TcpConnectionEstatsBandwidth: {
            TCP_ESTATS_BANDWIDTH_ROD_v0 b{};
            b.OutboundBandwidth = get(m, tcp_metric::delivery_rate) * 8;  // bits per second
            store(rod, b);
            break;
        }
        case TcpConnectionEstatsFineRtt: {
            TCP_ESTATS_FINE_RTT_ROD_v0 f{};
            f.RttVar = clamp32(get(m, tcp_metric::rttvar_us));
            f.MinRtt = clamp32(get(m, tcp_metric::min_rtt_us));
            store(rod, f);
            break;
        }
        default:
            break;
    }
}

// The metrics of the connection with these endpoints, from one snapshot: NO_ERROR,
// ERROR_NOT_FOUND, or the snapshot's error.
ULONG find_connection(address_family family, const ip_address& local, std::uint16_t lport,
                      const ip_address& remote, std::uint16_t rport, tcp_metrics& out) noexcept {
    snapshot_options o;
    o.family = family;
    o.sorted = false;
    o.metrics = true;
    std::error_code ec;
    tcp_table t = snapshot(o, ec);
    if (ec) return static_cast<ULONG>(win32_error_from(ec));
    for (std::size_t i = 0; i < t.size(); ++i) {
        const tcp_row& r = t[i];
        if (r.local_port == lport && r.remote_port == rport && r.local_address == local &&
            r.remote_address == remote) {
            out = t.metrics(i) ? *t.metrics(i) : tcp_metrics{};
            return NO_ERROR;
        }
    }
    return ERROR_NOT_FOUND;
}

ip_address v6_of(const IN6_ADDR& a, DWORD scope) noexcept {
    ip_address::bytes_type b;
    std::memcpy(b.data(), &a, 16);
    const ip_address plain = ip_address::v6(b);
    return plain.is_link_local() ? ip_address::v6(b, scope) : plain;
}

ULONG get_estats(address_family family, const ip_address& local, std::uint16_t lport,
                 const ip_address& remote, std::uint16_t rport, TCP_ESTATS_TYPE type, PUCHAR rw,
                 PUCHAR ros, PUCHAR rod) noexcept {
    tcp_metrics m;
    if (ULONG e = find_connection(family, local, lport, remote, rport, m)) return e;
    const class_sizes has = sizes_of(type);
    if (rw && has.rw) fill_rw(type, rw);
    if (ros && has.ros) fill_ros(type, ros);
    if (rod && has.rod) fill_rod(type, m, rod);
    return NO_ERROR;
}

ULONG check_set_arguments(TCP_ESTATS_TYPE type, PUCHAR rw, ULONG rw_version, ULONG rw_size,
                          ULONG offset) noexcept {
    if (!valid_type(type) || sizes_of(type).rw == 0) return ERROR_INVALID_PARAMETER;
    if (rw_version != 0) return ERROR_NOT_SUPPORTED;
    if (!rw || offset != 0) return ERROR_INVALID_PARAMETER;
    if (rw_size < sizes_of(type).rw) return ERROR_INSUFFICIENT_BUFFER;
    return NO_ERROR;
}

}  // namespace
}  // namespace tcptable::inline v0_1::detail

using namespace tcptable::detail;
using tcptable::address_family;
using tcptable::tcp_metrics;

extern "C" {

ULONG WINAPI GetPerTcpConnectionEStats(PMIB_TCPROW Row, TCP_ESTATS_TYPE EstatsType, PUCHAR Rw,
                                       ULONG RwVersion, ULONG RwSize, PUCHAR Ros, ULONG RosVersion,
                                       ULONG RosSize, PUCHAR Rod, ULONG RodVersion, ULONG RodSize) {
    if (!Row) return ERROR_INVALID_PARAMETER;
    if (ULONG e = check_get_arguments(EstatsType, Rw, RwVersion, RwSize, Ros, RosVersion, RosSize,
                                      Rod, RodVersion, RodSize))
        return e;
    return get_estats(address_family::ipv4, address_from_mib_dword(Row->dwLocalAddr),
                      port_from_mib_dword(Row->dwLocalPort),
                      address_from_mib_dword(Row->dwRemoteAddr),
                      port_from_mib_dword(Row->dwRemotePort), EstatsType, Rw, Ros, Rod);
}

ULONG WINAPI GetPerTcp6ConnectionEStats(PMIB_TCP6ROW Row, TCP_ESTATS_TYPE EstatsType, PUCHAR Rw,
                                        ULONG RwVersion, ULONG RwSize, PUCHAR Ros, ULONG RosVersion,
                                        ULONG RosSize, PUCHAR Rod, ULONG RodVersion,
                                        ULONG RodSize) {
    if (!Row) return ERROR_INVALID_PARAMETER;
    if (ULONG e = check_get_arguments(EstatsType, Rw, RwVersion, RwSize, Ros, RosVersion, RosSize,
                                      Rod, RodVersion, RodSize))
        return e;
    return get_estats(address_family::ipv6, v6_of(Row->LocalAddr, Row->dwLocalScopeId),
                      port_from_mib_dword(Row->dwLocalPort),
                      v6_of(Row->RemoteAddr, Row->dwRemoteScopeId),
                      port_from_mib_dword(Row->dwRemotePort), EstatsType, Rw, Ros, Rod);
}

ULONG WINAPI SetPerTcpConnectionEStats(PMIB_TCPROW Row, TCP_ESTATS_TYPE EstatsType, PUCHAR Rw,
                                       ULONG RwVersion, ULONG RwSize, ULONG Offset) {
    if (!Row) return ERROR_INVALID_PARAMETER;
    if (ULONG e = check_set_arguments(EstatsType, Rw, RwVersion, RwSize, Offset)) return e;
    tcp_metrics m;
    return find_connection(address_family::ipv4, address_from_mib_dword(Row->dwLocalAddr),
                           port_from_mib_dword(Row->dwLocalPort),
                           address_from_mib_dword(Row->dwRemoteAddr),
                           port_from_mib_dword(Row->dwRemotePort), m);
}

ULONG WINAPI SetPerTcp6ConnectionEStats(PMIB_TCP6ROW Row, TCP_ESTATS_TYPE EstatsType, PUCHAR Rw,
                                        ULONG RwVersion, ULONG RwSize, ULONG Offset) {
    if (!Row) return ERROR_INVALID_PARAMETER;
    if (ULONG e = check_set_arguments(EstatsType, Rw, RwVersion, RwSize, Offset)) return e;
    tcp_metrics m;
    return find_connection(address_family::ipv6, v6_of(Row->LocalAddr, Row->dwLocalScopeId),
                           port_from_mib_dword(Row->dwLocalPort),
                           v6_of(Row->RemoteAddr, Row->dwRemoteScopeId),
                           port_from_mib_dword(Row->dwRemotePort), m);
}

}  // extern "C"

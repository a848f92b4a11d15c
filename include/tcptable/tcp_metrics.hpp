// SPDX-License-Identifier: MIT
// Per-connection TCP metrics (opt-in: snapshot_options::metrics): the figures of Linux's
// tcp_info and Windows' extended statistics (RFC 4898, GetPerTcpConnectionEStats), each
// present or explicitly absent.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tcptable::inline v0_1 {

// One figure of tcp_metrics. The names are the JSON keys of `tcptable --info --json`; the RFC
// 4898 object each one stands for is rfc4898_name() (docs/DESIGN.md maps each to its Linux
// and Windows source).
enum class tcp_metric : std::uint8_t {
    rtt_us,             // smoothed round-trip time, microseconds
    rttvar_us,          // round-trip time variation, microseconds
    min_rtt_us,         // lowest round-trip time seen, microseconds
    rto_ms,             // current retransmission timeout, milliseconds
    cwnd,               // congestion window, segments
    ssthresh,           // slow-start threshold, segments (absent while "infinite")
    mss,                // current send MSS, bytes
    pmtu,               // path MTU, bytes
    retrans,            // segments retransmitted and not yet acknowledged
    total_retrans,      // segments retransmitted over the connection's life
    rto_retransmits,    // consecutive retransmission timeouts now (/proc's retrnsmt)
    bytes_sent,         // data bytes sent, retransmissions included
    bytes_acked,        // data bytes the peer acknowledged
    bytes_received,     // data bytes received in order
    bytes_retrans,      // data bytes retransmitted
    segs_out,           // segments sent
    segs_in,            // segments received
    delivery_rate,      // latest delivery-rate sample, bytes per second
    busy_time_ms,       // time with data in flight, milliseconds
    rwnd_limited_ms,    // time limited by the peer's receive window, milliseconds
    sndbuf_limited_ms,  // time limited by the send buffer, milliseconds
    last_send_ms,       // milliseconds since data was last sent
    last_recv_ms,       // milliseconds since data was last received
    send_queue,         // bytes not yet acknowledged by the peer; a listener: its backlog
    recv_queue,         // bytes not yet read by the application; a listener: accept queue
    backlog,            // a listener's backlog (the most connections its accept queue holds)
    snd_buf,            // send buffer size, bytes
    rcv_buf,            // receive buffer size, bytes
};

inline constexpr std::size_t tcp_metric_count = std::size_t(tcp_metric::rcv_buf) + 1;

// The JSON key and C++ name of a metric.
constexpr std::string_view to_string(tcp_metric m) noexcept {
    constexpr std::string_view names[tcp_metric_count] = {
        "rtt_us",
        "rttvar_us",
        "min_rtt_us",
        "rto_ms",
        "cwnd",
        "ssthresh",
        "mss",
        "pmtu",
        "retrans",
        "total_retrans",
        "rto_retransmits",
        "bytes_sent",
        "bytes_acked",
        "bytes_received",
        "bytes_retrans",
        "segs_out",
        "segs_in",
        "delivery_rate",
        "busy_time_ms",
        "rwnd_limited_ms",
        "sndbuf_limited_ms",
        "last_send_ms",
        "last_recv_ms",
        "send_queue",
        "recv_queue",
        "backlog",
        "snd_buf",
        "rcv_buf",
    };
    const auto i = std::size_t(m);
    return i < tcp_metric_count ? names[i] : std::string_view("unknown");
}

// The RFC 4898 (TCP-ESTATS-MIB) object a metric stands for, "" where the MIB has none.
constexpr std::string_view rfc4898_name(tcp_metric m) noexcept {
    constexpr std::string_view names[tcp_metric_count] = {
        "tcpEStatsPathSmoothedRTT",          // rtt_us (the MIB counts milliseconds)
        "tcpEStatsPathRTTVar",               // rttvar_us
        "tcpEStatsPathMinRTT",               // min_rtt_us
        "tcpEStatsPathCurRTO",               // rto_ms
        "tcpEStatsPerfCurCwnd",              // cwnd (the MIB counts bytes)
        "tcpEStatsStackCurSsthresh",         // ssthresh
        "tcpEStatsStackCurMSS",              // mss
        "",                                  // pmtu
        "",                                  // retrans
        "tcpEStatsPerfSegsRetrans",          // total_retrans
        "tcpEStatsStackCurTimeoutCount",     // rto_retransmits
        "tcpEStatsPerfHCDataOctetsOut",      // bytes_sent
        "tcpEStatsAppHCThruOctetsAcked",     // bytes_acked
        "tcpEStatsAppHCThruOctetsReceived",  // bytes_received
        "tcpEStatsPerfOctetsRetrans",        // bytes_retrans
        "tcpEStatsPerfSegsOut",              // segs_out
        "tcpEStatsPerfSegsIn",               // segs_in
        "",                                  // delivery_rate
        "",                                  // busy_time_ms
        "tcpEStatsPerfSndLimTimeRwin",       // rwnd_limited_ms
        "tcpEStatsPerfSndLimTimeSnd",        // sndbuf_limited_ms
        "",                                  // last_send_ms
        "",                                  // last_recv_ms
        "",                                  // send_queue
        "tcpEStatsAppCurAppRQueue",          // recv_queue
        "",                                  // backlog
        "",                                  // snd_buf
        "",                                  // rcv_buf
    };
    const auto i = std::size_t(m);
    return i < tcp_metric_count ? names[i] : std::string_view();
}

// The metrics of one row. A figure the source did not give (an older kernel's shorter
// tcp_info, a TIME-WAIT row, Windows with collection off) is absent, never a zero.
class tcp_metrics {
  public:
    static constexpr std::size_t max_congestion_length = 15;  // Linux's TCP_CA_NAME_MAX - 1

    constexpr bool has(tcp_metric m) const noexcept { return (present_ >> unsigned(m)) & 1u; }
    constexpr std::optional<std::uint64_t> get(tcp_metric m) const noexcept {
        if (!has(m)) return std::nullopt;
        return values_[std::size_t(m)];
    }
    constexpr std::optional<std::uint64_t> operator[](tcp_metric m) const noexcept {
        return get(m);
    }
    constexpr void set(tcp_metric m, std::uint64_t v) noexcept {
        values_[std::size_t(m)] = v;
        present_ |= std::uint64_t(1) << unsigned(m);
    }
    constexpr void clear(tcp_metric m) noexcept {
        values_[std::size_t(m)] = 0;
        present_ &= ~(std::uint64_t(1) << unsigned(m));
    }
    // Whether any figure or the congestion algorithm is present.
    constexpr bool any() const noexcept { return present_ != 0 || congestion_length_ != 0; }

    // The congestion control algorithm's name ("cubic", "bbr"), absent where not known.
    constexpr std::optional<std::string_view> congestion() const noexcept {
        if (congestion_length_ == 0) return std::nullopt;
        return std::string_view(congestion_.data(), congestion_length_);
    }
    // Keeps at most max_congestion_length bytes; an empty name clears it.
    constexpr void set_congestion(std::string_view name) noexcept {
        if (name.size() > max_congestion_length) name = name.substr(0, max_congestion_length);
        congestion_ = {};
        for (std::size_t i = 0; i < name.size(); ++i) congestion_[i] = name[i];
        congestion_length_ = static_cast<std::uint8_t>(name.size());
    }

    friend constexpr bool operator==(const tcp_metrics&, const tcp_metrics&) noexcept = default;

  private:
    std::array<std::uint64_t, tcp_metric_count> values_{};
    std::uint64_t present_ = 0;
    std::array<char, max_congestion_length> congestion_{};
    std::uint8_t congestion_length_ = 0;
};

static_assert(tcp_metric_count <= 64);

}  // namespace tcptable::inline v0_1

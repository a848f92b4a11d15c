// SPDX-License-Identifier: MIT
#include "prometheus.hpp"

#include <fmt/format.h>

#include <map>

namespace tcptable::cli {
namespace {

void metric_header(fmt::memory_buffer& out, std::string_view name, std::string_view type,
                   std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string prometheus_text(const tcp_table& table, const tcp_statistics& s) {
    fmt::memory_buffer out;

    // Every (family, state) pair is exported, zeros included, so series do not come and go.
    std::uint64_t counts[2][tcp_state_count + 1] = {};
    std::map<std::uint16_t, std::uint64_t> listening;
    for (const tcp_row& r : table) {
        counts[r.family() == ip_family::ipv6][static_cast<unsigned>(r.state)]++;
        if (r.state == tcp_state::listen) listening[r.local_port]++;
    }
    metric_header(out, "tcptable_connections", "gauge",
                  "TCP table rows by address family and MIB_TCP_STATE.");
    for (int f = 0; f < 2; ++f)
        for (int st = 1; st <= tcp_state_count; ++st)
            fmt::format_to(
                std::back_inserter(out), "tcptable_connections{{family=\"{}\",state=\"{}\"}} {}\n",
                f ? "ipv6" : "ipv4", to_string(static_cast<tcp_state>(st)), counts[f][st]);

    metric_header(out, "tcptable_listening_sockets", "gauge",
                  "Listening TCP sockets by local port (both families).");
    for (const auto& [port, n] : listening)
        fmt::format_to(std::back_inserter(out), "tcptable_listening_sockets{{port=\"{}\"}} {}\n",
                       port, n);

    struct counter {
        const char* name;
        const char* help;
        std::uint64_t value;
    };
    const counter counters[] = {
        {"tcptable_tcp_active_opens_total", "Active opens (MIB_TCPSTATS dwActiveOpens).",
         s.active_opens},
        {"tcptable_tcp_passive_opens_total", "Passive opens (dwPassiveOpens).", s.passive_opens},
        {"tcptable_tcp_attempt_fails_total", "Failed connection attempts (dwAttemptFails).",
         s.attempt_fails},
        {"tcptable_tcp_estab_resets_total", "Resets of established connections (dwEstabResets).",
         s.estab_resets},
        {"tcptable_tcp_in_segs_total", "Segments received (dwInSegs).", s.in_segs},
        {"tcptable_tcp_out_segs_total", "Segments sent (dwOutSegs).", s.out_segs},
        {"tcptable_tcp_retrans_segs_total", "Segments retransmitted (dwRetransSegs).",
         s.retrans_segs},
        {"tcptable_tcp_in_errs_total", "Segments received in error (dwInErrs).", s.in_errs},
        {"tcptable_tcp_out_rsts_total", "Segments sent with RST (dwOutRsts).", s.out_rsts},
    };
    for (const counter& c : counters) {
        metric_header(out, c.name, "counter", c.help);
        fmt::format_to(std::back_inserter(out), "{} {}\n", c.name, c.value);
    }
    metric_header(out, "tcptable_tcp_curr_estab", "gauge",
                  "Connections in ESTABLISHED or CLOSE-WAIT (dwCurrEstab).");
    fmt::format_to(std::back_inserter(out), "tcptable_tcp_curr_estab {}\n", s.curr_estab);
    metric_header(out, "tcptable_tcp_num_conns", "gauge", "Rows in the TCP table (dwNumConns).");
    fmt::format_to(std::back_inserter(out), "tcptable_tcp_num_conns {}\n", s.num_conns);
    // The MIB gives milliseconds; Prometheus wants base units.
    metric_header(out, "tcptable_tcp_rto_min_seconds", "gauge",
                  "Minimum retransmission timeout (dwRtoMin).");
    fmt::format_to(std::back_inserter(out), "tcptable_tcp_rto_min_seconds {}\n",
                   double(s.rto_min) / 1000.0);
    metric_header(out, "tcptable_tcp_rto_max_seconds", "gauge",
                  "Maximum retransmission timeout (dwRtoMax).");
    fmt::format_to(std::back_inserter(out), "tcptable_tcp_rto_max_seconds {}\n",
                   double(s.rto_max) / 1000.0);
    metric_header(out, "tcptable_tcp_max_conn", "gauge",
                  "Connection limit (dwMaxConn); -1 means dynamic.");
    fmt::format_to(std::back_inserter(out), "tcptable_tcp_max_conn {}\n", s.max_conn);
    return fmt::to_string(out);
}

void append_udp_metrics(std::string& text, const udp_table& udp) {
    std::uint64_t counts[2][2] = {};  // [ipv6][connected]
    for (const udp_row& r : udp) counts[r.family() == ip_family::ipv6][r.connected()]++;
    fmt::memory_buffer out;
    metric_header(out, "tcptable_udp_sockets", "gauge",
                  "UDP sockets by address family and whether connect(2)ed to one peer.");
    for (int f = 0; f < 2; ++f)
        for (int c = 0; c < 2; ++c)
            fmt::format_to(std::back_inserter(out),
                           "tcptable_udp_sockets{{family=\"{}\",connected=\"{}\"}} {}\n",
                           f ? "ipv6" : "ipv4", c ? "true" : "false", counts[f][c]);
    text.append(out.data(), out.size());
}

void append_exporter_metrics(std::string& text, const exporter_counters& c) {
    fmt::memory_buffer out;
    metric_header(out, "tcptable_exporter_scrapes_total", "counter",
                  "/metrics requests received by this tcptable serve.");
    fmt::format_to(std::back_inserter(out), "tcptable_exporter_scrapes_total {}\n", c.scrapes);
    metric_header(
        out, "tcptable_exporter_table_reads_total", "counter",
        "Table and counter reads made for them; scrapes arriving during a read share it.");
    fmt::format_to(std::back_inserter(out), "tcptable_exporter_table_reads_total {}\n",
                   c.table_reads);
    metric_header(out, "tcptable_exporter_dropped_connections_total", "counter",
                  "Connections closed as soon as accepted: over --max-connections, or out of "
                  "file descriptors.");
    fmt::format_to(std::back_inserter(out), "tcptable_exporter_dropped_connections_total {}\n",
                   c.dropped_connections);
    text.append(out.data(), out.size());
}

}  // namespace tcptable::cli

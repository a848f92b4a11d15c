// SPDX-License-Identifier: MIT
// The Prometheus text exposition format (version 0.0.4) of a table and the TCP counters.
#pragma once

#include <tcptable/statistics.hpp>
#include <tcptable/tcp_table.hpp>
#include <tcptable/udp.hpp>

#include <cstdint>
#include <string>

namespace tcptable::cli {

// Connections by state and family, listening sockets by local port, and the MIB_TCPSTATS
// counters, each metric with its HELP and TYPE lines.
std::string prometheus_text(const tcp_table& table, const tcp_statistics& stats);

// Appends the UDP socket counts: tcptable_udp_sockets{family, connected}, every pair, zeros
// included.
void append_udp_metrics(std::string& out, const udp_table& udp);

// What `tcptable serve` itself has done, as of the table read a response carries.
struct exporter_counters {
    std::uint64_t scrapes = 0;              // /metrics requests (GET and HEAD) received
    std::uint64_t table_reads = 0;          // table + counter reads started for them
    std::uint64_t dropped_connections = 0;  // closed at accept: over the cap, no descriptors
};

// Appends the exporter's own counters (tcptable_exporter_*) to `out`.
void append_exporter_metrics(std::string& out, const exporter_counters& counters);

}  // namespace tcptable::cli

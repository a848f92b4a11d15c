// The Prometheus text exposition format (version 0.0.4) of a table and the TCP counters.
#pragma once

#include <tcptable/statistics.hpp>
#include <tcptable/tcp_table.hpp>

#include <string>

namespace tcptable::cli {

// Connections by state and family, listening sockets by local port, and the MIB_TCPSTATS
// counters, each metric with its HELP and TYPE lines.
std::string prometheus_text(const tcp_table& table, const tcp_statistics& stats);

}  // namespace tcptable::cli

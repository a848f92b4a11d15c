// SPDX-License-Identifier: MIT
// The Prometheus text exposition format (version 0.0.4), and OpenMetrics 1.0, of a table (or of
// every namespace's) and the TCP counters.
#pragma once

#include <tcptable/namespaces.hpp>
#include <tcptable/statistics.hpp>
#include <tcptable/tcp_table.hpp>
#include <tcptable/udp.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tcptable::cli {

// Which names the connection counts go by: ours (tcptable_connections{family,state}),
// node_exporter's tcpstat collector's (node_tcp_connection_states{state}, both families
// summed, its lower-case state names), or both.
enum class metric_names { tcptable, node, both };

struct exposition {
    // OpenMetrics 1.0 (counter families named without _total, "# EOF" at the end) instead of
    // the 0.0.4 text format.
    bool openmetrics = false;
    metric_names names = metric_names::tcptable;
};

inline constexpr std::string_view text_content_type = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view openmetrics_content_type =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

// True when an HTTP Accept header asks for OpenMetrics (application/openmetrics-text with a
// q-value above 0).
bool accepts_openmetrics(std::string_view accept);

// What the metrics say, counted from the rows once; rendering it is cheap.
struct namespace_counts {
    std::string name;  // the netns label; empty for a single table (no label)
    std::uint64_t inode = 0;
    std::string unit;
    std::array<std::array<std::uint64_t, tcp_state_count + 1>, 2> counts{};  // [ipv6][state]
    std::map<std::uint16_t, std::uint64_t> listening;
};
struct metrics_model {
    std::vector<namespace_counts> namespaces;
    bool per_namespace = false;  // label by netns, with the tcptable_netns_* metrics
    std::size_t vanished = 0, unreadable = 0;
    tcp_statistics stats;  // the caller's namespace's counters
};

metrics_model count_table(const tcp_table& table, const tcp_statistics& stats);
metrics_model count_namespaces(const all_namespaces& all, const tcp_statistics& stats);

// The metrics, each with its HELP and TYPE lines, without the exporter's own and without the
// OpenMetrics "# EOF" (end_exposition adds it).
std::string render(const metrics_model& model, const exposition& how);

// Connections by state and family, listening sockets by local port, and the MIB_TCPSTATS
// counters, in the 0.0.4 text format with our names: render(count_table(...), {}).
std::string prometheus_text(const tcp_table& table, const tcp_statistics& stats);

// Appends the UDP socket counts: tcptable_udp_sockets{family, connected}, every pair, zeros
// included.
void append_udp_metrics(std::string& out, const udp_table& udp, const exposition& how = {});

// What `tcptable serve` itself has done, as of the table read a response carries.
struct exporter_counters {
    std::uint64_t scrapes = 0;              // /metrics requests (GET and HEAD) received
    std::uint64_t table_reads = 0;          // table + counter reads started for them
    std::uint64_t dropped_connections = 0;  // closed at accept: over the cap, no descriptors
};

// Appends the exporter's own counters (tcptable_exporter_*) to `out`.
void append_exporter_metrics(std::string& out, const exporter_counters& counters,
                             const exposition& how = {});

// Ends an exposition: "# EOF\n" for OpenMetrics, nothing for the text format.
void end_exposition(std::string& out, const exposition& how);

}  // namespace tcptable::cli

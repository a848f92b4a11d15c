// SPDX-License-Identifier: MIT
#include "prometheus.hpp"

#include <fmt/format.h>

namespace tcptable::cli {
namespace {

using buffer = fmt::memory_buffer;

// A counter family is named without _total in OpenMetrics' HELP and TYPE lines; its sample
// keeps the suffix. The 0.0.4 format names the family as the sample.
void metric_header(buffer& out, std::string_view name, std::string_view type, std::string_view help,
                   const exposition& how) {
    if (how.openmetrics && type == "counter" && name.ends_with("_total")) name.remove_suffix(6);
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// A label value as both formats want it: backslash, double quote and line feed escaped.
void append_label_value(buffer& out, std::string_view v) {
    for (char c : v) {
        if (c == '\\')
            out.append(std::string_view("\\\\"));
        else if (c == '"')
            out.append(std::string_view("\\\""));
        else if (c == '\n')
            out.append(std::string_view("\\n"));
        else
            out.push_back(c);
    }
}

// `{netns="NAME",` or `{` for a single table.
void open_labels(buffer& out, const namespace_counts& ns) {
    out.push_back('{');
    if (ns.name.empty()) return;
    out.append(std::string_view("netns=\""));
    append_label_value(out, ns.name);
    out.append(std::string_view("\","));
}

// node_exporter's tcpstat names the Linux states (include/net/tcp_states.h) in lower case.
std::string_view node_state_name(tcp_state s) {
    switch (s) {
        case tcp_state::closed:
            return "close";
        case tcp_state::listen:
            return "listen";
        case tcp_state::syn_sent:
            return "syn_sent";
        case tcp_state::syn_received:
            return "syn_recv";
        case tcp_state::established:
            return "established";
        case tcp_state::fin_wait1:
            return "fin_wait1";
        case tcp_state::fin_wait2:
            return "fin_wait2";
        case tcp_state::close_wait:
            return "close_wait";
        case tcp_state::closing:
            return "closing";
        case tcp_state::last_ack:
            return "last_ack";
        case tcp_state::time_wait:
            return "time_wait";
        case tcp_state::delete_tcb:
            break;  // Windows only: no Linux name
    }
    return {};
}

void count_rows(const tcp_table& table, namespace_counts& ns) {
    for (const tcp_row& r : table) {
        ns.counts[r.family() == ip_family::ipv6][static_cast<unsigned>(r.state)]++;
        if (r.state == tcp_state::listen) ns.listening[r.local_port]++;
    }
}

}  // namespace

bool accepts_openmetrics(std::string_view accept) {
    while (!accept.empty()) {
        auto comma = accept.find(',');
        std::string_view item = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
        auto semi = item.find(';');
        std::string_view type = item.substr(0, semi);
        while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
            type.remove_prefix(1);
        while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
        if (type != "application/openmetrics-text") continue;
        // q=0 means "not this one" (RFC 9110 12.4.2); any other q, or none, accepts it.
        bool refused = false;
        std::string_view params = semi == std::string_view::npos ? "" : item.substr(semi);
        for (std::size_t q = params.find("q="); q != std::string_view::npos;
             q = params.find("q=", q + 2)) {
            if (q == 0 || (params[q - 1] != ';' && params[q - 1] != ' ')) continue;
            std::string_view v = params.substr(q + 2);
            v = v.substr(0, v.find(';'));
            refused = v.find_first_not_of("0. \t") == std::string_view::npos;
        }
        if (!refused) return true;
    }
    return false;
}

metrics_model count_table(const tcp_table& table, const tcp_statistics& stats) {
    metrics_model m;
    m.stats = stats;
    m.namespaces.emplace_back();
    count_rows(table, m.namespaces.back());
    return m;
}

metrics_model count_namespaces(const all_namespaces& all, const tcp_statistics& stats) {
    metrics_model m;
    m.stats = stats;
    m.per_namespace = true;
    m.vanished = all.vanished;
    m.unreadable = all.unreadable;
    for (const auto& ns : all.namespaces) {
        namespace_counts& c = m.namespaces.emplace_back();
        c.name = ns.name;
        c.inode = ns.inode;
        c.unit = ns.unit;
        count_rows(ns.table, c);
    }
    return m;
}

std::string render(const metrics_model& m, const exposition& how) {
    buffer out;
    auto out_it = std::back_inserter(out);
    // Every (family, state) pair is exported, zeros included, so series do not come and go.
    if (how.names != metric_names::node) {
        metric_header(out, "tcptable_connections", "gauge",
                      "TCP table rows by address family and MIB_TCP_STATE.", how);
        for (const auto& ns : m.namespaces)
            for (int f = 0; f < 2; ++f)
                for (int st = 1; st <= tcp_state_count; ++st) {
                    out.append(std::string_view("tcptable_connections"));
                    open_labels(out, ns);
                    fmt::format_to(out_it, "family=\"{}\",state=\"{}\"}} {}\n", f ? "ipv6" : "ipv4",
                                   to_string(static_cast<tcp_state>(st)), ns.counts[f][st]);
                }
    }
    if (how.names != metric_names::tcptable) {
        metric_header(out, "node_tcp_connection_states", "gauge", "Number of connection states.",
                      how);
        for (const auto& ns : m.namespaces)
            for (int st = 1; st <= tcp_state_count; ++st) {
                auto name = node_state_name(static_cast<tcp_state>(st));
                if (name.empty()) continue;
                out.append(std::string_view("node_tcp_connection_states"));
                open_labels(out, ns);
                fmt::format_to(out_it, "state=\"{}\"}} {}\n", name,
                               ns.counts[0][st] + ns.counts[1][st]);
            }
    }

    metric_header(out, "tcptable_listening_sockets", "gauge",
                  "Listening TCP sockets by local port (both families).", how);
    for (const auto& ns : m.namespaces)
        for (const auto& [port, n] : ns.listening) {
            out.append(std::string_view("tcptable_listening_sockets"));
            open_labels(out, ns);
            fmt::format_to(out_it, "port=\"{}\"}} {}\n", port, n);
        }

    if (m.per_namespace) {
        metric_header(out, "tcptable_netns_info", "gauge",
                      "One per network namespace read: its inode and container or unit.", how);
        for (const auto& ns : m.namespaces) {
            out.append(std::string_view("tcptable_netns_info"));
            open_labels(out, ns);
            fmt::format_to(out_it, "inode=\"{}\",unit=\"", ns.inode);
            append_label_value(out, ns.unit);
            out.append(std::string_view("\"} 1\n"));
        }
        metric_header(out, "tcptable_netns_vanished", "gauge",
                      "Namespaces found that were gone by the time they were read.", how);
        fmt::format_to(out_it, "tcptable_netns_vanished {}\n", m.vanished);
        metric_header(out, "tcptable_netns_unreadable", "gauge",
                      "Namespaces found that this exporter may not read.", how);
        fmt::format_to(out_it, "tcptable_netns_unreadable {}\n", m.unreadable);
    }

    const tcp_statistics& s = m.stats;
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
        metric_header(out, c.name, "counter", c.help, how);
        fmt::format_to(out_it, "{} {}\n", c.name, c.value);
    }
    metric_header(out, "tcptable_tcp_curr_estab", "gauge",
                  "Connections in ESTABLISHED or CLOSE-WAIT (dwCurrEstab).", how);
    fmt::format_to(out_it, "tcptable_tcp_curr_estab {}\n", s.curr_estab);
    metric_header(out, "tcptable_tcp_num_conns", "gauge", "Rows in the TCP table (dwNumConns).",
                  how);
    fmt::format_to(out_it, "tcptable_tcp_num_conns {}\n", s.num_conns);
    // The MIB gives milliseconds; Prometheus wants base units.
    metric_header(out, "tcptable_tcp_rto_min_seconds", "gauge",
                  "Minimum retransmission timeout (dwRtoMin).", how);
    fmt::format_to(out_it, "tcptable_tcp_rto_min_seconds {}\n", double(s.rto_min) / 1000.0);
    metric_header(out, "tcptable_tcp_rto_max_seconds", "gauge",
                  "Maximum retransmission timeout (dwRtoMax).", how);
    fmt::format_to(out_it, "tcptable_tcp_rto_max_seconds {}\n", double(s.rto_max) / 1000.0);
    metric_header(out, "tcptable_tcp_max_conn", "gauge",
                  "Connection limit (dwMaxConn); -1 means dynamic.", how);
    fmt::format_to(out_it, "tcptable_tcp_max_conn {}\n", s.max_conn);
    return fmt::to_string(out);
}

std::string prometheus_text(const tcp_table& table, const tcp_statistics& s) {
    return render(count_table(table, s), {});
}

void append_udp_metrics(std::string& text, const udp_table& udp, const exposition& how) {
    std::uint64_t counts[2][2] = {};  // [ipv6][connected]
    for (const udp_row& r : udp) counts[r.family() == ip_family::ipv6][r.connected()]++;
    buffer out;
    metric_header(out, "tcptable_udp_sockets", "gauge",
                  "UDP sockets by address family and whether connect(2)ed to one peer.", how);
    for (int f = 0; f < 2; ++f)
        for (int c = 0; c < 2; ++c)
            fmt::format_to(std::back_inserter(out),
                           "tcptable_udp_sockets{{family=\"{}\",connected=\"{}\"}} {}\n",
                           f ? "ipv6" : "ipv4", c ? "true" : "false", counts[f][c]);
    text.append(out.data(), out.size());
}

void append_exporter_metrics(std::string& text, const exporter_counters& c, const exposition& how) {
    buffer out;
    metric_header(out, "tcptable_exporter_scrapes_total", "counter",
                  "/metrics requests received by this tcptable serve.", how);
    fmt::format_to(std::back_inserter(out), "tcptable_exporter_scrapes_total {}\n", c.scrapes);
    metric_header(out, "tcptable_exporter_table_reads_total", "counter",
                  "Table and counter reads made for them; scrapes arriving during a read share it.",
                  how);
    fmt::format_to(std::back_inserter(out), "tcptable_exporter_table_reads_total {}\n",
                   c.table_reads);
    metric_header(out, "tcptable_exporter_dropped_connections_total", "counter",
                  "Connections closed as soon as accepted: over --max-connections, or out of "
                  "file descriptors.",
                  how);
    fmt::format_to(std::back_inserter(out), "tcptable_exporter_dropped_connections_total {}\n",
                   c.dropped_connections);
    text.append(out.data(), out.size());
}

void end_exposition(std::string& out, const exposition& how) {
    if (how.openmetrics) out += "# EOF\n";
}

}  // namespace tcptable::cli

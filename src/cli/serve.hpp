// SPDX-License-Identifier: MIT
// `tcptable serve`: /metrics over HTTP for Prometheus to scrape.
#pragma once

#include <tcptable/snapshot.hpp>

#include "prometheus.hpp"

#include <cstddef>
#include <string>

namespace CLI {
class App;
}

namespace tcptable::cli {

// The serve subcommand's limits. The constructor adds them to `serve_cmd` as its options
// (--max-connections, --idle-timeout), bound to these members: construct it before parsing
// and keep it where it is.
struct serve_limits {
    serve_limits() = default;
    explicit serve_limits(CLI::App& serve_cmd);
    serve_limits(const serve_limits&) = delete;
    serve_limits& operator=(const serve_limits&) = delete;

    // Open HTTP connections at most; one more is closed as soon as it is accepted.
    std::size_t max_connections = 512;
    // How long a connection may send nothing (a new one, or a kept-alive one between requests)
    // before it is closed. Once a request has begun it has 10 s to arrive whole.
    double idle_timeout_seconds = 10;
};

// What /metrics shows: the tables of `tcptable --format prometheus` with the same -t / -u.
struct serve_options {
    bool all_netns = false;  // every network namespace, labelled netns (snapshot_all_namespaces)
    metric_names names = metric_names::tcptable;
    // The TCP metrics (connections, listeners, the tcptable_tcp_* counters): without -u, or
    // with -t -u.
    bool tcp = true;
    // tcptable_udp_sockets{family,connected} (append_udp_metrics), from one snapshot_udp of
    // every UDP socket per read: with -u. Not with all_netns (the CLI refuses -u --all-netns).
    bool udp = false;
};

// Serves GET and HEAD /metrics on `listen` ("HOST:PORT", "[V6]:PORT"; port 0 picks one) until
// SIGINT or SIGTERM, printing "listening on ADDRESS:PORT" once ready. Reads the table and the
// counters once first: options that cannot work end it with exit code 1 before it listens.
// OpenMetrics when the request's Accept header asks for it (accepts_openmetrics), else the 0.0.4
// text format. Returns the process exit code.
int serve(const std::string& listen, const serve_limits& limits, const snapshot_options& options,
          const serve_options& how = {});

}  // namespace tcptable::cli

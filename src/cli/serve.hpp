// `tcptable serve`: /metrics over HTTP for Prometheus to scrape.
#pragma once

#include <tcptable/snapshot.hpp>

#include <string>

namespace tcptable::cli {

// Serves GET /metrics on `listen` ("HOST:PORT", "[V6]:PORT"; port 0 picks one) until SIGINT or
// SIGTERM, printing "listening on ADDRESS:PORT" once ready. Returns the process exit code.
int serve(const std::string& listen, const snapshot_options& options);

}  // namespace tcptable::cli

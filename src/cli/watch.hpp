// SPDX-License-Identifier: MIT
// `tcptable --watch`: print what changes in the table until interrupted.
#pragma once

#include <tcptable/snapshot.hpp>

#include <cstdio>

namespace tcptable::cli {

// Prints one line per event (text, or JSON lines) every `seconds` until SIGINT/SIGTERM, or
// until `max_seconds` (0: no limit) pass. Returns the exit code; a failed write to stdout stops
// the watcher and throws write_error.
int watch(const snapshot_options& options, double seconds, bool json, double max_seconds);

// A summary by state and family, like `ss -s`. Throws write_error.
void print_counts(std::FILE* out, const tcp_table& table, bool json);

}  // namespace tcptable::cli

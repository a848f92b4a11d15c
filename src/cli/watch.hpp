// SPDX-License-Identifier: MIT
// `tcptable --watch`: print what changes in the table until interrupted.
#pragma once

#include <tcptable/diff.hpp>
#include <tcptable/snapshot.hpp>

#include <cstdio>

namespace tcptable::cli {

// Prints one line per event (text, or JSON lines) as `source` reports them, polling every
// `seconds`, until SIGINT/SIGTERM, or until `max_seconds` (0: no limit) pass. Returns the exit
// code (2 for a source this system or build cannot give); a failed write to stdout stops the
// watcher and throws write_error.
int watch(const snapshot_options& options, double seconds, bool json, double max_seconds,
          event_source source = event_source::poll);

// A summary by state and family, like `ss -s`. Throws write_error.
void print_counts(std::FILE* out, const tcp_table& table, bool json);

}  // namespace tcptable::cli

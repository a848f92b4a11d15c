// SPDX-License-Identifier: MIT
// --info (-i, as ss -i): per-connection metrics in the text table and in each JSON row.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <tcptable/tcp_metrics.hpp>
#include <tcptable/tcp_table.hpp>

#include "output.hpp"

namespace tcptable::cli {

// The table as text with the compact metrics columns after the state: Recv-Q, Send-Q, RTT (ms),
// CWND, MSS, Retr (retrans/total_retrans), Sent, Acked, Rcvd (bytes) and the congestion
// algorithm; "-" for a figure the backend did not give. With show_pid, the owner comes last.
void print_text_info(std::FILE* out, const tcp_table& table, const print_options& opts);

// The "info" object of a JSON row: every present metric under its name (tcp_metric's
// to_string), "congestion" as a string; absent figures are left out, never null or zero.
nlohmann::json info_json(const tcp_metrics& m);

// Writes why figures are absent (tcp_table::metrics_note) to stderr, if there is a reason.
void print_metrics_note(const tcp_table& table);

}  // namespace tcptable::cli

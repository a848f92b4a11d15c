// SPDX-License-Identifier: MIT
// The Windows backend's metrics: GetPerTcpConnectionEStats / GetPerTcp6ConnectionEStats per row.
#pragma once

#include <string>
#include <tcptable/tcp_metrics.hpp>
#include <tcptable/tcp_row.hpp>
#include <vector>

namespace tcptable::inline v0_1::detail {

// Appends one tcp_metrics per row of `rows` to `metrics`. Windows collects extended statistics
// only for connections someone enabled them on (SetPerTcpConnectionEStats, which needs
// administrator rights): a row without collection, or whose call fails, gets absent figures,
// and `note` says how many and why. Never fails the snapshot.
void fill_estats_metrics(const std::vector<tcp_row>& rows, std::vector<tcp_metrics>& metrics,
                         std::string& note);

}  // namespace tcptable::inline v0_1::detail

// The /proc/net/tcp{,6} backend: file reading around the pure parser.
#pragma once

#include "../common/backend.hpp"

namespace tcptable::detail {

// Reads `<proc_root>/net/tcp` and/or `tcp6` per options.family into out.rows.
std::error_code procfs_snapshot(const snapshot_options& options, backend_output& out,
                                error_info& info) noexcept;

// Reads one file into out, `path` naming it. Missing-file handling is the caller's.
std::error_code procfs_read_file(const std::string& path, ip_family family, state_set states,
                                 std::vector<tcp_row>& out, error_info& info);

}  // namespace tcptable::detail

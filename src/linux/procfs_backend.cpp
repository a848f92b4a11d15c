// SPDX-License-Identifier: MIT
#include "procfs_backend.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <numeric>

#include "fd.hpp"
#include "procfs_parser.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

// seq_file hands out at most its own buffer per read() (fs/seq_file.c, seq_read_iter; a page,
// ~27 rows, on Linux 6.18, whatever the caller asks), so a bigger buffer saves no read() there;
// it costs nothing either, and serves kernels or files that do fill it.
constexpr std::size_t read_chunk = 256 * 1024;

}  // namespace

std::size_t drop_repeated_rows(std::vector<tcp_row>& rows, std::size_t first,
                               std::vector<tcp_metrics>* metrics) {
    const std::size_t n = rows.size() - first;
    if (n < 2) return 0;
    const tcp_row* base = rows.data() + first;
    // Grouped by inode, then endpoints; within a group the earliest listing comes first.
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [base](std::uint32_t a, std::uint32_t b) {
        const tcp_row& x = base[a];
        const tcp_row& y = base[b];
        if (x.inode != y.inode) return x.inode < y.inode;
        if (auto c = row_order::compare(x, y); c != 0) return c < 0;
        return a < b;
    });
    std::vector<bool> repeated(n, false);
    std::size_t dropped = 0;
    for (std::size_t k = 1; k < n; ++k) {
        const tcp_row& prev = base[order[k - 1]];
        const tcp_row& cur = base[order[k]];
        if (cur.inode == prev.inode && row_order::compare(cur, prev) == 0) {
            repeated[order[k]] = true;
            ++dropped;
        }
    }
    if (dropped == 0) return 0;
    std::size_t kept = first;
    for (std::size_t i = 0; i < n; ++i) {
        if (repeated[i]) continue;
        if (metrics) (*metrics)[kept] = (*metrics)[first + i];
        rows[kept++] = rows[first + i];
    }
    rows.resize(kept);
    if (metrics) metrics->resize(kept);
    return dropped;
}

std::error_code procfs_read_file(const std::string& path, ip_family family, state_set states,
                                 std::vector<tcp_row>& out, error_info& info,
                                 transport_protocol protocol, std::vector<tcp_metrics>* metrics) {
    unique_fd fd;
    if (auto ec = open_regular_file(path, fd, info)) return ec;

    std::unique_ptr<char[]> buf(new char[read_chunk]);
    std::size_t used = 0;  // bytes of an unfinished line kept at the front of buf
    procfs_parser parser(family, path, states, protocol);
    parser.collect_metrics(metrics);
    const std::size_t first_row = out.size();
    for (;;) {
        ssize_t n = ::read(fd.get(), buf.get() + used, read_chunk - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error(info, "cannot read", errno, path);
        }
        if (n == 0) break;
        std::size_t have = used + std::size_t(n);
        std::string_view data(buf.get(), have);
        std::size_t last_nl = data.rfind('\n');
        if (last_nl == std::string_view::npos) {
            used = have;
            // A line that does not fit the buffer is far beyond the parser's limit anyway.
            if (used > procfs_parser::max_line_length) {
                info.file = path;
                info.line = parser.line_number() + 1;
                info.message =
                    "line longer than " + std::to_string(procfs_parser::max_line_length) + " bytes";
                return make_error_code(errc::parse_error);
            }
            continue;
        }
        if (auto ec = parser.parse_lines(data.substr(0, last_nl + 1), out, info)) return ec;
        used = have - (last_nl + 1);
        std::memmove(buf.get(), buf.get() + last_nl + 1, used);
    }
    if (auto ec = parser.finish(std::string_view(buf.get(), used), info)) return ec;
    drop_repeated_rows(out, first_row, metrics);
    return {};
}

std::error_code procfs_snapshot(const snapshot_options& options, backend_rows& out,
                                error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        if (options.proc_root.empty()) {  // "" + "/net/tcp" would read /net/tcp
            info.message = "empty proc root (expected a directory such as /proc)";
            return make_error_code(errc::invalid_argument);
        }
        const std::string base = options.proc_root + "/net/" + std::string(to_string(out.protocol));
        if (options.family != address_family::ipv6) {
            if (auto ec = procfs_read_file(base, ip_family::ipv4, options.states, out.rows, info,
                                           out.protocol, out.metrics))
                return ec;
        }
        if (options.family != address_family::ipv4) {
            error_info v6_info;
            auto ec = procfs_read_file(base + "6", ip_family::ipv6, options.states, out.rows,
                                       v6_info, out.protocol, out.metrics);
            // A kernel without IPv6 has no tcp6 file: with both families asked, that is an
            // empty IPv6 table, not an error.
            bool no_ipv6 = ec == std::errc::no_such_file_or_directory &&
                           options.family == address_family::both;
            if (ec && !no_ipv6) {
                info = std::move(v6_info);
                return ec;
            }
        }
        out.states_filtered = true;
        return {};
    });
}

}  // namespace tcptable::inline v0_1::detail

#include "procfs_backend.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "fd.hpp"
#include "procfs_parser.hpp"

namespace tcptable::detail {
namespace {

// seq_file hands out as much as the reader's buffer holds, so a large buffer means few
// read() calls (fs/seq_file.c); 256 KiB covers ~1 700 rows a call.
constexpr std::size_t read_chunk = 256 * 1024;

std::error_code os_error(error_info& info, const std::string& path, const char* what, int err) {
    info.file = path;
    info.line = 0;
    info.message = std::string(what) + ": " + std::strerror(err);
    return {err, std::system_category()};
}

}  // namespace

std::error_code procfs_read_file(const std::string& path, ip_family family, state_set states,
                                 std::vector<tcp_row>& out, error_info& info) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return os_error(info, path, "cannot open", errno);

    std::unique_ptr<char[]> buf(new char[read_chunk]);
    std::size_t used = 0;  // bytes of an unfinished line kept at the front of buf
    procfs_parser parser(family, path, states);
    for (;;) {
        ssize_t n = ::read(fd.get(), buf.get() + used, read_chunk - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error(info, path, "cannot read", errno);
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
    return parser.finish(std::string_view(buf.get(), used), info);
}

std::error_code procfs_snapshot(const snapshot_options& options, backend_output& out,
                                error_info& info) noexcept {
    try {
        const std::string base = options.proc_root + "/net/";
        if (options.family != address_family::ipv6) {
            if (auto ec =
                    procfs_read_file(base + "tcp", ip_family::ipv4, options.states, out.rows, info))
                return ec;
        }
        if (options.family != address_family::ipv4) {
            error_info v6_info;
            auto ec =
                procfs_read_file(base + "tcp6", ip_family::ipv6, options.states, out.rows, v6_info);
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
    } catch (const std::bad_alloc&) {
        info.message = "out of memory";
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

}  // namespace tcptable::detail

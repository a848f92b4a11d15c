// SPDX-License-Identifier: MIT
// Linux: MIB_TCPSTATS counters from <proc>/net/snmp.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../common/backend.hpp"
#include "fd.hpp"
#include "netns.hpp"
#include "snmp_parser.hpp"

namespace tcptable::inline v0_1::detail {

namespace {

std::error_code read_snmp(const std::string& path, tcp_statistics& stats, error_info& info) {
    unique_fd fd;
    if (auto ec = open_regular_file(path, fd, info)) return ec;
    std::string text;
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return os_error(info, "cannot read", errno, path);
        if (n == 0) break;
        text.append(buf, std::size_t(n));
        if (text.size() > (1u << 20)) {
            info.file = path;
            info.message = "file larger than 1 MiB";
            return make_error_code(errc::parse_error);
        }
    }
    return parse_snmp_tcp(text, path, stats, info);
}

}  // namespace

std::error_code platform_statistics(const statistics_options& options, tcp_statistics& stats,
                                    error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        if (options.proc_root.empty()) {  // "" + "/net/snmp" would read /net/snmp
            info.message = "empty proc root (expected a directory such as /proc)";
            return make_error_code(errc::invalid_argument);
        }
        if (options.netns.empty()) return read_snmp(options.proc_root + "/net/snmp", stats, info);
        netns_spec spec;
        if (auto ec = parse_netns(options.netns, spec, info)) return ec;
        // A pid names another namespace's view, as for snapshots: /proc/<pid>/net/snmp.
        if (spec.pid)
            return read_snmp(options.proc_root + "/" + *spec.pid + "/net/snmp", stats, info);
        // A namespace file: /proc/thread-self/net shows the reading thread's namespace.
        unique_fd ns;
        if (auto ec = open_netns(spec, ns, info)) return ec;
        return run_in_netns(
            ns.get(), spec.path,
            [&](error_info& inner) {
                return read_snmp("/proc/thread-self/net/snmp", stats, inner);
            },
            info);
    });
}

}  // namespace tcptable::inline v0_1::detail

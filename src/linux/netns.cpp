// SPDX-License-Identifier: MIT
#include "netns.hpp"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

#include "procfs_backend.hpp"

namespace tcptable::inline v0_1::detail {

std::error_code parse_netns(const std::string& text, netns_spec& spec, error_info& info) {
    spec = {};
    if (text.empty()) {
        info.message = "empty network namespace (expected a pid or a path)";
        return make_error_code(errc::invalid_argument);
    }
    bool digits = text.find_first_not_of("0123456789") == std::string::npos;
    if (digits) {
        // Pids are positive and below 2^22 (proc(5), /proc/sys/kernel/pid_max); ten digits
        // leave room without letting a long string through.
        if (text.size() > 10 || text.find_first_not_of('0') == std::string::npos) {
            info.message = "invalid pid '" + text + "' for a network namespace";
            return make_error_code(errc::invalid_argument);
        }
        spec.pid = text;
        spec.path = "/proc/" + text + "/ns/net";
    } else {
        spec.path = text;
    }
    return {};
}

std::error_code open_netns(const netns_spec& spec, unique_fd& fd, error_info& info) {
    // Namespace files (/proc/<pid>/ns/net, bind mounts of it under /run/netns) stat as regular
    // files. Anything else is refused before setns; a FIFO would otherwise block the open.
    mode_t mode = 0;
    int r = open_regular(spec.path.c_str(), fd, mode);
    if (r == 0) return {};
    info.file = spec.path;
    info.line = 0;
    if (r > 0) {
        info.message = std::string("cannot open network namespace: ") + std::strerror(r);
        return {r, std::system_category()};
    }
    info.message = std::string("not a network namespace file (") + file_kind(mode) + ")";
    return make_error_code(errc::invalid_argument);
}

std::error_code run_in_netns(int ns_fd, const std::string& ns_name,
                             const std::function<std::error_code(error_info&)>& fn,
                             error_info& info) {
    std::error_code result;
    error_info thread_info;
    try {
        std::thread worker([&] {
            if (::setns(ns_fd, CLONE_NEWNET) != 0) {
                int err = errno;
                thread_info.file = ns_name;
                // EINVAL: a regular file that is no namespace, or another kind of namespace.
                thread_info.message =
                    err == EINVAL
                        ? std::string("not a network namespace (setns: ") + std::strerror(err) + ")"
                        : std::string("cannot join network namespace (setns): ") +
                              std::strerror(err);
                result = {err, std::system_category()};
                return;
            }
            result = guarded(thread_info, [&] { return fn(thread_info); });
        });
        worker.join();
    } catch (const std::system_error& e) {
        // std::thread could not start one (EAGAIN: the thread limit).
        info.message = std::string("cannot start a thread to join the namespace: ") + e.what();
        return e.code();
    }
    if (result) info = std::move(thread_info);
    return result;
}

std::error_code procfs_snapshot_in_netns(const snapshot_options& options, backend_rows& out,
                                         error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        if (options.proc_root.empty()) {  // would read /<pid>/net or /thread-self/net
            info.message = "empty proc root (expected a directory such as /proc)";
            return make_error_code(errc::invalid_argument);
        }
        netns_spec spec;
        if (auto ec = parse_netns(options.netns, spec, info)) return ec;
        snapshot_options inner = options;
        inner.netns.clear();
        if (spec.pid) {
            inner.proc_root = options.proc_root + "/" + *spec.pid;
            return procfs_snapshot(inner, out, info);
        }
        unique_fd ns;
        if (auto ec = open_netns(spec, ns, info)) return ec;
        inner.proc_root = options.proc_root + "/thread-self";
        return run_in_netns(
            ns.get(), spec.path,
            [&](error_info& thread_info) { return procfs_snapshot(inner, out, thread_info); },
            info);
    });
}

}  // namespace tcptable::inline v0_1::detail

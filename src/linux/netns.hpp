// SPDX-License-Identifier: MIT
// Network namespaces: naming one by pid or path, and running code inside one.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <tcptable/error.hpp>

#include "../common/backend.hpp"
#include "fd.hpp"

namespace tcptable::inline v0_1::detail {

// snapshot_options::netns as given: a pid ("1234") or the path of a namespace file.
struct netns_spec {
    std::optional<std::string> pid;  // digits only
    std::string path;                // the namespace file: "/proc/<pid>/ns/net" for a pid
};

// Splits `text` into a pid or a path. Empty text or a malformed pid is invalid_argument.
std::error_code parse_netns(const std::string& text, netns_spec& spec, error_info& info);

// Opens the namespace file (read-only, without blocking on a FIFO). OS errors (ENOENT, EACCES)
// name the file in `info`; a file that is not regular (a FIFO, a directory, a device) is
// errc::invalid_argument, also naming it. setns (run_in_netns) refuses the other regular files.
std::error_code open_netns(const netns_spec& spec, unique_fd& fd, error_info& info);

// Runs `fn` on a short-lived thread that first joins the network namespace `ns_fd` with
// setns(CLONE_NEWNET), and returns what `fn` returns. A network namespace is a per-thread
// attribute (setns(2)), so the calling thread's own namespace never changes; sockets created by
// `fn` stay bound to the namespace after the thread ends (network_namespaces(7)).
std::error_code run_in_netns(int ns_fd, const std::string& ns_name,
                             const std::function<std::error_code(error_info&)>& fn,
                             error_info& info);

// The procfs backend for options.netns: a pid reads <proc_root>/<pid>/net/tcp{,6}; a path reads
// /proc/thread-self/net/tcp{,6} from a thread that joined the namespace, since /proc/net shows
// the reading thread's namespace (proc(5), /proc/pid/net).
std::error_code procfs_snapshot_in_netns(const snapshot_options& options, backend_rows& out,
                                         error_info& info) noexcept;

}  // namespace tcptable::inline v0_1::detail

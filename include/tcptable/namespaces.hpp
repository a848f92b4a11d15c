// SPDX-License-Identifier: MIT
// Every network namespace of the host in one call: each namespace's table, tagged with what
// names it (its inode, a name, the container or systemd unit of a process in it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>
#include <tcptable/error.hpp>
#include <tcptable/export.hpp>
#include <tcptable/snapshot.hpp>
#include <tcptable/tcp_table.hpp>
#include <vector>

namespace tcptable::inline v0_1 {

// One network namespace and its table. The tags stay here, once per namespace, not on rows.
struct namespace_table {
    // The namespace's inode (ns/net, nsfs): unique on the host while the namespace lives. 0 on
    // platforms without network namespaces.
    std::uint64_t inode = 0;
    // Its /run/netns name where there is one ("blue"), else "pid:N" for the lowest pid found in
    // it; "host" on platforms without network namespaces.
    std::string name;
    // The lowest pid found in it; 0 when no process is (a /run/netns namespace alone).
    std::uint32_t pid = 0;
    // The container or systemd unit of that process, from its cgroup: "docker:ID",
    // "containerd:ID", "crio:ID", "podman:ID" (ID: the first 12 hex digits), "lxc:NAME",
    // "systemd:NAME.service"; empty when none is recognised.
    std::string unit;
    // The calling thread's own namespace.
    bool own = false;
    tcp_table table;
};

struct all_namespaces {
    // The caller's namespace first, then the /run/netns names in order, then the others by pid.
    std::vector<namespace_table> namespaces;
    // Namespaces found that were gone (or whose process was) by the time they were read.
    std::size_t vanished = 0;
    // Namespaces found that this caller may not read (opening or joining them was refused),
    // and their names. Never an error for the whole call.
    std::size_t unreadable = 0;
    std::vector<std::string> unreadable_names;
    // Processes whose namespace could not be seen at all (not ours to inspect): namespaces
    // only they are in are not found.
    std::size_t hidden_processes = 0;
    // With owner pids asked: processes whose fd directory could not be read (one pass over
    // /proc serves every namespace; the tables' unmapped_owner_rows are per namespace).
    std::size_t unreadable_processes = 0;

    std::size_t total_rows() const noexcept {
        std::size_t n = 0;
        for (const auto& ns : namespaces) n += ns.table.size();
        return n;
    }
};

// Reads the table of every network namespace (Linux): those of all processes (distinct ns/net
// inodes over /proc/*/ns/net) and the /run/netns names, each once, through a socket opened
// inside it by a short-lived thread (the caller's thread never changes namespace), or /proc.
// `options` applies to each read; options.netns must be empty and proc_root "/proc"
// (errc::invalid_argument otherwise). With owner_pids, owners come from one pass over /proc.
// Windows: one namespace, the caller's, named "host". Other platforms: errc::not_supported.
// Throws std::system_error.
TCPTABLE_EXPORT all_namespaces snapshot_all_namespaces(const snapshot_options& options = {});

// Never throws: on failure returns an empty result and sets ec (and info, when given).
TCPTABLE_EXPORT all_namespaces snapshot_all_namespaces(const snapshot_options& options,
                                                       std::error_code& ec,
                                                       error_info* info = nullptr) noexcept;

}  // namespace tcptable::inline v0_1

// SPDX-License-Identifier: MIT
#include "owner_pids.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "../common/owner_cache_impl.hpp"
#include "fd.hpp"
#include "owner_index.hpp"
#include "test_seams.hpp"

#if TCPTABLE_HAVE_BPF
#include "bpf/bpf_owner_pids.hpp"
#endif

namespace tcptable::inline v0_1::detail {

namespace seam_state {
std::atomic<bool> owner_bpf_disabled{false};
std::atomic<std::uint64_t> owner_bpf_first_read_files{owner_bpf_first_read_files_default};
}  // namespace seam_state

namespace {

using owners::dirent_buffer_size;
using owners::for_each_numeric_entry;
using owners::parse_u32;
using owners::socket_inode;

std::error_code open_proc_dir(const std::string& proc_dir, unique_fd& proc, error_info& info) {
    proc = unique_fd(::open(proc_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (proc) return {};
    int err = errno;
    info.file = proc_dir;
    info.message = std::string("cannot open for owner pids: ") + std::strerror(err);
    return {err, std::system_category()};
}

// The initial pid namespace's inode (PROC_PID_INIT_INO, fixed by the kernel).
constexpr ino_t init_pid_ns_inode = 0xEFFFFFFCu;

// Whether pids of the initial pid namespace (the BPF iterator's task->tgid) are the ones
// /proc shows this process: it runs in the initial pid namespace, and /proc is a mount of it
// (its "self" is our pid).
bool proc_shows_init_pids() noexcept {
    struct stat st;
    if (::stat("/proc/self/ns/pid", &st) != 0 || st.st_ino != init_pid_ns_inode) return false;
    char self[32];
    ssize_t n = ::readlink("/proc/self", self, sizeof self - 1);
    if (n <= 0) return false;
    return parse_u32(self, self + n) == static_cast<std::uint32_t>(::getpid());
}

#if TCPTABLE_HAVE_BPF
// The process (by pid: a forked child starts over) whose owner read came through here last.
std::atomic<pid_t> owner_reader{0};

// Open files on the system: the first field of /proc/sys/fs/file-nr (allocated file handles),
// what the /proc scan's cost follows; 0 when unreadable.
std::uint64_t open_files() {
    unique_fd fd(::open("/proc/sys/fs/file-nr", O_RDONLY | O_CLOEXEC));
    if (!fd) return 0;
    char buf[64];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) return 0;
    const char* end = buf;
    while (end < buf + n && *end >= '0' && *end <= '9') ++end;
    return parse_u32(buf, end);
}

// Whether the iterator is worth taking for this read: it is loaded already, or this process
// read owners before (a watcher, an exporter: the load pays for itself), or the system has so
// many open files that the scan would cost more than a load (~18 ms here, ~4 000 readlinks).
// A one-shot read of a small system takes the scan, as the TCP backend's automatic does.
bool bpf_owner_worth_it() {
    if (bpf_task_sockets_loaded()) return true;
    const pid_t self = ::getpid();
    if (owner_reader.exchange(self, std::memory_order_relaxed) == self) return true;
    return open_files() >= seam_state::owner_bpf_first_read_files.load(std::memory_order_relaxed);
}

// The BPF path: true when it answered (rows filled), false to fall back to /proc.
bool bpf_owner_pids(std::vector<tcp_row>& rows, owner_scan_result& result) {
    if (seam_state::owner_bpf_disabled.load(std::memory_order_relaxed)) return false;
    if (!proc_shows_init_pids()) return false;
    if (!bpf_owner_worth_it()) return false;
    std::vector<task_socket> records;
    error_info ignored;
    if (bpf_task_sockets(records, ignored)) return false;  // not permitted here: /proc
    owners::owner_index index(rows);
    for (const task_socket& r : records) index.credit_inode(r.inode, r.tgid);
    result.unmapped_rows = index.unmapped();
    result.unreadable_processes = 0;  // the kernel reads every process
    return true;
}
#endif

}  // namespace

bool owner_bpf_available() noexcept {
#if TCPTABLE_HAVE_BPF
    if (seam_state::owner_bpf_disabled.load(std::memory_order_relaxed)) return false;
    if (!proc_shows_init_pids()) return false;
    std::vector<task_socket> records;
    error_info ignored;
    return !bpf_task_sockets(records, ignored);
#else
    return false;
#endif
}

std::error_code map_owner_pids(const std::string& proc_dir, std::vector<tcp_row>& rows,
                               owner_scan_result& result, error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        owners::owner_index index(rows);
        unique_fd proc;
        if (auto ec = open_proc_dir(proc_dir, proc, info)) return ec;
        if (!index.empty()) {
            std::unique_ptr<char[]> proc_buf(new char[dirent_buffer_size]);
            std::unique_ptr<char[]> fd_buf(new char[dirent_buffer_size]);
            char path[64];
            char link[64];
            for_each_numeric_entry(proc.get(), proc_buf.get(), [&](const char* pid_name) {
                std::uint32_t pid = parse_u32(pid_name, pid_name + std::strlen(pid_name));
                if (pid == 0) return;
                std::snprintf(path, sizeof path, "%u/fd", static_cast<unsigned>(pid));
                unique_fd fds(::openat(proc.get(), path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
                if (!fds) {
                    // EACCES/EPERM: not ours to read (hidepid, other users). ENOENT/ESRCH: the
                    // process exited between the listing and the open. Neither fails the scan.
                    if (errno == EACCES || errno == EPERM) ++result.unreadable_processes;
                    return;
                }
                for_each_numeric_entry(fds.get(), fd_buf.get(), [&](const char* fd_name) {
                    ssize_t n = ::readlinkat(fds.get(), fd_name, link, sizeof link);
                    if (n <= 0 || std::size_t(n) >= sizeof link) return;
                    std::uint32_t ino = socket_inode(link, std::size_t(n));
                    if (ino != 0) index.credit_inode(ino, pid);
                });
            });
        }
        result.unmapped_rows = index.unmapped();
        return {};
    });
}

std::error_code resolve_owner_pids(const snapshot_options& options, const std::string& proc_dir,
                                   std::vector<tcp_row>& rows, owner_scan_result& result,
                                   owner_method& method, error_info& info) noexcept {
#if TCPTABLE_HAVE_BPF
    if (proc_dir == "/proc") {
        bool done = false;
        if (auto ec = guarded(info, [&] {
                done = bpf_owner_pids(rows, result);
                return std::error_code{};
            }))
            return ec;
        if (done) {
            method = owner_method::bpf_iterator;
            return {};
        }
    }
#endif
    if (options.owner_cache) {
        method = owner_method::proc_cache;
        return map_owner_pids_cached(proc_dir, rows, *options.owner_cache, result, info);
    }
    method = owner_method::proc_scan;
    return map_owner_pids(proc_dir, rows, result, info);
}

// Where to look for processes: the proc root itself when it is a proc mount; the host's /proc
// when the root is one process's view (/proc/<pid>, another namespace's table) or a namespace
// was named; nowhere for a directory of captured files, whose inodes name no live socket.
std::error_code fill_owner_pids(const snapshot_options& options, tcp_table& out,
                                error_info& info) noexcept {
    std::string dir;
    struct stat st;
    if (!options.netns.empty()) {
        dir = "/proc";
    } else if (::stat((options.proc_root + "/self").c_str(), &st) == 0) {
        dir = options.proc_root;
    } else if (::stat((options.proc_root + "/fd").c_str(), &st) == 0) {
        dir = "/proc";
    }
    if (dir.empty()) {
        for (const tcp_row& r : out)
            if (r.inode != 0) ++out.unmapped_owner_rows;
        return {};
    }
    owner_scan_result result;
    owner_method method = owner_method::none;
    auto ec = resolve_owner_pids(options, dir, out.mutable_rows(), result, method, info);
    out.unmapped_owner_rows = result.unmapped_rows;
    out.unreadable_processes = result.unreadable_processes;
    out.owner_source = method;
    return ec;
}

}  // namespace tcptable::inline v0_1::detail

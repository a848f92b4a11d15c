// SPDX-License-Identifier: MIT
#include "owner_pids.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

#include "fd.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

constexpr std::size_t dirent_buffer_size = 64 * 1024;

// Calls f(name) for every entry of the open directory `dirfd` whose name is all digits.
// getdents64 (glibc >= 2.30, <dirent.h> with _GNU_SOURCE) fills the caller's buffer with
// struct dirent64 records, each d_reclen bytes long; readdir() would allocate a DIR per process.
template <class F>
void for_each_numeric_entry(int dirfd, char* buf, F&& f) {
    for (;;) {
        ssize_t n = ::getdents64(dirfd, buf, dirent_buffer_size);
        if (n <= 0) return;  // end, or the directory vanished under us
        for (ssize_t off = 0; off < n;) {
            auto* d = reinterpret_cast<const struct dirent64*>(buf + off);
            off += d->d_reclen;
            const char* name = d->d_name;
            if (name[0] < '0' || name[0] > '9') continue;
            f(name);
        }
    }
}

// All of [first, last) as a decimal number that fits 32 bits, or 0.
std::uint32_t parse_u32(const char* first, const char* last) noexcept {
    std::uint32_t v = 0;
    auto [next, ec] = std::from_chars(first, last, v);
    return ec == std::errc{} && next == last ? v : 0;
}

// "socket:[12345]" → 12345; anything else → 0.
std::uint32_t socket_inode(const char* link, std::size_t len) noexcept {
    constexpr char prefix[] = "socket:[";
    constexpr std::size_t plen = sizeof prefix - 1;
    if (len < plen + 2 || std::memcmp(link, prefix, plen) != 0 || link[len - 1] != ']') return 0;
    return parse_u32(link + plen, link + len - 1);
}

struct inode_slot {
    std::uint32_t inode;
    std::uint32_t row;
    std::uint32_t last_pid;  // the process that last counted as an owner
};

}  // namespace

std::error_code map_owner_pids(const std::string& proc_dir, std::vector<tcp_row>& rows,
                               owner_scan_result& result, error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        // The table's inodes, sorted for binary search: only these are looked up.
        std::vector<inode_slot> index;
        index.reserve(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            rows[i].pid = 0;
            rows[i].owner_count = 0;
            if (rows[i].inode != 0) index.push_back({rows[i].inode, std::uint32_t(i), 0});
        }
        std::sort(index.begin(), index.end(),
                  [](const inode_slot& a, const inode_slot& b) { return a.inode < b.inode; });

        unique_fd proc(::open(proc_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!proc) {
            int err = errno;
            info.file = proc_dir;
            info.message = std::string("cannot open for owner pids: ") + std::strerror(err);
            return {err, std::system_category()};
        }
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
                    if (ino == 0) return;
                    auto it = std::lower_bound(
                        index.begin(), index.end(), ino,
                        [](const inode_slot& s, std::uint32_t v) { return s.inode < v; });
                    for (; it != index.end() && it->inode == ino; ++it) {
                        // A process's fds are listed together; one holding the socket in
                        // several fds counts once.
                        if (it->last_pid == pid) continue;
                        it->last_pid = pid;
                        tcp_row& r = rows[it->row];
                        if (r.pid == 0 || pid < r.pid) r.pid = pid;
                        if (r.owner_count < 255) ++r.owner_count;
                    }
                });
            });
        }
        for (const tcp_row& r : rows)
            if (r.inode != 0 && r.pid == 0) ++result.unmapped_rows;
        return {};
    });
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
    auto ec = map_owner_pids(dir, out.mutable_rows(), result, info);
    out.unmapped_owner_rows = result.unmapped_rows;
    out.unreadable_processes = result.unreadable_processes;
    return ec;
}

}  // namespace tcptable::inline v0_1::detail

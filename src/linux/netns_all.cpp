// SPDX-License-Identifier: MIT
// snapshot_all_namespaces on Linux: find every network namespace, read each once.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "../common/backend.hpp"
#include "cgroup.hpp"
#include "fd.hpp"
#include "owner_pids.hpp"
#include "test_seams.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

constexpr long nsfs_magic = 0x6e736673;  // NSFS_MAGIC, <linux/magic.h>
// Processes tried, lowest pid first, to open a namespace whose first process has gone.
constexpr std::size_t max_pid_tries = 8;

// "net:[4026531840]" -> 4026531840; anything else -> 0.
std::uint64_t parse_ns_link(const char* link, std::size_t len) noexcept {
    constexpr std::string_view prefix = "net:[";
    std::string_view s(link, len);
    if (!s.starts_with(prefix) || !s.ends_with(']')) return 0;
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data() + prefix.size(), s.data() + s.size() - 1, v);
    return ec == std::errc{} && p == s.data() + s.size() - 1 ? v : 0;
}

// The inode of the namespace `link_path` (a /proc ns link, relative to `dirfd`), or 0 with errno.
std::uint64_t ns_inode_at(int dirfd, const char* link_path) noexcept {
    char link[64];
    ssize_t n = ::readlinkat(dirfd, link_path, link, sizeof link);
    if (n <= 0 || std::size_t(n) >= sizeof link) return 0;
    std::uint64_t ino = parse_ns_link(link, std::size_t(n));
    if (ino == 0) errno = EINVAL;
    return ino;
}

struct found_ns {
    std::uint64_t inode = 0;
    std::string run_name;             // under /run/netns
    std::vector<std::uint32_t> pids;  // ascending, at most max_pid_tries kept
    bool own = false;
};

bool is_refusal(int err) noexcept { return err == EACCES || err == EPERM; }

std::string read_small_file(const std::string& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return {};
    std::string out;
    char buf[4096];
    for (int i = 0; i < 16; ++i) {  // 64 KiB at most: a cgroup file is a few lines
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, std::size_t(n));
    }
    return out;
}

// Every namespace: those of the processes, then the /run/netns names.
std::error_code discover(std::map<std::uint64_t, found_ns>& found, all_namespaces& out,
                         error_info& info) {
    unique_fd proc(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc) return os_error(info, "cannot open", errno, "/proc");
    const std::uint64_t own = ns_inode_at(proc.get(), "thread-self/ns/net");
    if (own == 0) return os_error(info, "cannot read", errno, "/proc/thread-self/ns/net");
    found[own].inode = own;
    found[own].own = true;

    DIR* dir = ::fdopendir(::dup(proc.get()));
    if (!dir) return os_error(info, "cannot list", errno, "/proc");
    char path[64];
    while (dirent* d = ::readdir(dir)) {
        const char* name = d->d_name;
        std::uint32_t pid = 0;
        auto [p, ec] = std::from_chars(name, name + std::strlen(name), pid);
        if (ec != std::errc{} || *p != '\0' || pid == 0) continue;
        std::snprintf(path, sizeof path, "%u/ns/net", static_cast<unsigned>(pid));
        std::uint64_t ino = ns_inode_at(proc.get(), path);
        if (ino == 0) {
            // Not ours to inspect (ptrace access mode, proc(5)); ENOENT: it exited.
            if (is_refusal(errno)) ++out.hidden_processes;
            continue;
        }
        found_ns& ns = found[ino];
        ns.inode = ino;
        if (ns.pids.size() < max_pid_tries) ns.pids.push_back(pid);
    }
    ::closedir(dir);
    for (auto& [ino, ns] : found) std::sort(ns.pids.begin(), ns.pids.end());

    if (DIR* run = ::opendir("/run/netns")) {
        std::vector<std::string> names;
        while (dirent* d = ::readdir(run)) {
            std::string_view n = d->d_name;
            if (n != "." && n != "..") names.emplace_back(n);
        }
        ::closedir(run);
        std::sort(names.begin(), names.end());
        for (const auto& n : names) {
            const std::string file = "/run/netns/" + n;
            struct statfs sfs;
            struct stat st;
            // A name whose mount is gone (being deleted) is an empty file, not a namespace.
            if (::statfs(file.c_str(), &sfs) != 0 || sfs.f_type != nsfs_magic) continue;
            if (::stat(file.c_str(), &st) != 0) continue;
            found_ns& ns = found[st.st_ino];
            ns.inode = st.st_ino;
            if (ns.run_name.empty()) ns.run_name = n;
        }
    }
    return {};
}

enum class read_outcome { read, vanished, unreadable };

// Opens the namespace file of `ns` whose inode is still ns.inode.
read_outcome open_ns(const found_ns& ns, unique_fd& fd) {
    std::vector<std::string> paths;
    if (!ns.run_name.empty()) paths.push_back("/run/netns/" + ns.run_name);
    for (auto pid : ns.pids) paths.push_back("/proc/" + std::to_string(pid) + "/ns/net");
    bool refused = false;
    for (const auto& p : paths) {
        unique_fd f(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
        if (!f) {
            if (is_refusal(errno)) refused = true;
            continue;  // ENOENT, ESRCH: gone; the next process may still be in it
        }
        struct stat st;
        struct statfs sfs;
        if (::fstat(f.get(), &st) != 0 || ::fstatfs(f.get(), &sfs) != 0) continue;
        // A pid reused, a name mounted again: another namespace now.
        if (sfs.f_type != nsfs_magic || st.st_ino != ns.inode) continue;
        fd = std::move(f);
        return read_outcome::read;
    }
    return refused ? read_outcome::unreadable : read_outcome::vanished;
}

bool refused_error(const std::error_code& ec) {
    return ec.category() == std::system_category() && is_refusal(ec.value());
}

}  // namespace

std::error_code platform_all_namespaces(const snapshot_options& options, all_namespaces& out,
                                        error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        if (options.proc_root != "/proc") {
            info.message =
                "proc_root (" + options.proc_root + ") must be /proc to find every namespace";
            return make_error_code(errc::invalid_argument);
        }
        std::map<std::uint64_t, found_ns> found;
        if (auto ec = discover(found, out, info)) return ec;
        if (auto hook = seam_state::after_netns_discovery.load(std::memory_order_acquire)) hook();

        snapshot_options inner = options;
        inner.owner_pids = false;  // one pass over /proc for all of them, below
        for (auto& [ino, ns] : found) {
            namespace_table t;
            t.inode = ino;
            t.own = ns.own;
            t.pid = ns.pids.empty() ? 0 : ns.pids.front();
            t.name = !ns.run_name.empty() ? ns.run_name
                     : t.pid != 0         ? "pid:" + std::to_string(t.pid)
                                          : "inode:" + std::to_string(ino);
            std::error_code ec;
            error_info ns_info;
            if (ns.own) {
                inner.netns.clear();
                t.table = snapshot(inner, ec, &ns_info);
            } else {
                unique_fd fd;
                auto outcome = open_ns(ns, fd);
                if (outcome == read_outcome::vanished) {
                    ++out.vanished;
                    continue;
                }
                if (outcome == read_outcome::unreadable) {
                    ++out.unreadable;
                    out.unreadable_names.push_back(t.name);
                    continue;
                }
                // The descriptor pins the namespace: it cannot vanish during the read.
                inner.netns = "/proc/self/fd/" + std::to_string(fd.get());
                t.table = snapshot(inner, ec, &ns_info);
            }
            if (ec) {
                if (refused_error(ec)) {  // setns needs CAP_SYS_ADMIN over the namespace
                    ++out.unreadable;
                    out.unreadable_names.push_back(t.name);
                    continue;
                }
                info = std::move(ns_info);
                info.message = "network namespace " + t.name + ": " + info.message;
                return ec;
            }
            if (t.pid != 0)
                t.unit =
                    unit_from_cgroup(read_small_file("/proc/" + std::to_string(t.pid) + "/cgroup"));
            out.namespaces.push_back(std::move(t));
        }
        std::stable_sort(out.namespaces.begin(), out.namespaces.end(),
                         [&](const namespace_table& a, const namespace_table& b) {
                             auto key = [&](const namespace_table& n) {
                                 return n.own ? 0 : !found[n.inode].run_name.empty() ? 1 : 2;
                             };
                             int ka = key(a), kb = key(b);
                             if (ka != kb) return ka < kb;
                             if (ka == 1) return a.name < b.name;
                             return a.pid < b.pid;
                         });

        if (options.owner_pids) {
            // Socket inodes come from one filesystem (sockfs) for the whole host: one map of
            // inode to pid, from one /proc pass, serves every namespace.
            std::vector<tcp_row> all;
            all.reserve(out.total_rows());
            for (const auto& ns : out.namespaces)
                all.insert(all.end(), ns.table.begin(), ns.table.end());
            owner_scan_result r;
            owner_method method = owner_method::none;
            if (auto ec = resolve_owner_pids(options, "/proc", all, r, method, info)) return ec;
            out.unreadable_processes = r.unreadable_processes;
            std::size_t at = 0;
            for (auto& ns : out.namespaces) {
                ns.table.unmapped_owner_rows = 0;
                ns.table.unreadable_processes = r.unreadable_processes;
                ns.table.owner_source = method;
                for (tcp_row& row : ns.table) {
                    row = all[at++];
                    if (row.inode != 0 && row.pid == 0) ++ns.table.unmapped_owner_rows;
                }
            }
        }
        return std::error_code{};
    });
}

namespace seam_state {
std::atomic<void (*)()> after_netns_discovery{nullptr};
}  // namespace seam_state
}  // namespace tcptable::inline v0_1::detail

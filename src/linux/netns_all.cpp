// SPDX-License-Identifier: MIT
// snapshot_all_namespaces on Linux: find every network namespace, read each once.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <map>
#include <string>
#include <thread>
#include <utility>
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

// What reading one namespace gave; folded into the result in discovery order afterwards.
struct ns_read {
    read_outcome outcome = read_outcome::read;
    namespace_table table;  // named and tagged; its rows when outcome is read and !ec
    std::error_code ec;
    error_info info;
    std::exception_ptr failure;  // an exception (bad_alloc), rethrown on the calling thread
};

// Reads namespace `ino`: opens it (pinning it by descriptor, unless it is the caller's own) and
// takes one snapshot inside it. Blocking; safe to run on several threads at once (each read
// has its own descriptors and its own thread inside the namespace).
ns_read read_one(const snapshot_options& inner_options, std::uint64_t ino, const found_ns& ns) {
    ns_read r;
    namespace_table& t = r.table;
    t.inode = ino;
    t.own = ns.own;
    t.pid = ns.pids.empty() ? 0 : ns.pids.front();
    t.name = !ns.run_name.empty() ? ns.run_name
             : t.pid != 0         ? "pid:" + std::to_string(t.pid)
                                  : "inode:" + std::to_string(ino);
    snapshot_options inner = inner_options;
    unique_fd fd;
    if (ns.own) {
        inner.netns.clear();
    } else {
        r.outcome = open_ns(ns, fd);
        if (r.outcome != read_outcome::read) return r;
        // The descriptor pins the namespace: it cannot vanish during the read.
        inner.netns = "/proc/self/fd/" + std::to_string(fd.get());
    }
    t.table = snapshot(inner, r.ec, &r.info);
    if (!r.ec && t.pid != 0)
        t.unit = unit_from_cgroup(read_small_file("/proc/" + std::to_string(t.pid) + "/cgroup"));
    return r;
}

// How many namespaces are read at once. Each read is mostly the kernel's walk of the
// host-wide socket hash for one dump (docs/PERFORMANCE.md), so reads on other CPUs overlap; a
// few more threads than CPUs hide the waits (thread start, setns). The test seam forces a count
// (1: one after another, on the calling thread).
std::size_t read_workers(std::size_t jobs) {
    const int forced = seam_state::netns_read_workers.load(std::memory_order_relaxed);
    const std::size_t cpus = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t n =
        forced > 0 ? std::size_t(forced) : std::clamp<std::size_t>(2 * cpus, 2, 8);
    return std::max<std::size_t>(1, std::min(n, jobs));
}

// Reads every namespace of `jobs`, `read_workers` at a time; results[i] is jobs[i]'s. The
// calling thread reads too, and if no worker thread can be started it reads them all.
std::vector<ns_read> read_all(const snapshot_options& inner,
                              const std::vector<std::pair<std::uint64_t, const found_ns*>>& jobs) {
    std::vector<ns_read> results(jobs.size());
    std::atomic<std::size_t> next{0};
    auto work = [&]() noexcept {
        for (std::size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < jobs.size();) {
            try {
                results[i] = read_one(inner, jobs[i].first, *jobs[i].second);
            } catch (...) {
                results[i].failure = std::current_exception();
            }
        }
    };
    std::vector<std::thread> threads;
    const std::size_t workers = read_workers(jobs.size());
    threads.reserve(workers - 1);
    for (std::size_t k = 1; k < workers; ++k) {
        try {
            threads.emplace_back(work);
        } catch (const std::exception&) {
            break;  // EAGAIN (the thread limit): fewer readers, the same results
        }
    }
    work();
    for (auto& th : threads) th.join();
    return results;
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
        // The reads run side by side; what they found is taken in discovery (inode) order, so
        // the counts, the unreadable names and the first error are those of reading them one
        // after another.
        std::vector<std::pair<std::uint64_t, const found_ns*>> jobs;
        for (const auto& [ino, ns] : found) jobs.emplace_back(ino, &ns);
        std::vector<ns_read> results = read_all(inner, jobs);
        for (ns_read& r : results) {
            if (r.failure) std::rethrow_exception(r.failure);
            namespace_table& t = r.table;
            if (r.outcome == read_outcome::vanished) {
                ++out.vanished;
                continue;
            }
            // Unreadable: not ours to open, or setns needs CAP_SYS_ADMIN over the namespace.
            if (r.outcome == read_outcome::unreadable || (r.ec && refused_error(r.ec))) {
                ++out.unreadable;
                out.unreadable_names.push_back(t.name);
                continue;
            }
            if (r.ec) {
                info = std::move(r.info);
                info.message = "network namespace " + t.name + ": " + info.message;
                return r.ec;
            }
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
std::atomic<int> netns_read_workers{0};
}  // namespace seam_state
}  // namespace tcptable::inline v0_1::detail

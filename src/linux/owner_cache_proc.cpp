// SPDX-License-Identifier: MIT
// The /proc owner scan, incremental: tcptable::owner_cache's Linux state and its pass.
//
// Per process the cache holds its /proc/<pid>/fd directory open and the socket inode behind
// each descriptor number it listed. The open directory names one process, not a pid number:
// once that process has exited, reading the directory fails (ENOENT), even if the number has
// been given to a new process, so pid reuse cannot mix two processes' descriptors up. A
// snapshot then:
//   1. lists /proc; processes not listed any more are dropped, new ones read in full;
//   2. asks each known process's descriptor count (one fstat of the held directory, Linux
//      >= 6.2); when it differs from the cache's, lists the descriptors (getdents) and reads
//      the link of the numbers not seen before; numbers that vanished are dropped;
//   3. re-reads the cached descriptors that may have been reused: those whose socket was in
//      the last table and is not in this one, and those of a socket that several processes
//      hold (one of them may have let it go and reused the number);
//   4. if a table inode is left without an owner that was not already ownerless last time,
//      lists every process again, and re-reads every cached descriptor that does not point
//      at a table socket (one of them may have been reused for it) — a recheck;
//   5. every `full_pass_every` snapshots, starts from nothing (a full pass, as the scan).
// docs/DESIGN.md ("Owner attribution") gives the race that remains.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "../common/owner_cache_impl.hpp"
#include "fd.hpp"
#include "owner_index.hpp"
#include "owner_pids.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

using owners::owner_index;

struct fd_entry {
    int fd = -1;
    std::uint32_t inode = 0;                 // the socket's inode; 0: not a socket
    std::uint32_t slot = owner_index::npos;  // this snapshot: where the inode is in the table
    bool in_table = false;                   // its inode was in the last snapshot's table
    bool fresh = false;                      // its link was read at this snapshot
};

struct proc_entry {
    std::uint32_t pid = 0;
    unique_fd dir;              // /proc/<pid>/fd, open; closed for processes beyond the cap
    std::vector<fd_entry> fds;  // by descriptor number
};

struct proc_cache_state {
    std::string proc_dir;
    std::vector<proc_entry> procs;         // by pid
    std::vector<std::uint32_t> ownerless;  // table inodes left without owner last time, sorted
    std::uint64_t since_full = 0;          // snapshots since the last full pass
    bool counts_ok = false;  // fstat of /proc/<pid>/fd gives the descriptor count here
};

// Linux >= 6.2 reports a /proc/<pid>/fd directory's descriptor count as its size; older
// kernels report 0. Our own process has descriptors open (the proc directory, at least).
bool fd_counts_supported(const std::string& proc_dir) {
    struct stat sb;
    std::string self = proc_dir + "/self/fd";
    return ::stat(self.c_str(), &sb) == 0 && sb.st_size > 0;
}

// How many /proc/<pid>/fd directories the cache may hold open: an eighth of the descriptor
// limit, at most 4096. Processes beyond it are read in full each time, as the scan does.
std::size_t held_directory_cap() noexcept {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 64;
    rlim_t cap = lim.rlim_cur == RLIM_INFINITY ? 4096 : lim.rlim_cur / 8;
    return static_cast<std::size_t>(std::min<rlim_t>(cap, 4096));
}

class pass {
  public:
    pass(proc_cache_state& st, owner_index& index, owner_scan_result& result,
         owner_cache::statistics& stats)
        : st_(st),
          index_(index),
          result_(result),
          stats_(stats),
          buf_(new char[owners::dirent_buffer_size]) {}

    // The socket inode of descriptor `fd` of the fd directory `dir`; 0 for anything else (or
    // a number closed meanwhile). Sets `gone` when the process has exited or no longer lets
    // us read it.
    std::uint32_t read_link(int dir, int fd, bool& gone) {
        char name[16], link[64];
        std::snprintf(name, sizeof name, "%d", fd);
        ++stats_.links_read;
        ssize_t n = ::readlinkat(dir, name, link, sizeof link);
        if (n < 0 && errno != ENOENT && errno != ENAMETOOLONG) gone = true;  // EACCES, ESRCH
        if (n <= 0 || std::size_t(n) >= sizeof link) return 0;
        return owners::socket_inode(link, std::size_t(n));
    }

    // The descriptor numbers listed in `dir` now, ascending; false when the process is gone.
    bool list(int dir, std::vector<int>& out) {
        out.clear();
        if (::lseek(dir, 0, SEEK_SET) != 0) return false;
        const bool read = owners::for_each_numeric_entry(dir, buf_.get(), [&](const char* name) {
            out.push_back(int(owners::parse_u32(name, name + std::strlen(name))));
        });
        if (!read) return false;  // ENOENT: the process exited
        if (!std::is_sorted(out.begin(), out.end())) std::sort(out.begin(), out.end());
        return true;
    }

    // Merges the listing into e.fds: known numbers keep their inode, new ones are read.
    // False when the process is gone or denies us now.
    bool refresh(proc_entry& e, const std::vector<int>& listed) {
        std::vector<fd_entry> next;
        next.reserve(listed.size());
        auto old = e.fds.begin();
        bool gone = false;
        for (int fd : listed) {
            while (old != e.fds.end() && old->fd < fd) ++old;
            if (old != e.fds.end() && old->fd == fd) {
                fd_entry k = *old;
                k.fresh = false;
                next.push_back(k);
            } else {
                fd_entry k;
                k.fd = fd;
                k.inode = read_link(e.dir.get(), fd, gone);
                k.fresh = true;
                next.push_back(k);
            }
        }
        e.fds = std::move(next);
        return !gone;
    }

    // A process not cached yet (or no longer identifiable): opens and reads it in full.
    // False when it cannot be read (counted when it denies us) or has gone.
    bool open_new(int proc, std::uint32_t pid, proc_entry& e, std::vector<int>& listed) {
        char path[32];
        std::snprintf(path, sizeof path, "%u/fd", static_cast<unsigned>(pid));
        e.pid = pid;
        e.fds.clear();
        e.dir = unique_fd(::openat(proc, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!e.dir) {
            if (errno == EACCES || errno == EPERM) ++result_.unreadable_processes;
            return false;
        }
        if (!list(e.dir.get(), listed)) return false;
        if (!refresh(e, listed)) {
            ++result_.unreadable_processes;
            return false;
        }
        return true;
    }

    // Whether a known process still has as many descriptors as the cache lists for it:
    // fstat of its fd directory gives the count (Linux >= 6.2; counts_ok says it does). Then
    // the listing is skipped: a number closed and reused, or a set of numbers changed at the
    // same count, is what steps 3 and 4 look for. False (list it) otherwise, or when the
    // process is gone (the count of an exited process's directory fails with ENOENT).
    bool unchanged(proc_entry& e) {
        if (!st_.counts_ok) return false;
        struct stat sb;
        if (::fstat(e.dir.get(), &sb) != 0) return false;
        if (sb.st_size < 0 || std::size_t(sb.st_size) != e.fds.size()) return false;
        for (fd_entry& k : e.fds) k.fresh = false;
        return true;
    }

    // Step 4's first half: lists every held process again and reads the numbers it did not
    // know (a count may have stayed equal over a changed set).
    void relist_all() {
        std::vector<int> listed;
        for (proc_entry& e : st_.procs)
            if (e.dir && list(e.dir.get(), listed)) refresh(e, listed);
    }

    // Steps 1 and 2.
    void refresh_all(int proc, std::size_t cap) {
        std::vector<std::uint32_t> pids;
        owners::for_each_numeric_entry(proc, buf_.get(), [&](const char* name) {
            std::uint32_t pid = owners::parse_u32(name, name + std::strlen(name));
            if (pid != 0) pids.push_back(pid);
        });
        std::sort(pids.begin(), pids.end());
        std::vector<proc_entry> next;
        next.reserve(pids.size());
        std::vector<int> listed;
        auto old = st_.procs.begin();
        std::size_t held = 0;
        for (std::uint32_t pid : pids) {
            while (old != st_.procs.end() && old->pid < pid) ++old;  // exited: dropped
            proc_entry e;
            bool ok = false;
            if (old != st_.procs.end() && old->pid == pid && old->dir) {
                e = std::move(*old);
                ok = unchanged(e) || (list(e.dir.get(), listed) && refresh(e, listed));
                // Gone (another process may hold the number now) or denied: read afresh.
                if (!ok) e = proc_entry{};
            }
            if (!ok) ok = open_new(proc, pid, e, listed);
            if (!ok) continue;
            if (held >= cap)
                e.dir.reset();  // read in full again next time
            else
                ++held;
            next.push_back(std::move(e));
        }
        st_.procs = std::move(next);
    }

    // Looks every descriptor's inode up in the table, and credits its process.
    void resolve_and_credit() {
        index_.reset();
        for (proc_entry& e : st_.procs)
            for (fd_entry& k : e.fds) {
                k.slot = k.inode ? index_.find(k.inode) : owner_index::npos;
                if (k.slot != owner_index::npos) index_.credit(k.slot, e.pid);
            }
    }

    // Re-reads the descriptors `suspect` picks; true if any changed.
    template <class Suspect>
    bool reread(Suspect&& suspect) {
        bool changed = false;
        for (proc_entry& e : st_.procs) {
            if (!e.dir) continue;  // read in full at this snapshot
            bool gone = false;
            for (fd_entry& k : e.fds) {
                if (k.fresh || !suspect(k)) continue;
                std::uint32_t ino = read_link(e.dir.get(), k.fd, gone);
                k.fresh = true;
                if (ino != k.inode) {
                    k.inode = ino;
                    changed = true;
                }
            }
            (void)gone;  // a process that went meanwhile is dropped at the next snapshot
        }
        return changed;
    }

  private:
    proc_cache_state& st_;
    owner_index& index_;
    owner_scan_result& result_;
    owner_cache::statistics& stats_;
    std::unique_ptr<char[]> buf_;
};

}  // namespace

std::error_code map_owner_pids_cached(const std::string& proc_dir, std::vector<tcp_row>& rows,
                                      owner_cache& cache, owner_scan_result& result,
                                      error_info& info) noexcept {
    return guarded(info, [&]() -> std::error_code {
        owner_cache::impl& c = cache.state();
        std::lock_guard lock(c.mutex);
        auto st = std::static_pointer_cast<proc_cache_state>(c.platform_data);
        bool full = !st || st->proc_dir != proc_dir ||
                    (c.full_pass_every != 0 && st->since_full + 1 >= c.full_pass_every);
        if (full) {
            st = std::make_shared<proc_cache_state>();
            st->proc_dir = proc_dir;
            st->counts_ok = fd_counts_supported(proc_dir);
            c.platform_data = st;
        }
        unique_fd proc(::open(proc_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!proc) {
            int err = errno;
            info.file = proc_dir;
            info.message = std::string("cannot open for owner pids: ") + std::strerror(err);
            c.platform_data.reset();
            return {err, std::system_category()};
        }
        ++c.stats.snapshots;
        c.stats.links_read = 0;
        if (full) {
            ++c.stats.full_passes;
            st->since_full = 0;
        } else {
            ++st->since_full;
        }
        owner_index index(rows);
        pass p(*st, index, result, c.stats);
        p.refresh_all(proc.get(), held_directory_cap());
        p.resolve_and_credit();
        if (!full) {
            // Step 3: sockets that left the table, and shared ones.
            if (p.reread([&](const fd_entry& k) {
                    return k.slot == owner_index::npos ? k.in_table : index.owners(k.slot) > 1;
                }))
                p.resolve_and_credit();
            // Step 4: an ownerless inode that was not ownerless last time.
            std::vector<std::uint32_t> now = index.unmapped_inodes();
            bool news = false;
            for (std::uint32_t ino : now)
                if (!std::binary_search(st->ownerless.begin(), st->ownerless.end(), ino)) {
                    news = true;
                    break;
                }
            if (news) {
                ++c.stats.rechecks;
                p.relist_all();
                p.reread([](const fd_entry& k) { return k.slot == owner_index::npos; });
                p.resolve_and_credit();
            }
        }
        st->ownerless = index.unmapped_inodes();
        std::size_t descriptors = 0;
        for (proc_entry& e : st->procs) {
            descriptors += e.fds.size();
            for (fd_entry& k : e.fds) k.in_table = k.slot != owner_index::npos;
        }
        c.stats.processes = st->procs.size();
        c.stats.descriptors = descriptors;
        result.unmapped_rows = index.unmapped();
        return std::error_code{};
    });
}

}  // namespace tcptable::inline v0_1::detail

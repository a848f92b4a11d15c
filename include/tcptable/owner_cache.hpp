// SPDX-License-Identifier: MIT
// An inode -> owner cache for repeated snapshots with owner pids (a watcher, `tcptable --watch
// -p`, a program taking many snapshots): pass one object in snapshot_options::owner_cache and
// every snapshot given it resolves only what changed since the last one.
//
// Linux, /proc path only (when the BPF iterator is not permitted, or not loaded yet at a process's
// first owner read; see docs/DESIGN.md, "Owner attribution"): the cache keeps, per process, its
// /proc/<pid>/fd directory open and the socket inode behind each descriptor number. A snapshot asks
// each process's descriptor count (one fstat), lists the descriptors of those whose count changed,
// and reads the link of new descriptor numbers only, plus the few that may have been reused;
// processes that exited, and descriptors that vanished, are dropped. Its result is the full scan's,
// except for the one race documented in DESIGN.md (a descriptor number reused between two snapshots
// while its old socket stays in the table with no other visible holder), which a full pass every
// `full_pass_every` snapshots bounds. It holds up to min(4096, RLIMIT_NOFILE / 8) directories open.
//
// Windows: GetExtendedTcpTable reports the owner pid itself; the cache is accepted and
// ignored, as on platforms without owner pids.
#pragma once

#include <tcptable/export.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace tcptable::inline v0_1 {

class TCPTABLE_EXPORT owner_cache {
  public:
    // What the cache did, over its life and at the last snapshot that used it.
    struct statistics {
        std::uint64_t snapshots = 0;    // snapshots that used the cache
        std::uint64_t full_passes = 0;  // of which read every descriptor (cold, or periodic)
        std::uint64_t rechecks = 0;     // of which re-read suspect descriptors (see DESIGN.md)
        std::size_t processes = 0;      // processes held now
        std::size_t descriptors = 0;    // descriptor numbers known now
        std::size_t links_read = 0;     // readlink calls at the last snapshot
    };

    // full_pass_every: every Nth snapshot reads every descriptor again, as the uncached scan
    // does (0: only the first). Bounds how long the residual race can last.
    explicit owner_cache(std::size_t full_pass_every = 64);
    ~owner_cache();
    owner_cache(const owner_cache&) = delete;
    owner_cache& operator=(const owner_cache&) = delete;

    // Thread-safe: snapshots sharing one cache take turns for their owner step.
    statistics stats() const;
    // Forgets everything (closes the held directories); the next snapshot is a full pass.
    void clear();

    // The library's state (src/common/owner_cache_impl.hpp); not for callers.
    struct impl;
    impl& state() noexcept { return *impl_; }

  private:
    std::unique_ptr<impl> impl_;
};

}  // namespace tcptable::inline v0_1

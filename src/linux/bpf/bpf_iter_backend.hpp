// SPDX-License-Identifier: MIT
// The bpf backend (backend_kind::bpf): the TCP table from a BPF iter/tcp program
// (tcp_iter.bpf.c) that writes rows in tcp_row's own layout, read from the iterator's file in
// large chunks. Built with libbpf when CMake found the BPF tools (cmake/bpf.cmake); without
// them every function here answers errc::not_supported, saying why.
#pragma once

#include <atomic>
#include <cstddef>
#include <system_error>
#include <tcptable/error.hpp>

#include "../../common/backend.hpp"

namespace tcptable::inline v0_1::detail {

// The rows of options.family in options.states (both filters applied in the BPF program),
// appended to out.rows (out.states_filtered is set). The namespace is options.netns (the
// iterator is created on a thread that joined it) or the caller's. errc::not_supported, with
// the reason in info: a build without libbpf, a kernel without BTF or iter/tcp, no CAP_BPF and
// CAP_PERFMON, metrics asked (no tcp_info here), or the UDP table.
std::error_code bpf_iter_snapshot(const snapshot_options& options, backend_rows& out,
                                  error_info& info) noexcept;

// snapshot_each over the iterator: each read() of the iterator (at most ~450 rows; the
// kernel's seq_file buffer is 32 KiB) goes to `sink`. `delivered` counts the rows passed on.
std::error_code bpf_iter_snapshot_each(const snapshot_options& options, const row_batch_sink& sink,
                                       std::size_t& delivered, error_info& info) noexcept;

// For backend_kind::automatic: whether this snapshot should be read by bpf. True only when
// the read is one bpf serves (TCP, no metrics, some state other than LISTEN asked: netlink
// skips the established hash for a listeners-only dump), the table holds at least
// bpf_iter_auto_threshold() rows by /proc/net/sockstat (of the caller's namespace, or
// /proc/<pid>/net for a netns given by pid; a netns given by path has no count here and stays
// on netlink), and the program is loaded — or this is the process's second read of a large
// table, when the load is tried (once: the verdict is cached). A one-shot read never pays the
// load, which costs more than bpf saves on one walk.
bool bpf_iter_preferred(const snapshot_options& options) noexcept;

// The table size (rows) from which automatic reads with bpf: measured, docs/PERFORMANCE.md.
inline constexpr std::size_t bpf_iter_default_threshold = 10000;
std::size_t bpf_iter_auto_threshold() noexcept;

namespace seam_state {
// bpf_iter_backend.cpp: the threshold automatic uses (SIZE_MAX: the default).
extern std::atomic<std::size_t> bpf_auto_threshold;
// bpf_iter_backend.cpp: bumped to drop the loaded programs and the cached verdict.
extern std::atomic<unsigned> bpf_iter_generation;
// bpf_iter_backend.cpp: iterations read to the end, for tests to see which backend ran.
extern std::atomic<unsigned long> bpf_iter_reads;
}  // namespace seam_state

}  // namespace tcptable::inline v0_1::detail

namespace tcptable::inline v0_1::detail::test_seams {
// Defined in tests/support/bpf_iter_test_seams.cpp (test-only).
// The threshold automatic uses from now on (SIZE_MAX: the default).
void set_bpf_auto_threshold(std::size_t rows) noexcept;
// Drops the loaded programs and the cached verdict: the next bpf read loads again.
void forget_bpf_iter() noexcept;
// How many bpf iterations have been read to the end in this process.
unsigned long bpf_iter_reads() noexcept;
}  // namespace tcptable::inline v0_1::detail::test_seams

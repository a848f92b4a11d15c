// SPDX-License-Identifier: MIT
// Internal switches for tests only. The state lives in the library (seam_state, read by the
// backends; nothing in the library sets it); the setters are defined in a test-only object,
// tests/support/linux_test_seams.cpp, so they do not ship in the library.
#pragma once

#include <atomic>
#include <cstdint>

namespace tcptable::inline v0_1::detail {

namespace seam_state {
// netlink_backend.cpp: an errno every netlink socket creation fails with (0: off).
extern std::atomic<int> forced_socket_errno;
// netlink_backend.cpp: the kernel refused the legacy TCPDIAG_GETSOCK request (remembered).
extern std::atomic<bool> legacy_refused;
// netlink_backend.cpp: a streamed dump's datagram number N (1-based, per dump) is taken as
// flagged NLM_F_DUMP_INTR (0: off).
extern std::atomic<int> forced_dump_interruption;
// destroy_events.cpp: the receive buffer (bytes) of destroy subscriptions (0: the default).
extern std::atomic<int> destroy_receive_buffer;
// platform.cpp: 0 until probed, then 1 + the backend_kind automatic resolves to.
extern std::atomic<int> probed_default;
// netns_all.cpp: called between finding the namespaces and reading them (nullptr: off).
extern std::atomic<void (*)()> after_netns_discovery;
// netns_all.cpp: how many namespaces are read at once (0: the default; 1: one at a time).
extern std::atomic<int> netns_read_workers;
// owner_pids.cpp: owner pids never take the BPF iterator (the /proc path, as unprivileged).
extern std::atomic<bool> owner_bpf_disabled;
// owner_pids.cpp: a process's first owner read takes the BPF iterator (not loaded yet) only
// with at least this many open files on the system (/proc/sys/fs/file-nr); below, the scan.
inline constexpr std::uint64_t owner_bpf_first_read_files_default = 4096;
extern std::atomic<std::uint64_t> owner_bpf_first_read_files;
}  // namespace seam_state

namespace test_seams {

// Makes every netlink socket creation fail with this errno (0: off), as in a sandbox that
// refuses NETLINK_SOCK_DIAG.
void set_netlink_refusal(int errno_value) noexcept;

// Makes a streamed netlink dump (snapshot_each) see its datagram number `datagram` (1-based)
// flagged NLM_F_DUMP_INTR, as when the table changes during the dump (0: off).
void set_forced_dump_interruption(int datagram) noexcept;

// Forgets the cached answer of platform_default_backend(), so the next call probes again.
void forget_default_backend() noexcept;

// Forgets that the kernel refused the legacy TCPDIAG_GETSOCK request, or pretends it did.
void set_legacy_refused(bool refused) noexcept;

// Runs `hook` in snapshot_all_namespaces after the namespaces are found and before any is read
// (nullptr: off), so a test can delete one in between.
void set_after_netns_discovery(void (*hook)()) noexcept;

// Makes snapshot_all_namespaces read `workers` namespaces at once (1: one after another on the
// calling thread; 0: the default), so a test compares the two.
void set_netns_read_workers(int workers) noexcept;

// Gives destroy subscriptions opened from now on a receive buffer of this many bytes (0: the
// default), so that a burst overflows it (ENOBUFS).
void set_destroy_receive_buffer(int bytes) noexcept;

// Makes owner pids skip the BPF iterator and take the /proc path (scan or cache).
void set_owner_bpf_disabled(bool disabled) noexcept;

// The open-file count from which a first owner read loads the BPF iterator (0: always; the
// default: owner_bpf_first_read_files_default).
void set_owner_bpf_first_read_files(std::uint64_t files) noexcept;

}  // namespace test_seams
}  // namespace tcptable::inline v0_1::detail

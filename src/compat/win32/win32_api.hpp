// SPDX-License-Identifier: MIT
// Internals of the Win32 API layer (win32_api.cpp) that tests reach through the object library.
#pragma once

#include <atomic>
#include <system_error>
#include <tcptable/snapshot.hpp>
#include <tcptable/udp.hpp>
#include <vector>

namespace tcptable::inline v0_1::detail {

// Test seam: runs on the rows of every snapshot the Win32 table functions take, after the
// snapshot and before they size and fill the caller's buffer. A test uses it to make the table
// grow (or shrink) between a probe and a fill deterministically. Set it only while no Win32
// call runs on another thread; pass nullptr to remove it.
using win32_rows_hook = void (*)(std::vector<tcp_row>& rows, void* context);
void set_win32_rows_hook(win32_rows_hook hook, void* context) noexcept;
// The seams' state, read by win32_api.cpp; the two setters are defined in a test-only object
// (tests/support/win32_test_seams.cpp) and do not ship in the library.
// The same for the UDP table functions (GetUdpTable, GetUdp6Table, GetExtendedUdpTable).
using win32_udp_rows_hook = void (*)(std::vector<udp_row>& rows, void* context);
void set_win32_udp_rows_hook(win32_udp_rows_hook hook, void* context) noexcept;
namespace seam_state {
extern std::atomic<win32_rows_hook> rows_hook;
extern std::atomic<void*> rows_hook_context;
extern std::atomic<bool> snapshot_bypass;
extern std::atomic<win32_udp_rows_hook> udp_rows_hook;
extern std::atomic<void*> udp_rows_hook_context;
}  // namespace seam_state

// Test seam: with `bypass` set, the Win32 table functions take no snapshot and the rows hook
// alone supplies the rows, so a fuzzer drives the buffer contract without reading a live table
// of unknown size on every input. Same threading rule as the hook.
void set_win32_snapshot_bypass(bool bypass) noexcept;

// The Win32 error code (winerror.h value) for a failed snapshot or statistics read.
unsigned long win32_error_from(const std::error_code& ec) noexcept;

// The rows a Win32 table function returns: one snapshot of `family` in `states`, owner pids
// when asked, the test seam applied, sorted per the contract when `sorted`. Returns NO_ERROR (0)
// or a Win32 error code.
unsigned long win32_rows(address_family family, state_set states, bool sorted, bool owner_pids,
                         std::vector<tcp_row>& rows) noexcept;

// The same for the UDP functions: one snapshot_udp of `family`, the seam applied, sorted when
// `sorted` (local address with its scope id, local port, as Windows orders UDP tables).
unsigned long win32_udp_rows(address_family family, bool sorted, bool owner_pids,
                             std::vector<udp_row>& rows) noexcept;

// Which family an extended-table call asks for; AF_* are this system's values.
bool win32_family_from(unsigned long af, address_family& family) noexcept;

}  // namespace tcptable::inline v0_1::detail

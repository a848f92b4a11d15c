// SPDX-License-Identifier: MIT
// The buffer loop around the iphlpapi table calls, which all share one protocol: pass a buffer
// and its size; if it is too small the call says so and writes the size it needs. The table
// can grow between two calls, so the loop allocates with slack and retries a bounded number of
// times. Pure: the call is a parameter, so the Linux build tests the loop with fake calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "win32_error.hpp"

namespace tcptable::inline v0_1::detail {

// A DWORD-aligned byte buffer for one MIB table.
class table_buffer {
  public:
    void* data() noexcept { return words_.empty() ? nullptr : words_.data(); }
    const void* data() const noexcept { return words_.empty() ? nullptr : words_.data(); }
    std::uint32_t size_bytes() const noexcept {
        return static_cast<std::uint32_t>(words_.size() * sizeof(std::uint64_t));
    }
    // Grows to at least `bytes` (rounded up to 8), zeroed. Throws std::bad_alloc.
    void resize(std::uint32_t bytes) {
        words_.assign((std::size_t(bytes) + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t), 0);
    }

  private:
    std::vector<std::uint64_t> words_;
};

// Calls per table before giving up with the last status (→ errc::table_changed).
inline constexpr int max_table_calls = 8;

// Room for rows that appear between the size probe and the call that fills the buffer.
inline std::uint32_t size_with_slack(std::uint32_t bytes) noexcept {
    constexpr std::uint32_t limit = 0x7fffffffu;
    std::uint64_t grown = std::uint64_t(bytes) + bytes / 8 + 4096;
    return grown > limit ? limit : static_cast<std::uint32_t>(grown);
}

// Fills `buf` with one table: `call(void* buffer, std::uint32_t* size)` returns the Win32
// status. Returns win32_no_error with the table in buf (a zeroed buffer, whose first DWORD
// dwNumEntries is 0, when the table is empty), or the status the loop stopped on.
// Throws std::bad_alloc.
template <class Call>
std::uint32_t fill_table(Call&& call, table_buffer& buf, int max_calls = max_table_calls) {
    // The probe: a null buffer makes every table call report the size it needs
    // (GetTcpTable: ERROR_INSUFFICIENT_BUFFER "is also returned if the pTcpTable parameter is
    // NULL").
    std::uint32_t size = 0;
    std::uint32_t status = call(nullptr, &size);
    for (int calls = 1;; ++calls) {
        if (status == win32_no_error && buf.data() != nullptr) return status;
        // Success on a null buffer, or no data at all: the table is empty.
        if (status == win32_no_error || status == win32_error_no_data) {
            buf.resize(16);
            return win32_no_error;
        }
        if (status != win32_error_insufficient_buffer && status != win32_status_unsuccessful)
            return status;
        if (calls >= max_calls) return status;
        // STATUS_UNSUCCESSFUL may leave size as it was; the table grew either way, so grow too.
        std::uint32_t want = size > buf.size_bytes() ? size : buf.size_bytes();
        buf.resize(size_with_slack(want));
        size = buf.size_bytes();
        status = call(buf.data(), &size);
    }
}

}  // namespace tcptable::inline v0_1::detail

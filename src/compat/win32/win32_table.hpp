// SPDX-License-Identifier: MIT
// The buffer contract every Win32 table function keeps (GetTcpTable, GetUdpTable and their
// families): the size check, ERROR_INSUFFICIENT_BUFFER with the size needed, and the copy.
// Include it after the Win32 headers (it uses their types and error codes).
#pragma once

#include <cstddef>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include <tcptable/win32/iphlpapi.h>
#include <tcptable/win32/winerror.h>

namespace tcptable::inline v0_1::detail {

// Writes `rows` into the caller's buffer of *size bytes as a Table (a MIB_*TABLE*: dwNumEntries,
// then the rows from offsetof(Table, table)), each row converted by fill(row, mib_row) into a
// zeroed MIB row. A NULL buffer or one smaller than the table gets ERROR_INSUFFICIENT_BUFFER with
// *size set to the size needed, and nothing written: the size comes from the same rows that are
// copied, so a table that grew since the caller's probe is never written past *size. Rows go in
// through memcpy: the caller's buffer need not be aligned for the row type, and the table may be
// longer than its ANY_SIZE array says.
template <class Table, class Row, class Fill>
ULONG copy_table(void* buffer, ULONG* size, const std::vector<Row>& rows, Fill fill) noexcept {
    using row_type = std::remove_reference_t<decltype(Table::table[0])>;
    constexpr std::size_t header = offsetof(Table, table);
    if (rows.size() > (std::numeric_limits<ULONG>::max() - header) / sizeof(row_type))
        return ERROR_NOT_ENOUGH_MEMORY;
    const auto required = static_cast<ULONG>(header + rows.size() * sizeof(row_type));
    if (buffer == nullptr || *size < required) {
        *size = required;
        return ERROR_INSUFFICIENT_BUFFER;
    }
    auto* out = static_cast<unsigned char*>(buffer);
    const auto count = static_cast<DWORD>(rows.size());
    // The header's padding (8-byte aligned module tables) is zeroed, as a fresh table would be.
    std::memset(out, 0, header);
    std::memcpy(out + offsetof(Table, dwNumEntries), &count, sizeof count);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        // Zeroed whole, padding included: what Linux does not keep (creation times, module
        // cookies, SpecificPortBind) reads as zero, and no stack bytes reach the caller.
        row_type m;
        std::memset(&m, 0, sizeof m);
        fill(rows[i], m);
        std::memcpy(out + header + i * sizeof(row_type), &m, sizeof m);
    }
    return NO_ERROR;
}

}  // namespace tcptable::inline v0_1::detail

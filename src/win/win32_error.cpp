// SPDX-License-Identifier: MIT
#include "win32_error.hpp"

#include <tcptable/error.hpp>

namespace tcptable::inline v0_1::detail {

std::error_code error_from_win32(std::uint32_t status) noexcept {
    switch (status) {
        case win32_no_error:
            return {};
        // The function does not exist on this Windows (GetTcp6Table before Vista).
        case win32_error_not_supported:
            return make_error_code(errc::not_supported);
        // The same condition snapshot() reports for std::bad_alloc.
        case win32_error_not_enough_memory:
        case win32_error_outofmemory:
            return std::make_error_code(std::errc::not_enough_memory);
        // The buffer loop's bounded retries ran out while the table kept growing or the stack
        // stayed busy.
        case win32_error_insufficient_buffer:
        case win32_status_unsuccessful:
            return make_error_code(errc::table_changed);
        default:
            return {static_cast<int>(status), std::system_category()};
    }
}

}  // namespace tcptable::inline v0_1::detail

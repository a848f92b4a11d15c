// SPDX-License-Identifier: MIT
// tcptable's own error codes. Errors from the operating system keep std::system_category().
#pragma once

#include <cstddef>
#include <string>
#include <system_error>
#include <tcptable/export.hpp>

namespace tcptable::inline v0_1 {

enum class errc {
    parse_error = 1,      // a kernel table's text or messages were not in the expected format
    not_supported,        // this platform or backend cannot do what was asked
    invalid_argument,     // an option had a value the library cannot use
    table_changed,        // the table kept changing under a bounded number of retries
    backend_unavailable,  // the requested backend cannot be used here (e.g. netlink refused)
};

TCPTABLE_EXPORT const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

// Where and why a snapshot failed, beyond what an error_code can carry: for a parse error the
// file and the 1-based line; for an OS error the path or call that failed.
struct error_info {
    std::string file;
    std::size_t line = 0;
    std::string message;

    // "file:line: message", omitting the parts that are empty.
    TCPTABLE_EXPORT std::string to_string() const;
};

}  // namespace tcptable::inline v0_1

template <>
struct std::is_error_code_enum<tcptable::errc> : std::true_type {};

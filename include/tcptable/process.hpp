// SPDX-License-Identifier: MIT
// The name of a process, by its id, as the system's own tools show it. Standard headers only.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <tcptable/export.hpp>

namespace tcptable::inline v0_1 {

// Linux: the command name, /proc/<pid>/comm without its newline (at most 15 bytes, which the
// process sets itself: prctl(PR_SET_NAME), its executable's name). Windows: the image file's
// name without its directory ("svchost.exe"), as Task Manager shows it, in UTF-8.
//
// The bytes are the system's, unchanged: a name may hold control characters, newlines or bytes
// that are not UTF-8, so escape it before printing it to a terminal.
//
// Errors: pid 0 is errc::invalid_argument; a process that does not exist (or no longer does)
// gives the system's error (ENOENT on Linux, ERROR_INVALID_PARAMETER on Windows); a platform
// without process names gives errc::not_supported.

// Throws std::system_error on failure.
TCPTABLE_EXPORT std::string process_name(std::uint32_t pid);

// On failure returns "" and sets `ec`; clears `ec` on success.
TCPTABLE_EXPORT std::string process_name(std::uint32_t pid, std::error_code& ec) noexcept;

}  // namespace tcptable::inline v0_1

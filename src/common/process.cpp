// SPDX-License-Identifier: MIT
#include "process.hpp"

#include <tcptable/error.hpp>
#include <tcptable/process.hpp>

namespace tcptable::inline v0_1 {

std::string process_name(std::uint32_t pid, std::error_code& ec) noexcept {
    std::string name;
    // Pid 0 is no process on Linux and the System Idle Process on Windows, which has no image.
    ec = pid == 0 ? make_error_code(errc::invalid_argument)
                  : detail::platform_process_name(pid, name);
    if (ec) name.clear();
    return name;
}

std::string process_name(std::uint32_t pid) {
    std::error_code ec;
    std::string name = process_name(pid, ec);
    if (ec) throw std::system_error(ec, "process_name(" + std::to_string(pid) + ")");
    return name;
}

}  // namespace tcptable::inline v0_1

// SPDX-License-Identifier: MIT
#include <tcptable/version.hpp>

namespace tcptable {

std::string_view version() noexcept { return TCPTABLE_VERSION_STRING; }

}  // namespace tcptable

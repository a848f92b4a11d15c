// SPDX-License-Identifier: MIT
#include <tcptable/version.hpp>

namespace tcptable::inline v0_1 {

std::string_view version() noexcept { return TCPTABLE_VERSION_STRING; }

}  // namespace tcptable::inline v0_1

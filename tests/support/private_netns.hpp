// Moves the calling process into a network namespace of its own with loopback up, so a test's
// table holds only the test's sockets. Call it in a forked child (support/child_process.hpp)
// while it has one thread. No network headers here: the Win32 API tests include it too.
#pragma once

#include <string>

namespace tcptable::testing {

// Returns "" on success, or why it could not (e.g. no CAP_SYS_ADMIN), for a skip message.
std::string enter_private_netns();

}  // namespace tcptable::testing

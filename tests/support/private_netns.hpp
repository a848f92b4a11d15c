// SPDX-License-Identifier: MIT
// Moves the calling process into a network namespace of its own with loopback up, so a test's
// table holds only the test's sockets. Call it in a forked child (support/child_process.hpp)
// while it has one thread. No network headers here: the Win32 API tests include it too.
#pragma once

#include <string>

namespace tcptable::testing {

// Returns "" on success, or why it could not (e.g. no CAP_SYS_ADMIN), for a skip message.
std::string enter_private_netns();

// For a test that can run anywhere but is better alone: the calling thread (and the threads
// it starts meanwhile) runs in a fresh namespace with loopback up until the scope ends, then
// goes back. Where no namespace can be made, entered() is false and nothing changes. Call it
// from the process's main thread, so that /proc/net (the thread group leader's) follows too.
class scoped_private_netns {
  public:
    scoped_private_netns();
    ~scoped_private_netns();
    scoped_private_netns(const scoped_private_netns&) = delete;
    scoped_private_netns& operator=(const scoped_private_netns&) = delete;

    bool entered() const { return home_ >= 0; }
    // Why not, when !entered().
    const std::string& why_not() const { return why_not_; }

  private:
    int home_ = -1;  // the namespace to return to
    std::string why_not_;
};

}  // namespace tcptable::testing

// SPDX-License-Identifier: MIT
#include "support/private_netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "support/netns_helpers.hpp"

namespace tcptable::testing {

std::string enter_private_netns() {
    if (::unshare(CLONE_NEWNET) != 0)
        return std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
    if (int err = bring_loopback_up()) return std::string("bringing lo up: ") + std::strerror(err);
    return {};
}

scoped_private_netns::scoped_private_netns() {
    const int home = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0) {
        why_not_ = std::string("/proc/self/ns/net: ") + std::strerror(errno);
        return;
    }
    if (::unshare(CLONE_NEWNET) != 0) {
        why_not_ = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
        ::close(home);
        return;
    }
    if (int err = bring_loopback_up(); err != 0) {
        // In the new namespace without a loopback: go back before saying so.
        why_not_ = std::string("bringing lo up: ") + std::strerror(err);
        if (::setns(home, CLONE_NEWNET) != 0) {
            std::fprintf(stderr, "setns back to the original namespace: %s\n",
                         std::strerror(errno));
            std::abort();
        }
        ::close(home);
        return;
    }
    home_ = home;
}

scoped_private_netns::~scoped_private_netns() {
    if (home_ < 0) return;
    // Having left it, the test can always go back (CAP_SYS_ADMIN made the new one); if not,
    // every later test would run in the wrong namespace: stop here.
    if (::setns(home_, CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "setns back to the original namespace: %s\n", std::strerror(errno));
        std::abort();
    }
    ::close(home_);
}

}  // namespace tcptable::testing

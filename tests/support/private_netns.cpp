#include "support/private_netns.hpp"

#include <sched.h>

#include <cerrno>
#include <cstring>

#include "support/netns_helpers.hpp"

namespace tcptable::testing {

std::string enter_private_netns() {
    if (::unshare(CLONE_NEWNET) != 0)
        return std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
    if (int err = bring_loopback_up()) return std::string("bringing lo up: ") + std::strerror(err);
    return {};
}

}  // namespace tcptable::testing

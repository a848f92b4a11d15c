// Internal switches for tests only: nothing in the library sets them, and no environment
// variable or option reaches them.
#pragma once

namespace tcptable::detail::test_seams {

// Makes every netlink socket creation fail with this errno (0: off), as in a sandbox that
// refuses NETLINK_SOCK_DIAG. Defined in netlink_backend.cpp.
void set_netlink_refusal(int errno_value) noexcept;

// Forgets the cached answer of platform_default_backend(), so the next call probes again.
// Defined in platform.cpp.
void forget_default_backend() noexcept;

// Forgets that the kernel refused the legacy TCPDIAG_GETSOCK request, or pretends it did.
// Defined in netlink_backend.cpp.
void set_legacy_refused(bool refused) noexcept;

}  // namespace tcptable::detail::test_seams

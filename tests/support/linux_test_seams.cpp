// SPDX-License-Identifier: MIT
// The setters of src/linux/test_seams.hpp: a test-only object, linked into the tests and never
// into the library.
#include "linux/test_seams.hpp"

namespace tcptable::inline v0_1::detail::test_seams {

void set_forced_dump_interruption(int datagram) noexcept {
    seam_state::forced_dump_interruption.store(datagram, std::memory_order_relaxed);
}

void set_netlink_refusal(int errno_value) noexcept {
    seam_state::forced_socket_errno.store(errno_value, std::memory_order_relaxed);
}

void forget_default_backend() noexcept {
    seam_state::probed_default.store(0, std::memory_order_release);
}

void set_legacy_refused(bool refused) noexcept {
    seam_state::legacy_refused.store(refused, std::memory_order_relaxed);
}

void set_after_netns_discovery(void (*hook)()) noexcept {
    seam_state::after_netns_discovery.store(hook, std::memory_order_release);
}

void set_netns_read_workers(int workers) noexcept {
    seam_state::netns_read_workers.store(workers, std::memory_order_relaxed);
}

void set_destroy_receive_buffer(int bytes) noexcept {
    seam_state::destroy_receive_buffer.store(bytes, std::memory_order_relaxed);
}

void set_owner_bpf_disabled(bool disabled) noexcept {
    seam_state::owner_bpf_disabled.store(disabled, std::memory_order_relaxed);
}

void set_owner_bpf_first_read_files(std::uint64_t files) noexcept {
    seam_state::owner_bpf_first_read_files.store(files, std::memory_order_relaxed);
}

}  // namespace tcptable::inline v0_1::detail::test_seams

// SPDX-License-Identifier: MIT
// The bpf backend's test seams (src/linux/bpf/bpf_iter_backend.hpp): test-only setters.
#include "linux/bpf/bpf_iter_backend.hpp"

namespace tcptable::inline v0_1::detail::test_seams {

void set_bpf_auto_threshold(std::size_t rows) noexcept {
    seam_state::bpf_auto_threshold.store(rows, std::memory_order_relaxed);
}

void forget_bpf_iter() noexcept {
    seam_state::bpf_iter_generation.fetch_add(1, std::memory_order_acq_rel);
}

unsigned long bpf_iter_reads() noexcept {
    return seam_state::bpf_iter_reads.load(std::memory_order_relaxed);
}

}  // namespace tcptable::inline v0_1::detail::test_seams

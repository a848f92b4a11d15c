// SPDX-License-Identifier: MIT
#include <tcptable/owner_cache.hpp>

#include "owner_cache_impl.hpp"

namespace tcptable::inline v0_1 {

owner_cache::owner_cache(std::size_t full_pass_every) : impl_(std::make_unique<impl>()) {
    impl_->full_pass_every = full_pass_every;
}

owner_cache::~owner_cache() = default;

owner_cache::statistics owner_cache::stats() const {
    std::lock_guard lock(impl_->mutex);
    statistics s = impl_->stats;
    return s;
}

void owner_cache::clear() {
    std::shared_ptr<void> old;
    {
        std::lock_guard lock(impl_->mutex);
        old = std::move(impl_->platform_data);
        impl_->stats.processes = 0;
        impl_->stats.descriptors = 0;
    }
    // The held directories close here, outside the lock.
}

}  // namespace tcptable::inline v0_1

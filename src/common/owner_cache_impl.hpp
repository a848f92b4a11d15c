// SPDX-License-Identifier: MIT
// The state behind tcptable::owner_cache: a lock, the counters, and the platform's own data
// (type-erased: shared code names no platform; only the platform that made it reads it).
#pragma once

#include <memory>
#include <mutex>
#include <tcptable/owner_cache.hpp>

namespace tcptable::inline v0_1 {

struct owner_cache::impl {
    mutable std::mutex mutex;  // held for a whole owner step
    std::size_t full_pass_every = 64;
    statistics stats;                     // under `mutex`
    std::shared_ptr<void> platform_data;  // under `mutex`; made and read by the platform
};

}  // namespace tcptable::inline v0_1

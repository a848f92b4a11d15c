// SPDX-License-Identifier: MIT
// What the BPF programs' loaders share: the warnings a generated skeleton needs silenced, the
// one libbpf print setting, and the privilege a refused load names.
#pragma once

#include <bpf/libbpf.h>

#include <cstdarg>
#include <mutex>

// Around a generated skeleton's #include: it is C written for any compiler, not ours to warn
// about.
#define TCPTABLE_SKELETON_BEGIN                                                     \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wpedantic\"") \
        _Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"")          \
            _Pragma("GCC diagnostic ignored \"-Wshadow\"")
#define TCPTABLE_SKELETON_END _Pragma("GCC diagnostic pop")

namespace tcptable::inline v0_1::detail {

// What a refused load (EPERM) adds to its reason.
inline constexpr const char* bpf_privilege_needed = "needs CAP_BPF and CAP_PERFMON, or root";

// libbpf writes its diagnostics to stderr unless told otherwise; a refused or failed load is
// reported through error_info instead, so the CLI's output stays clean. libbpf's print hook is
// process-wide: it is set once, before the first load, by whichever loader comes first.
inline void silence_libbpf() noexcept {
    static std::once_flag once;
    std::call_once(once, [] {
        libbpf_set_print([](enum libbpf_print_level, const char*, va_list) { return 0; });
    });
}

}  // namespace tcptable::inline v0_1::detail

// SPDX-License-Identifier: MIT
// The bpf event source: a BPF program on the tracepoint sock:inet_sock_set_state
// (tcp_events.bpf.c), its transitions read from a ring buffer. Built only when CMake found
// libbpf, bpftool, clang and the kernel's BTF (cmake/bpf.cmake).
#pragma once

#include <memory>
#include <string>
#include <system_error>
#include <tcptable/error.hpp>

#include "../../common/backend.hpp"

namespace tcptable::inline v0_1::detail {

// errc::not_supported, saying why, without the privilege to load it (CAP_BPF and
// CAP_PERFMON, or root) or on a kernel that refuses the program.
std::error_code open_bpf_events(const std::string& netns,
                                std::unique_ptr<platform_event_source>& out,
                                error_info& info) noexcept;

}  // namespace tcptable::inline v0_1::detail

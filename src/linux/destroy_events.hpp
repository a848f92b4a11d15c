// SPDX-License-Identifier: MIT
// The netlink event source: the sock_diag destroy multicast groups (SKNLGRP_INET_TCP_DESTROY,
// SKNLGRP_INET6_TCP_DESTROY), which any user may join, one socket per network namespace.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <tcptable/diff.hpp>
#include <tcptable/error.hpp>
#include <vector>

#include "../common/backend.hpp"

namespace tcptable::inline v0_1::detail {

inline constexpr const char* destroy_source_name = "netlink destroy notification";

// Parses one datagram of destroy notifications: each inet_diag_msg becomes a `closed` event
// (source netlink, seen_open false, no uid/inode/pid: the kernel sends none) with the last
// tcp_info figures when INET_DIAG_INFO is there, read within its length. Malformed bytes are a
// parse_error naming the byte offset; nothing is appended for the bad message.
std::error_code parse_destroy_datagram(std::span<const std::byte> datagram,
                                       std::vector<tcp_event>& out, error_info& info);

// Reads the figures the event carries from a tcp_info of `size` bytes (a shorter, older
// tcp_info leaves the fields it lacks at 0); false when not even tcpi_rtt fits.
bool read_close_figures(const std::byte* data, std::size_t size, close_figures& out) noexcept;

std::error_code open_destroy_events(const std::string& netns,
                                    std::unique_ptr<platform_event_source>& out,
                                    error_info& info) noexcept;

}  // namespace tcptable::inline v0_1::detail

// SPDX-License-Identifier: MIT
// A pure parser for /proc/net/tcp{,6} and /proc/net/udp{,6}: bytes in, rows out, no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <tcptable/error.hpp>
#include <tcptable/tcp_metrics.hpp>
#include <tcptable/tcp_row.hpp>
#include <tcptable/udp.hpp>
#include <vector>

namespace tcptable::inline v0_1::detail {

class procfs_parser {
  public:
    // A line longer than this is an error: the kernel's lines are under 200 bytes.
    static constexpr std::size_t max_line_length = 512;

    // `file_name` only names the source in error messages. For UDP the rows are tcp_row with
    // the socket's state, CLOSED or ESTABLISHED (see backend_rows), and each row must also
    // carry the ref, pointer and drops fields /proc/net/udp ends with, then nothing but spaces.
    procfs_parser(ip_family family, std::string file_name, state_set states,
                  transport_protocol protocol = transport_protocol::tcp) noexcept
        : family_(family), file_(std::move(file_name)), states_(states), protocol_(protocol) {}

    // Parses `text`, which must end just after a '\n' (or be empty): whole lines only, so a
    // reader can feed the file chunk by chunk. The first line fed must be the header.
    std::error_code parse_lines(std::string_view text, std::vector<tcp_row>& out, error_info& info);

    // Ends the input. `rest` is what followed the last '\n' (a truncated line if not empty).
    std::error_code finish(std::string_view rest, error_info& info);

    std::size_t line_number() const noexcept { return line_; }

    // From now on each row appended also appends its metrics to `*metrics`: send_queue and
    // recv_queue (tx_queue, rx_queue; a listener's rx_queue is its accept queue, its tx_queue
    // means nothing) and rto_retransmits (retrnsmt). TIME-WAIT and SYN-RECEIVED rows print
    // zeros there, which are left absent. Null: those fields are only checked for shape.
    void collect_metrics(std::vector<tcp_metrics>* metrics) noexcept { metrics_ = metrics; }

  private:
    std::error_code fail(error_info& info, std::string message) const;
    std::error_code parse_header(std::string_view line, error_info& info);
    std::error_code parse_row(std::string_view line, std::vector<tcp_row>& out, error_info& info);

    ip_family family_;
    std::string file_;
    state_set states_;
    transport_protocol protocol_;
    std::size_t line_ = 0;
    bool header_seen_ = false;
    std::vector<tcp_metrics>* metrics_ = nullptr;
};

// Parses a whole file's contents at once.
std::error_code parse_proc_net_tcp(std::string_view contents, ip_family family,
                                   std::string file_name, state_set states,
                                   std::vector<tcp_row>& out, error_info& info);

// The same for /proc/net/udp or udp6 (every row is kept: UDP has no state filter).
std::error_code parse_proc_net_udp(std::string_view contents, ip_family family,
                                   std::string file_name, std::vector<tcp_row>& out,
                                   error_info& info);

}  // namespace tcptable::inline v0_1::detail

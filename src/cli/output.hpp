// SPDX-License-Identifier: MIT
// How the CLI prints a table: text like netstat/ss, or JSON.
#pragma once

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tcptable/snapshot.hpp>
#include <tcptable/statistics.hpp>
#include <tcptable/tcp_table.hpp>
#include <tcptable/udp.hpp>
#include <vector>

namespace tcptable::cli {

// A write to the output failed; error() is the errno of the call that failed. The CLI prints
// "tcptable: write error: <strerror>" for it and exits 1.
class write_error : public std::runtime_error {
  public:
    explicit write_error(int error);
    int error() const noexcept { return error_; }

  private:
    int error_;
};

// Writes all of `text` to `out`, or throws write_error.
void write_out(std::FILE* out, std::string_view text);

// Flushes `out` and checks its error flag, or throws write_error.
void flush_out(std::FILE* out);

// An address and a port as the CLI prints them: "127.0.0.1:80", "[::1]:80", "[fe80::1%2]:80".
// With `star_zero_port`, port 0 of an unspecified address prints as "*" (netstat's remote end
// of a listener: "0.0.0.0:*", "[::]:*").
void append_endpoint(fmt::memory_buffer& out, const ip_address& a, std::uint16_t port,
                     bool star_zero_port = false);
std::string endpoint_text(const ip_address& a, std::uint16_t port);

struct print_options {
    bool show_pid = false;
    bool header = true;
};

// The print_ functions write through write_out and so throw write_error; the caller flushes.

// Writes the table as aligned text; with show_pid, each owner's pid and name
// (tcptable::process_name, through printable()).
void print_text(std::FILE* out, const tcp_table& table, const print_options& opts);
// The TCP rows, then the UDP rows ("udp"/"udp6", no state), under one header.
void print_text(std::FILE* out, const tcp_table& tcp, const udp_table& udp,
                const print_options& opts);

// Rows as print_text writes them (the header when opts.header), a batch at a time for the
// streaming --unsorted path.
void print_text_rows(std::FILE* out, std::span<const tcp_row> rows, const print_options& opts);

// One row as a JSON object with the documented keys ("pid", "inode", "uid" only when known).
nlohmann::json row_json(const tcp_row& r);
// A UDP row: the same keys with "protocol": "udp" and no "state".
nlohmann::json row_json(const udp_row& r);

// Writes the table as a JSON array of row objects (keys documented in the README).
void print_json(std::FILE* out, const tcp_table& table, const print_options& opts);
// One array: the TCP rows, then the UDP rows.
void print_json(std::FILE* out, const tcp_table& tcp, const udp_table& udp,
                const print_options& opts);

// The JSON array of print_json, written a row at a time (for the streaming --unsorted path):
// each row is formatted straight into a buffer flushed every 64 KiB, keys and bytes as
// row_json's sorted dump prints them. Throws write_error as write_out does.
class json_writer {
  public:
    explicit json_writer(std::FILE* out);
    // A TCP row; with metrics, the row carries the "info" object (print_text_info's figures).
    void row(const tcp_row& r, const tcp_metrics* metrics = nullptr);
    void row(const udp_row& r);
    // Closes the array and writes what is buffered; the caller flushes `out`.
    void finish();

  private:
    void next();
    void maybe_flush();
    std::FILE* out_;
    fmt::memory_buffer buf_;
    bool first_ = true;
};

// The streaming --unsorted output: the TCP rows of tcptable::snapshot_each(options), printed a
// batch at a time as text (print_text_rows, one header) or as a json_writer array. Returns the
// snapshot's error, with `info`, for the caller to report (stderr, exit 1). Once rows have been
// printed they stay printed, and a JSON array is closed, so what `out` holds is always a whole
// document; the error is what says the table is incomplete. An error before any row prints
// nothing, as every mode prints nothing for a snapshot that fails. Throws write_error; the
// caller flushes `out`.
std::error_code print_streamed(std::FILE* out, const snapshot_options& options, bool json,
                               error_info& info);

// Writes the MIB_TCPSTATS counters, as "Name value" lines or as one JSON object.
void print_statistics(std::FILE* out, const tcp_statistics& s, bool json);

// `text` made safe for a terminal (process names are raw bytes, see <tcptable/process.hpp>): C0
// controls, DEL, C1 controls (U+0080 to U+009F) and bytes that are not UTF-8 become \xNN, a
// backslash \\; valid UTF-8 otherwise stays as it is.
std::string printable(std::string_view text);

// `j` as JSON text. Invalid UTF-8 in a string becomes U+FFFD instead of an exception
// (nlohmann's default); control characters are escaped as \u00NN.
std::string json_text(const nlohmann::json& j, int indent = -1);

}  // namespace tcptable::cli

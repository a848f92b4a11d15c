// SPDX-License-Identifier: MIT
// A snapshot of the TCP connection table: contiguous rows plus what the snapshot could not do.
#pragma once

#include <cstddef>
#include <span>
#include <tcptable/tcp_row.hpp>
#include <vector>

namespace tcptable::inline v0_1 {

class tcp_table {
  public:
    using value_type = tcp_row;
    using const_iterator = std::vector<tcp_row>::const_iterator;
    using iterator = std::vector<tcp_row>::iterator;

    tcp_table() = default;
    explicit tcp_table(std::vector<tcp_row> rows) noexcept : rows_(std::move(rows)) {}

    std::size_t size() const noexcept { return rows_.size(); }
    bool empty() const noexcept { return rows_.empty(); }
    const tcp_row& operator[](std::size_t i) const noexcept { return rows_[i]; }
    const tcp_row* data() const noexcept { return rows_.data(); }
    const_iterator begin() const noexcept { return rows_.begin(); }
    const_iterator end() const noexcept { return rows_.end(); }
    iterator begin() noexcept { return rows_.begin(); }
    iterator end() noexcept { return rows_.end(); }
    std::span<const tcp_row> rows() const noexcept { return rows_; }

    std::vector<tcp_row>& mutable_rows() noexcept { return rows_; }
    std::vector<tcp_row> release() noexcept { return std::move(rows_); }

    // With owner pids asked: rows that hold a socket inode but whose owner could not be found
    // (the process was not readable or vanished during the scan). TIME-WAIT rows never count.
    std::size_t unmapped_owner_rows = 0;
    // With owner pids asked: processes whose fd directory could not be read.
    std::size_t unreadable_processes = 0;

  private:
    std::vector<tcp_row> rows_;
};

}  // namespace tcptable::inline v0_1

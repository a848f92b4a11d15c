// SPDX-License-Identifier: MIT
// A snapshot of the TCP connection table: contiguous rows plus what the snapshot could not do.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <tcptable/tcp_metrics.hpp>
#include <tcptable/tcp_row.hpp>
#include <vector>

namespace tcptable::inline v0_1 {

// How a snapshot found its rows' owner pids (tcp_table::owner_source; docs/DESIGN.md, "Owner
// attribution").
enum class owner_method : std::uint8_t {
    none,          // not asked, or nowhere to look (captured files)
    proc_scan,     // Linux: one pass over /proc/<pid>/fd
    proc_cache,    // Linux: the same, through an owner_cache (snapshot_options::owner_cache)
    bpf_iterator,  // Linux: the iter/task_file BPF program, in one pass in the kernel
    platform,      // Windows: the table reports them itself
};

constexpr std::string_view to_string(owner_method m) noexcept {
    switch (m) {
        case owner_method::none:
            return "none";
        case owner_method::proc_scan:
            return "proc-scan";
        case owner_method::proc_cache:
            return "proc-cache";
        case owner_method::bpf_iterator:
            return "bpf-iterator";
        case owner_method::platform:
            return "platform";
    }
    return "unknown";
}

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
    // With owner pids asked: where they came from.
    owner_method owner_source = owner_method::none;

    // ---- Per-connection metrics (snapshot_options::metrics), kept beside the rows: empty
    // unless metrics were asked, else one per row, in the rows' order (sorting and state
    // filtering move both together).
    bool has_metrics() const noexcept { return metrics_asked_; }
    std::span<const tcp_metrics> metrics() const noexcept { return metrics_; }
    // The metrics of row i, or nullptr when metrics were not asked.
    const tcp_metrics* metrics(std::size_t i) const noexcept {
        return i < metrics_.size() ? &metrics_[i] : nullptr;
    }
    std::vector<tcp_metrics>& mutable_metrics() noexcept { return metrics_; }
    void set_metrics_asked(bool asked) noexcept { metrics_asked_ = asked; }
    // Why some or all figures are absent where the backend could say (Windows: collection off
    // and not enabled without elevation). Empty when there is nothing to say.
    std::string metrics_note;

  private:
    std::vector<tcp_row> rows_;
    std::vector<tcp_metrics> metrics_;
    bool metrics_asked_ = false;
};

}  // namespace tcptable::inline v0_1

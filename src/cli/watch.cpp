// SPDX-License-Identifier: MIT
#include "watch.hpp"

#include "output.hpp"

#include <tcptable/asio.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>

namespace tcptable::cli {
namespace {

std::string utc_now() {
    // fmt::gmtime is the portable gmtime_r / gmtime_s.
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
}

// Throws write_error.
void print_event(std::FILE* out, const tcp_event& e, bool json) {
    const tcp_row& r = e.row;
    if (json) {
        nlohmann::json j = row_json(r);
        j["time"] = utc_now();
        j["event"] = to_string(e.kind);
        if (e.kind == event_kind::state_changed) j["old_state"] = to_string(e.old_state);
        write_out(out, json_text(j) + "\n");
    } else {
        std::string state =
            e.kind == event_kind::state_changed
                ? fmt::format("{} -> {}", to_string(e.old_state), to_string(r.state))
                : std::string(to_string(r.state));
        write_out(out,
                  fmt::format("{} {:<13} {:<4} {:<23} {:<23} {}\n", utc_now(), to_string(e.kind),
                              r.family() == ip_family::ipv4 ? "tcp" : "tcp6",
                              endpoint_text(r.local_address, r.local_port),
                              endpoint_text(r.remote_address, r.remote_port), state));
    }
}

}  // namespace

int watch(const snapshot_options& options, double seconds, bool json, double max_seconds) {
    boost::asio::io_context io;
    auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(seconds));
    auto w = watcher::create(io.get_executor(), options, interval);
    int rc = 0;
    int write_failure = 0;  // the errno of a failed write to stdout
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    boost::asio::steady_timer limit(io);
    auto stop = [&] {
        w->cancel();
        signals.cancel();
        limit.cancel();
    };
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) stop();
    });
    if (max_seconds > 0) {
        limit.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(max_seconds)));
        limit.async_wait([&](const boost::system::error_code& ec) {
            if (!ec) stop();
        });
    }
    w->start(
        [&](const boost::system::error_code& ec, const std::vector<tcp_event>& events) {
            if (ec) {
                std::string where = w->last_error_info().to_string();
                std::fprintf(stderr, "tcptable: %s%s%s\n", ec.message().c_str(),
                             where.empty() ? "" : ": ", where.c_str());
                rc = 1;
                stop();
                return;
            }
            try {
                for (const auto& e : events) print_event(stdout, e, json);
                flush_out(stdout);
            } catch (const write_error& we) {
                // Nobody reads what comes next: stop watching.
                write_failure = we.error();
                rc = 1;
                stop();
            }
        },
        [&] {
            // Once the baseline is in, every later change is reported: scripts and tests wait for
            // this line rather than guess when watching began.
            std::fprintf(stderr, "tcptable: watching (every %g s)\n", seconds);
            std::fflush(stderr);
        });
    io.run();
    if (write_failure != 0) throw write_error(write_failure);
    return rc;
}

void print_counts(std::FILE* out, const tcp_table& table, bool json) {
    std::size_t counts[2][tcp_state_count + 1] = {};
    for (const tcp_row& r : table)
        counts[r.family() == ip_family::ipv6][static_cast<unsigned>(r.state)]++;
    if (json) {
        nlohmann::json j = {{"total", table.size()}, {"states", nlohmann::json::object()}};
        for (int st = 1; st <= tcp_state_count; ++st)
            j["states"][std::string(to_string(static_cast<tcp_state>(st)))] = {
                {"ipv4", counts[0][st]}, {"ipv6", counts[1][st]}};
        write_out(out, json_text(j, 2) + "\n");
        return;
    }
    fmt::memory_buffer buf;
    fmt::format_to(std::back_inserter(buf), "Total: {}\n{:<13} {:>8} {:>8} {:>8}\n", table.size(),
                   "State", "IPv4", "IPv6", "Total");
    for (int st = 1; st <= tcp_state_count; ++st)
        fmt::format_to(std::back_inserter(buf), "{:<13} {:>8} {:>8} {:>8}\n",
                       to_string(static_cast<tcp_state>(st)), counts[0][st], counts[1][st],
                       counts[0][st] + counts[1][st]);
    write_out(out, std::string_view(buf.data(), buf.size()));
}

}  // namespace tcptable::cli

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
        j["source"] = to_string(e.source);
        if (e.kind == event_kind::state_changed) j["old_state"] = to_string(e.old_state);
        if (e.kind == event_kind::closed) {
            if (e.source != event_source::poll) j["seen_open"] = e.seen_open;
            if (e.has_figures) {
                j["bytes_acked"] = e.figures.bytes_acked;
                j["bytes_received"] = e.figures.bytes_received;
                j["rtt_us"] = e.figures.rtt_us;
                j["total_retrans"] = e.figures.total_retrans;
            }
            if (e.lifetime_ms >= 0) j["lifetime_ms"] = e.lifetime_ms;
        }
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

int watch(const snapshot_options& options, double seconds, bool json, double max_seconds,
          event_source source) {
    boost::asio::io_context io;
    watch_options wo;
    wo.snapshot = options;
    wo.interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(seconds));
    wo.events = source;
    auto w = watcher::create(io.get_executor(), std::move(wo));
    std::size_t resyncs_seen = 0;
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
                std::fprintf(stderr, "tcptable: %s%s%s%s\n",
                             w->source() == event_source::automatic ? "--events: " : "",
                             ec.message().c_str(), where.empty() ? "" : ": ", where.c_str());
                // A source or an explicit --backend bpf this system or build cannot give is a
                // usage error, as for one snapshot.
                const bool unsupported_ask =
                    w->source() == event_source::automatic || options.backend == backend_kind::bpf;
                rc = unsupported_ask && to_std(ec) == errc::not_supported ? 2 : 1;
                stop();
                return;
            }
            try {
                if (std::size_t n = w->resyncs(); n != resyncs_seen) {
                    // Never silent: notifications were lost, and a snapshot filled the gap.
                    resyncs_seen = n;
                    std::fprintf(stderr,
                                 "tcptable: the kernel dropped event notifications; resynced "
                                 "from a snapshot (%zu so far)\n",
                                 n);
                    if (json) {
                        nlohmann::json j = {{"time", utc_now()},
                                            {"event", "resync"},
                                            {"source", to_string(w->source())},
                                            {"resyncs", n}};
                        write_out(stdout, json_text(j) + "\n");
                    }
                }
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
            if (!w->fallback_reason().empty() && options.proc_root == "/proc")
                std::fprintf(stderr, "tcptable: no event source (%s): polling\n",
                             w->fallback_reason().c_str());
            std::fprintf(stderr, "tcptable: watching (events: %s)\n",
                         std::string(to_string(w->source())).c_str());
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

// SPDX-License-Identifier: MIT
// tcptable: prints the machine's TCP connection table (and, with -u, its UDP sockets).
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tcptable/tcptable.hpp>
#include <vector>

#include "info_output.hpp"
#include "namespaces_output.hpp"
#include "output.hpp"
#include "prometheus.hpp"
#include "serve.hpp"
#include "watch.hpp"

namespace {

// Exit codes: 0 success, 1 runtime error, 2 usage error.
constexpr int exit_runtime_error = 1;
constexpr int exit_usage_error = 2;

tcptable::state_set parse_states(const std::vector<std::string>& names) {
    tcptable::state_set set;
    for (const auto& n : names) {
        auto s = tcptable::parse_tcp_state(n);
        if (!s) throw CLI::ValidationError("--state", "unknown TCP state '" + n + "'");
        set.insert(*s);
    }
    return set;
}

// The first "--name=" with nothing after the '=', or nullptr. CLI11 takes it for the option
// given without a value: an optional value then gets its default (`--watch=` would watch every
// second), a required one the next argument (`--netns= --json` would read namespace "--json").
const char* empty_assignment(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--") break;
        if (a.size() > 3 && a.starts_with("--") && a.find('=') == a.size() - 1) return argv[i];
    }
    return nullptr;
}

// A number of seconds within [min, max]: decimal or exponent notation and nothing else around
// it; NaN, infinities and values out of double's range are refused.
std::optional<double> parse_seconds(const std::string& text, double min, double max) {
    double v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc{} || ptr != end || !std::isfinite(v) || v < min || v > max)
        return std::nullopt;
    return v;
}

// What CLI11 prints for --help and --version, written and flushed as all output is.
int print_cli_exit(const CLI::App& app, const CLI::Error& e) {
    std::ostringstream out, err;
    int rc = app.exit(e, out, err);
    tcptable::cli::write_out(stdout, out.str());
    tcptable::cli::flush_out(stdout);
    tcptable::cli::write_out(stderr, err.str());
    return rc;
}

// Descriptors 0 to 2 that are closed get /dev/null, so that nothing opened later (a /proc file,
// a netlink socket) takes their number and receives what is meant for stdout or stderr. A
// closed stdout gets it read-only: writes to it still fail, with EBADF. True if it was closed.
// POSIX only: on Windows the CLI opens no descriptor (iphlpapi is a call), so none can take
// their place; a write to a closed stdout is left to the checked writes (write_out).
bool reserve_standard_descriptors() {
    bool stdout_closed = false;
#ifndef _WIN32
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        // The lowest free descriptor: `fd` itself, those below it being open.
        int got = ::open("/dev/null", fd == 1 ? O_RDONLY : O_RDWR);
        if (got >= 0 && got != fd) ::close(got);
        if (fd == 1) stdout_closed = true;
    }
#endif
    return stdout_closed;
}

// An explicit --backend bpf this system cannot run (a build without libbpf, a kernel without
// BTF, no privilege) is a usage error, as --events bpf is: set once the options are parsed.
bool bpf_backend_asked = false;

int report(const std::error_code& ec, const tcptable::error_info& info) {
    std::string where = info.to_string();
    std::fprintf(stderr, "tcptable: %s%s%s\n", ec.message().c_str(), where.empty() ? "" : ": ",
                 where.c_str());
    if (bpf_backend_asked && ec == tcptable::errc::not_supported) return exit_usage_error;
    return exit_runtime_error;
}

// The TCP part of prometheus_once: one table or every namespace's, and the counters.
int prometheus_tcp(const tcptable::snapshot_options& opts, bool all_netns,
                   tcptable::cli::metric_names names, std::string& text) {
    std::error_code ec;
    tcptable::error_info info;
    tcptable::statistics_options so;
    so.proc_root = opts.proc_root;
    so.netns = opts.netns;
    tcptable::cli::exposition how;
    how.names = names;
    if (all_netns) {
        auto all = tcptable::snapshot_all_namespaces(opts, ec, &info);
        if (ec) return report(ec, info);
        tcptable::cli::warn_namespaces(stderr, all);
        static const tcptable::tcp_table none;
        const tcptable::tcp_table* own = &none;
        for (const auto& ns : all.namespaces)
            if (ns.own) own = &ns.table;
        tcptable::tcp_statistics st = tcptable::statistics(so, *own, ec, &info);
        if (ec) return report(ec, info);
        text = tcptable::cli::render(tcptable::cli::count_namespaces(all, st), how);
        return 0;
    }
    tcptable::tcp_table table = tcptable::snapshot(opts, ec, &info);
    if (ec) return report(ec, info);
    tcptable::tcp_statistics st = tcptable::statistics(so, table, ec, &info);
    if (ec) return report(ec, info);
    text = tcptable::cli::render(tcptable::cli::count_table(table, st), how);
    return 0;
}

// The Prometheus exposition (0.0.4 text format) for --format prometheus and --textfile: the TCP
// metrics (`tcp`: no -u, or -t -u) then tcptable_udp_sockets (`udp`: -u); warnings for
// namespaces not read go to stderr. Returns the exit code.
int prometheus_once(const tcptable::snapshot_options& opts, bool all_netns,
                    tcptable::cli::metric_names names, bool tcp, bool udp, std::string& text) {
    text.clear();
    if (tcp) {
        if (int rc = prometheus_tcp(opts, all_netns, names, text)) return rc;
    }
    if (udp) {
        std::error_code ec;
        tcptable::error_info info;
        tcptable::snapshot_options uo = opts;
        uo.states = tcptable::state_set::all();
        tcptable::udp_table udp_rows = tcptable::snapshot_udp(uo, ec, &info);
        if (ec) return report(ec, info);
        tcptable::cli::append_udp_metrics(text, udp_rows);
    }
    return 0;
}

// --textfile: the exposition written atomically to `path`, once, or with --watch every
// `interval` seconds until SIGINT/SIGTERM (or `limit` seconds, when not 0).
int write_textfile(const tcptable::snapshot_options& opts, bool all_netns,
                   tcptable::cli::metric_names names, bool tcp, bool udp, const std::string& path,
                   bool periodic, double interval, double limit) {
#ifndef _WIN32
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    if (periodic) ::sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
    timespec start{};
    ::clock_gettime(CLOCK_MONOTONIC, &start);
#endif
    for (;;) {
        std::string text;
        if (int rc = prometheus_once(opts, all_netns, names, tcp, udp, text)) return rc;
        std::string why = tcptable::cli::write_file_atomically(path, text);
        if (!why.empty()) {
            std::fprintf(stderr, "tcptable: --textfile: %s\n", why.c_str());
            return exit_runtime_error;
        }
        if (!periodic) return 0;
#ifndef _WIN32
        double wait = interval;
        if (limit > 0) {
            timespec now{};
            ::clock_gettime(CLOCK_MONOTONIC, &now);
            double left = limit - (double(now.tv_sec - start.tv_sec) +
                                   double(now.tv_nsec - start.tv_nsec) / 1e9);
            if (left <= 0) return 0;
            if (left < wait) wait = left;
        }
        timespec ts{};
        ts.tv_sec = static_cast<time_t>(wait);
        ts.tv_nsec = static_cast<long>((wait - double(ts.tv_sec)) * 1e9);
        int sig = ::sigtimedwait(&stop_signals, nullptr, &ts);
        if (sig == SIGINT || sig == SIGTERM) return 0;
#else
        // Not reached: write_file_atomically refuses --textfile on Windows.
        (void)interval;
        (void)limit;
        return 0;
#endif
    }
}

int run(int argc, char** argv, bool stdout_closed) {
    CLI::App app{
        "Prints the TCP connection table (with -u, the UDP sockets), sorted by local address, "
        "local port, remote "
        "address, remote port (as GetTcpTable with Order = TRUE)."};
    app.set_version_flag("--version", std::string("tcptable ") + tcptable::version_string);

    bool only4 = false, only6 = false, listening = false, unsorted = false, json = false;
    bool pids = false, tcp = false, udp = false;
    std::vector<std::string> states;
    std::string backend = "auto";
    std::string proc_root = "/proc";
    std::string netns;
    auto* ipv4_opt = app.add_flag("-4,--ipv4", only4, "IPv4 rows only");
    auto* ipv6_opt = app.add_flag("-6,--ipv6", only6, "IPv6 rows only");
    app.add_flag("-t,--tcp", tcp, "TCP sockets (the default; with -u, both)");
    auto* udp_opt = app.add_flag("-u,--udp", udp, "UDP sockets (with -t, TCP and UDP)");
    app.add_option("--state", states,
                   "Only these states (comma-separated, e.g. LISTEN,ESTABLISHED)")
        ->delimiter(',');
    app.add_flag("-l,--listening", listening, "Listening sockets only (same as --state LISTEN)");
    app.add_flag(
        "--unsorted", unsorted,
        "Keep the backend's order instead of sorting; TCP rows print as each netlink or bpf "
        "batch arrives (not with -u, -p, -i, --count)");
    app.add_option("--backend", backend,
                   "Backend: auto, procfs, netlink, bpf (a BPF iterator: TCP, root or CAP_BPF + "
                   "CAP_PERFMON; auto uses it for large tables where it may)")
        ->check(CLI::IsMember({"auto", "procfs", "netlink", "bpf", "iphlpapi"}));
    app.add_option("--proc-root", proc_root, "Where proc is mounted, or a directory of captures")
        ->capture_default_str();
    auto* netns_opt =
        app.add_option("--netns", netns,
                       "Read the table of another network namespace: a pid or a path such as "
                       "/run/netns/NAME");
    bool all_netns = false;
    auto* all_netns_opt = app.add_flag(
        "--all-netns", all_netns,
        "Every network namespace (of every process, and /run/netns): rows tagged with it");
    all_netns_opt->excludes(netns_opt);
    std::string metric_names_text = "tcptable";
    auto* metric_names_opt =
        app.add_option("--metric-names", metric_names_text,
                       "Prometheus names for the connection counts: tcptable, node "
                       "(node_exporter's node_tcp_connection_states) or both")
            ->check(CLI::IsMember({"tcptable", "node", "both"}))
            ->capture_default_str();
    std::string textfile;
    auto* textfile_opt = app.add_option(
        "--textfile", textfile,
        "Write the Prometheus metrics to PATH atomically (for node_exporter's textfile "
        "collector), once, or every --watch SECONDS");
    app.add_flag("-p,--pid", pids, "Show the owning process id and name");
    auto* json_opt = app.add_flag("--json", json, "Print a JSON array of row objects");
    bool show_info = false;
    auto* info_opt = app.add_flag(
        "-i,--info", show_info,
        "Per-connection metrics (as ss -i): columns in the table, an \"info\" object in JSON");
    bool stats = false;
    auto* stats_opt =
        app.add_flag("--stats", stats, "Print the TCP statistics (GetTcpStatistics' MIB_TCPSTATS)");
    bool count = false;
    auto* count_opt =
        app.add_flag("--count", count, "Print a summary by state and family (like ss -s)");
    // Both as text, parsed below: CLI11 2.1 gives an optional value that was left out as an
    // empty string, or 0 for a number, and skips the option's checks for it.
    std::string watch_text;
    auto* watch_opt = app.add_option("--watch", watch_text,
                                     "Print connections opening, closing and changing state, "
                                     "every SECONDS (0.01 to 86400, default 1) until Ctrl-C")
                          ->expected(0, 1)
                          ->default_str("1")  // what CLI11 gives --watch without a value
                          ->type_name("SECONDS");
    std::string watch_limit_text;
    auto* watch_limit_opt =
        app.add_option("--watch-limit", watch_limit_text,
                       "Stop watching after this many seconds (0, the default: no limit)")
            ->type_name("SECONDS");
    std::string events = "auto";
    auto* events_opt =
        app.add_option("--events", events,
                       "With --watch: where events come from: auto (bpf, else netlink, else "
                       "poll), poll (snapshots only), netlink (close notifications, "
                       "unprivileged), bpf (every transition; needs CAP_BPF)")
            ->check(CLI::IsMember({"auto", "poll", "netlink", "bpf"}))
            ->capture_default_str();
    std::string format = "table";
    auto* format_opt = app.add_option("--format", format, "Output format: table, json, prometheus")
                           ->check(CLI::IsMember({"table", "json", "prometheus"}));
    std::string listen = "127.0.0.1:9108";
    auto* serve_cmd = app.add_subcommand("serve", "Serve Prometheus metrics on /metrics over HTTP");
    serve_cmd->add_option("--listen", listen, "HOST:PORT to listen on (loopback by default)")
        ->capture_default_str();
    tcptable::cli::serve_limits serve_limits(*serve_cmd);
    // Top-level options after "serve" are still the top level's (the filters apply to /metrics;
    // the output options are refused below), not unknown arguments.
    serve_cmd->fallthrough();

    // Options choosing different outputs: one of them would be ignored. CLI11 refuses these
    // pairs during parse() ("A excludes B"); the ones that depend on --format's value are
    // checked after it.
    ipv4_opt->excludes(ipv6_opt);
    count_opt->excludes(stats_opt);
    watch_opt->excludes(count_opt);
    watch_opt->excludes(stats_opt);
    for (CLI::Option* other : {count_opt, stats_opt, watch_opt}) info_opt->excludes(other);
    serve_cmd->excludes(info_opt);
    for (CLI::Option* output : {json_opt, count_opt, stats_opt, watch_opt, watch_limit_opt,
                                format_opt, textfile_opt, events_opt})
        serve_cmd->excludes(output);
    all_netns_opt->excludes(stats_opt);
    all_netns_opt->excludes(count_opt);
    textfile_opt->excludes(json_opt);
    textfile_opt->excludes(count_opt);
    textfile_opt->excludes(stats_opt);
    // UDP snapshots only: no UDP counters, watcher or state summary. serve takes -u as
    // --format prometheus does (tcptable_udp_sockets).
    for (CLI::Option* tcp_only : {count_opt, stats_opt, watch_opt}) udp_opt->excludes(tcp_only);
    udp_opt->excludes(all_netns_opt);
    udp_opt->excludes(info_opt);

    if (const char* arg = empty_assignment(argc, argv)) {
        std::fprintf(stderr, "tcptable: %s has an empty value (see --help)\n", arg);
        return exit_usage_error;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return print_cli_exit(app, e);
    } catch (const CLI::CallForVersion& e) {
        return print_cli_exit(app, e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "tcptable: %s (see --help)\n", e.what());
        return exit_usage_error;
    }

    // The rest of the conflicts, which CLI11 cannot state: --format's value decides them.
    const bool watching = watch_opt->count() > 0, limited = watch_limit_opt->count() > 0;
    const bool format_given = format_opt->count() > 0;
    const bool to_textfile = textfile_opt->count() > 0;
    if (to_textfile && format_given && format != "prometheus") {
        std::fprintf(stderr, "tcptable: --textfile excludes --format %s (see --help)\n",
                     format.c_str());
        return exit_usage_error;
    }
    if (to_textfile) format = "prometheus";
    const bool prometheus = format == "prometheus";
    const std::string format_arg = "--format " + format;
    const struct {
        bool both;
        const char* first;
    } conflicts[] = {
        {json_opt->count() > 0 && format_given && format != "json", "--json"},
        {watching && prometheus && !to_textfile, "--watch"},
        {stats && prometheus, "--stats"},
        {count && prometheus, "--count"},
        {show_info && prometheus, "--info"},
    };
    for (const auto& c : conflicts) {
        if (!c.both) continue;
        std::fprintf(stderr, "tcptable: %s excludes %s (see --help)\n", c.first,
                     format_arg.c_str());
        return exit_usage_error;
    }
    if (metric_names_opt->count() > 0 && !prometheus && !*serve_cmd) {
        std::fprintf(stderr,
                     "tcptable: --metric-names needs --format prometheus, --textfile or serve "
                     "(see --help)\n");
        return exit_usage_error;
    }
    if (all_netns && watching && !to_textfile) {
        std::fprintf(stderr, "tcptable: --all-netns excludes --watch (see --help)\n");
        return exit_usage_error;
    }
    if (to_textfile && textfile.empty()) {
        std::fprintf(stderr, "tcptable: --textfile: empty value (expected a path) (see --help)\n");
        return exit_usage_error;
    }
    // Not CLI11's needs(): "--watch-limit 1 serve" is to say that serve excludes --watch-limit,
    // and needs() is checked first.
    if (events_opt->count() > 0 && !watching) {
        std::fprintf(stderr, "tcptable: --events needs --watch (see --help)\n");
        return exit_usage_error;
    }
    if (limited && !watching) {
        std::fprintf(stderr, "tcptable: --watch-limit needs --watch (see --help)\n");
        return exit_usage_error;
    }

    // Empty, the library would take --netns for "this namespace" and --proc-root for "/".
    if (netns_opt->count() > 0 && netns.empty()) {
        std::fprintf(stderr,
                     "tcptable: --netns: empty value (expected a pid or a path) (see --help)\n");
        return exit_usage_error;
    }
    if (proc_root.empty()) {
        std::fprintf(stderr,
                     "tcptable: --proc-root: empty value (expected a directory) (see "
                     "--help)\n");
        return exit_usage_error;
    }
    // A number of seconds in [min, max], or a usage error naming the option and its range.
    auto seconds_of = [](const char* option, const std::string& text, double min, double max,
                         double& out) {
        auto v = parse_seconds(text, min, max);
        if (!v)
            std::fprintf(stderr,
                         "tcptable: %s: '%s' is not a number of seconds from %g to %g (see "
                         "--help)\n",
                         option, text.c_str(), min, max);
        else
            out = *v;
        return v.has_value();
    };
    double watch_seconds = 1.0, watch_limit = 0.0;
    if (watching && !seconds_of("--watch", watch_text, 0.01, 86400.0, watch_seconds))
        return exit_usage_error;
    if (limited && !seconds_of("--watch-limit", watch_limit_text, 0.0, 1e9, watch_limit))
        return exit_usage_error;

    // UDP sockets have no TCP state; -l means what ss -lu means, the unconnected ones.
    if (udp && !states.empty()) {
        std::fprintf(stderr, "tcptable: --state applies to TCP only, not --udp (see --help)\n");
        return exit_usage_error;
    }
    const bool want_udp = udp, want_tcp = tcp || !udp;

    if (format == "json") json = true;
    tcptable::snapshot_options opts;
    opts.family = only4   ? tcptable::address_family::ipv4
                  : only6 ? tcptable::address_family::ipv6
                          : tcptable::address_family::both;
    try {
        if (!states.empty()) opts.states = parse_states(states);
    } catch (const CLI::ValidationError& e) {
        std::fprintf(stderr, "tcptable: %s (see --help)\n", e.what());
        return exit_usage_error;
    }
    if (listening) opts.states = tcptable::state_set::listening();
    opts.sorted = !unsorted;
    opts.backend = backend == "procfs"     ? tcptable::backend_kind::procfs
                   : backend == "netlink"  ? tcptable::backend_kind::netlink
                   : backend == "iphlpapi" ? tcptable::backend_kind::iphlpapi
                   : backend == "bpf"      ? tcptable::backend_kind::bpf
                                           : tcptable::backend_kind::automatic;
    bpf_backend_asked = opts.backend == tcptable::backend_kind::bpf;
    opts.proc_root = proc_root;
    opts.owner_pids = pids;
    opts.netns = netns;
    opts.metrics = show_info;

    const auto names = metric_names_text == "node"   ? tcptable::cli::metric_names::node
                       : metric_names_text == "both" ? tcptable::cli::metric_names::both
                                                     : tcptable::cli::metric_names::tcptable;
    if (*serve_cmd) {
        tcptable::cli::serve_options how;
        how.all_netns = all_netns;
        how.names = names;
        how.tcp = want_tcp;
        how.udp = want_udp;
        return tcptable::cli::serve(listen, serve_limits, opts, how);
    }
    if (to_textfile) {
        opts.sorted = false;
        opts.owner_pids = false;
        return write_textfile(opts, all_netns, names, want_tcp, want_udp, textfile, watching,
                              watch_seconds, watch_limit);
    }
    // Every other mode writes its result to stdout: refused now rather than after the work
    // (a watcher would run until its first event).
    if (stdout_closed) throw tcptable::cli::write_error(EBADF);
    if (watching) {
        tcptable::event_source source = tcptable::event_source::automatic;
        tcptable::parse_event_source(events, source);  // checked by CLI11 above
        return tcptable::cli::watch(opts, watch_seconds, json, watch_limit, source);
    }

    std::error_code ec;
    tcptable::error_info info;
    if (format == "prometheus") {
        std::string text;
        if (int rc = prometheus_once(opts, all_netns, names, want_tcp, want_udp, text)) return rc;
        tcptable::cli::write_out(stdout, text);
        tcptable::cli::flush_out(stdout);
        return 0;
    }
    if (all_netns) {
        auto all = tcptable::snapshot_all_namespaces(opts, ec, &info);
        if (ec) return report(ec, info);
        tcptable::cli::print_options popts;
        popts.show_pid = pids;
        if (json)
            tcptable::cli::print_namespaces_json(stdout, all);
        else
            tcptable::cli::print_namespaces_text(stdout, all, popts);
        tcptable::cli::flush_out(stdout);
        tcptable::cli::warn_namespaces(stderr, all);
        if (pids) {
            std::size_t unmapped = 0;
            for (const auto& ns : all.namespaces) unmapped += ns.table.unmapped_owner_rows;
            if (unmapped != 0)
                std::fprintf(stderr,
                             "tcptable: %zu rows have no owner found (%zu processes unreadable)\n",
                             unmapped, all.unreadable_processes);
        }
        return 0;
    }
    if (stats) {
        tcptable::statistics_options so;
        so.family = opts.family;
        so.proc_root = opts.proc_root;
        so.netns = opts.netns;
        tcptable::tcp_statistics st = tcptable::statistics(so, ec, &info);
        if (ec) return report(ec, info);
        tcptable::cli::print_statistics(stdout, st, json);
        tcptable::cli::flush_out(stdout);
        return 0;
    }
    if (unsorted && !want_udp && !pids && !show_info && !count) {
        // Streaming: each batch is printed as the backend reads it (a netlink datagram), so
        // the table is never held whole (tcptable::snapshot_each). A dump that fails after
        // some rows leaves them printed (a closed JSON array) and is reported as any error is:
        // one line on stderr, exit 1.
        ec = tcptable::cli::print_streamed(stdout, opts, json, info);
        tcptable::cli::flush_out(stdout);
        if (ec) return report(ec, info);
        return 0;
    }
    tcptable::tcp_table table;
    if (want_tcp) {
        table = tcptable::snapshot(opts, ec, &info);
        if (ec) return report(ec, info);
    }
    tcptable::udp_table udp_table;
    if (want_udp) {
        tcptable::snapshot_options uo = opts;
        uo.states = tcptable::state_set::all();
        udp_table = tcptable::snapshot_udp(uo, ec, &info);
        if (ec) return report(ec, info);
        if (listening)
            std::erase_if(udp_table.mutable_rows(),
                          [](const tcptable::udp_row& r) { return r.connected(); });
    }

    if (count) {
        tcptable::cli::print_counts(stdout, table, json);
        tcptable::cli::flush_out(stdout);
        return 0;
    }

    tcptable::cli::print_options popts;
    popts.show_pid = pids;
    if (json)
        tcptable::cli::print_json(stdout, table, udp_table, popts);
    else if (show_info)
        tcptable::cli::print_text_info(stdout, table, popts);
    else
        tcptable::cli::print_text(stdout, table, udp_table, popts);
    tcptable::cli::flush_out(stdout);
    if (show_info) tcptable::cli::print_metrics_note(table);
    const std::size_t unmapped = table.unmapped_owner_rows + udp_table.unmapped_owner_rows;
    if (pids && unmapped != 0)
        std::fprintf(
            stderr,
            "tcptable: %zu rows have no owner found (%zu processes unreadable; owners "
            "from %s)\n",
            unmapped, std::max(table.unreadable_processes, udp_table.unreadable_processes),
            std::string(tcptable::to_string(want_tcp ? table.owner_source : udp_table.owner_source))
                .c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const bool stdout_closed = reserve_standard_descriptors();
    try {
        return run(argc, argv, stdout_closed);
    } catch (const tcptable::cli::write_error& e) {
        std::fprintf(stderr, "tcptable: write error: %s\n", std::strerror(e.error()));
        return exit_runtime_error;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tcptable: %s\n", e.what());
        return exit_runtime_error;
    }
}

// SPDX-License-Identifier: MIT
#include "serve.hpp"

#include "output.hpp"
#include "prometheus.hpp"

#include <CLI/CLI.hpp>
#include <tcptable/asio.hpp>
#include <tcptable/namespaces.hpp>
#include <tcptable/statistics.hpp>
#include <tcptable/udp.hpp>

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#ifndef _WIN32
#include <fcntl.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

namespace tcptable::cli {

serve_limits::serve_limits(CLI::App& serve_cmd) {
    serve_cmd
        .add_option("--max-connections", max_connections,
                    "Open HTTP connections at most; more are closed as soon as accepted")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
    serve_cmd
        .add_option("--idle-timeout", idle_timeout_seconds,
                    "Close a connection that sends nothing for SECONDS (new or kept alive)")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 86400.0));
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Once a request has begun it gets this long to arrive whole, and its response this long to be
// written: a stalled client cannot hold a connection.
constexpr auto request_timeout = std::chrono::seconds(10);
// accept() failing for want of descriptors fails again at once while the cause lasts (the
// connection stays queued, the socket stays readable): retrying at once would spin.
constexpr auto accept_backoff = std::chrono::milliseconds(100);
// After SIGINT/SIGTERM, how long a table read in flight may take to finish before the process
// exits without it (it may be blocked in the kernel for good, e.g. on a FIFO).
constexpr auto stop_grace = std::chrono::milliseconds(500);

std::string describe(const std::error_code& ec, const error_info& info) {
    std::string where = info.to_string();
    return ec.message() + (where.empty() ? "" : ": " + where);
}

// One read's answer, shared by every scrape that waited for it.
struct scrape_result {
    bool ok = false;
    std::string text;     // the metrics (0.0.4 text format), or one line saying what went wrong
    std::string om_text;  // the metrics as OpenMetrics, when ok
};

// The TCP part of a read: the table of every namespace, or `table`, and the counters, rendered
// in both formats into `out`. False, with what went wrong in out.text, when a read fails.
bool render_tcp(const snapshot_options& options, const statistics_options& stats_options,
                const serve_options& how, const tcp_table* table, scrape_result& out) {
    std::error_code ec;
    error_info info;
    metrics_model model;
    if (how.all_netns) {
        all_namespaces all = snapshot_all_namespaces(options, ec, &info);
        if (ec) {
            out.text = "reading the TCP tables: " + describe(ec, info) + "\n";
            return false;
        }
        // The counters are the caller's namespace's; num_conns counts its table.
        static const tcp_table none;
        const tcp_table* own = &none;
        for (const auto& ns : all.namespaces)
            if (ns.own) own = &ns.table;
        tcp_statistics st = statistics(stats_options, *own, ec, &info);
        if (ec) {
            out.text = "reading the TCP counters: " + describe(ec, info) + "\n";
            return false;
        }
        model = count_namespaces(all, st);
    } else {
        tcp_statistics st = statistics(stats_options, *table, ec, &info);
        if (ec) {
            out.text = "reading the TCP counters: " + describe(ec, info) + "\n";
            return false;
        }
        model = count_table(*table, st);
    }
    exposition text_how, om_how;
    text_how.names = om_how.names = how.names;
    om_how.openmetrics = true;
    out.text = render(model, text_how);
    out.om_text = render(model, om_how);
    return true;
}

// The UDP table serve counts: every UDP socket of the options' family and namespace (a UDP
// socket has no state to filter), as `tcptable -u --format prometheus` counts them.
snapshot_options udp_options(snapshot_options options) {
    options.states = state_set::all();
    return options;
}

// Reads the table of every namespace, or of the one, and the counters (with how.tcp), and the
// UDP table (with how.udp), and renders both formats (counting the rows is the work; rendering
// the counts twice is cheap). `table` is the TCP table already read: null with all_netns or
// without how.tcp. Blocking: run it on the helper thread.
std::shared_ptr<scrape_result> read_and_render(const snapshot_options& options,
                                               const statistics_options& stats_options,
                                               const serve_options& how, const tcp_table* table) {
    auto r = std::make_shared<scrape_result>();
    try {
        if (how.tcp && !render_tcp(options, stats_options, how, table, *r)) return r;
        if (how.udp) {
            std::error_code ec;
            error_info info;
            udp_table udp = snapshot_udp(udp_options(options), ec, &info);
            if (ec) {
                r->text = "reading the UDP table: " + describe(ec, info) + "\n";
                r->om_text.clear();
                return r;
            }
            exposition text_how, om_how;
            om_how.openmetrics = true;
            append_udp_metrics(r->text, udp, text_how);
            append_udp_metrics(r->om_text, udp, om_how);
        }
        r->ok = true;
    } catch (const std::exception& e) {
        // An exception leaving a thread_pool handler would end the process.
        r->ok = false;
        r->text = std::string("rendering the metrics: ") + e.what() + "\n";
        r->om_text.clear();
    }
    return r;
}

// Reads the table (async_snapshot), then the counters, and renders them, never on the io
// thread. A scrape that asks while a read is in flight waits for that read and gets its
// answer: under a storm of scrapes there is one read at a time, and each answer is at most one
// read old.
class metrics_source : public std::enable_shared_from_this<metrics_source> {
  public:
    using waiter = std::function<void(std::shared_ptr<const scrape_result>)>;

    metrics_source(asio::io_context& io, asio::thread_pool& helper, snapshot_options options,
                   statistics_options stats_options, serve_options how)
        : io_(io),
          helper_(helper),
          options_(std::move(options)),
          stats_options_(std::move(stats_options)),
          how_(how) {}

    void get(waiter w) {
        if (stopped_) return;
        ++counters_.scrapes;
        waiters_.push_back(std::move(w));
        if (!in_flight_) start();
    }

    bool in_flight() const noexcept { return in_flight_; }
    exporter_counters& counters() noexcept { return counters_; }

    // Drops the waiters. A read in flight finishes unseen and then runs `on_idle`.
    void stop(std::function<void()> on_idle) {
        stopped_ = true;
        on_idle_ = std::move(on_idle);
        auto dropped = std::exchange(waiters_, {});
    }

  private:
    void start() {
        in_flight_ = true;
        ++counters_.table_reads;
        if (how_.all_netns || !how_.tcp) {
            // Every namespace is one blocking call, and so is a UDP table alone: the helper
            // thread makes it.
            asio::post(helper_, [self = shared_from_this(),
                                 work = asio::make_work_guard(io_)]() mutable {
                auto r = read_and_render(self->options_, self->stats_options_, self->how_, nullptr);
                metrics_source::deliver(std::move(self), std::move(r), std::move(work));
            });
            return;
        }
        tcptable::async_snapshot(
            io_.get_executor(), options_,
            [self = shared_from_this()](boost::system::error_code ec, tcp_table table) {
                self->on_table(ec, std::move(table));
            });
    }

    void on_table(const boost::system::error_code& ec, tcp_table table) {
        if (stopped_) return finish(nullptr);
        if (ec) {
            auto r = std::make_shared<scrape_result>();
            r->text = "reading the TCP table: " + ec.message() + "\n";
            return finish(std::move(r));
        }
        // The counters are a file read too (in another namespace, a thread of its own), and
        // rendering a big table takes a while: both on the helper thread. num_conns is counted
        // from this very table, so it always equals the sum of tcptable_connections.
        // With -u the UDP table is read there too, after the TCP one.
        asio::post(helper_, [self = shared_from_this(), table = std::move(table),
                             work = asio::make_work_guard(io_)]() mutable {
            auto r = read_and_render(self->options_, self->stats_options_, self->how_, &table);
            metrics_source::deliver(std::move(self), std::move(r), std::move(work));
        });
    }

    // From the helper thread: hands `r` to the io thread. Nothing of the source stays with
    // this thread: whatever it holds would otherwise be destroyed here, away from the io thread.
    template <class Work>
    static void deliver(std::shared_ptr<metrics_source> self, std::shared_ptr<scrape_result> r,
                        Work work) {
        auto io = work.get_executor();
        asio::post(io,
                   [self = std::move(self), r = std::move(r), work = std::move(work)]() mutable {
                       work.reset();
                       self->finish(std::move(r));
                   });
    }

    void finish(std::shared_ptr<scrape_result> r) {
        in_flight_ = false;
        if (stopped_) {
            if (auto idle = std::exchange(on_idle_, {})) idle();
            return;
        }
        if (r->ok) {
            exposition om;
            om.openmetrics = true;
            append_exporter_metrics(r->text, counters_);
            append_exporter_metrics(r->om_text, counters_, om);
            end_exposition(r->om_text, om);
        } else {
            std::fprintf(stderr, "tcptable: scrape failed: %s", r->text.c_str());
            std::fflush(stderr);
        }
        std::shared_ptr<const scrape_result> shared = std::move(r);
        for (auto& w : std::exchange(waiters_, {})) w(shared);
    }

    asio::io_context& io_;
    asio::thread_pool& helper_;
    const snapshot_options options_;
    const statistics_options stats_options_;
    const serve_options how_;
    std::vector<waiter> waiters_;
    exporter_counters counters_;
    std::function<void()> on_idle_;
    bool in_flight_ = false;
    bool stopped_ = false;
};

// One spare descriptor, given up when accept() finds none so that the queued connection can
// be taken and closed at once (its client learns now instead of waiting in the backlog).
class reserve_descriptor {
  public:
    reserve_descriptor() { acquire(); }
    ~reserve_descriptor() { release(); }
    reserve_descriptor(const reserve_descriptor&) = delete;
    reserve_descriptor& operator=(const reserve_descriptor&) = delete;

#ifndef _WIN32
    void acquire() noexcept {
        if (fd_ < 0) fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    bool release() noexcept {
        if (fd_ < 0) return false;
        ::close(fd_);
        fd_ = -1;
        return true;
    }

  private:
    int fd_ = -1;
#else
    // Windows has no per-process descriptor table to run out of in the same way.
    void acquire() noexcept {}
    bool release() noexcept { return false; }
#endif
};

// EMFILE, ENFILE and their kin. Codes are compared, not conditions: no virtual call is needed.
bool out_of_descriptors(const beast::error_code& ec) {
#ifndef _WIN32
    if (ec == beast::error_code(ENFILE, boost::system::system_category())) return true;
#endif
    return ec == asio::error::no_descriptors ||  // EMFILE
           ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

class session;

class server : public std::enable_shared_from_this<server> {
  public:
    server(asio::io_context& io, const tcp::endpoint& ep, const serve_limits& limits,
           std::shared_ptr<metrics_source> source)
        : io_(io),
          acceptor_(io, ep),
          backoff_(io),
          grace_(io),
          source_(std::move(source)),
          max_connections_(limits.max_connections),
          idle_timeout_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
              std::chrono::duration<double>(limits.idle_timeout_seconds))) {
        // The synchronous accept that sheds a connection must not wait for one.
        acceptor_.non_blocking(true);
    }

    tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
    metrics_source& source() noexcept { return *source_; }
    std::chrono::steady_clock::duration idle_timeout() const noexcept { return idle_timeout_; }
    void add(session* s) { sessions_.insert(s); }
    void remove(session* s) { sessions_.erase(s); }

    void accept() {
        acceptor_.async_accept(
            [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                self->on_accept(ec, std::move(socket));
            });
    }

    // Stops accepting, closes every connection, and lets io.run() return once nothing is left;
    // a table read in flight gets stop_grace to finish before the process exits without it.
    void stop();

  private:
    void on_accept(const beast::error_code& ec, tcp::socket socket);
    void on_accept_error(const beast::error_code& ec);
    bool shed_one();

    asio::io_context& io_;
    tcp::acceptor acceptor_;
    asio::steady_timer backoff_;
    asio::steady_timer grace_;
    std::shared_ptr<metrics_source> source_;
    reserve_descriptor reserve_;
    std::unordered_set<session*> sessions_;
    const std::size_t max_connections_;
    const std::chrono::steady_clock::duration idle_timeout_;
    bool accept_failing_ = false;
    bool stopping_ = false;
};

class session : public std::enable_shared_from_this<session> {
  public:
    session(tcp::socket socket, std::shared_ptr<server> srv)
        : stream_(std::move(socket)), server_(std::move(srv)) {
        server_->add(this);
    }
    ~session() { server_->remove(this); }
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    void start() { wait_for_request(); }

    // Ends the connection now; pending operations complete with operation_aborted.
    void abort() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
    }

  private:
    // Idle: until the first byte of a request, under the idle timeout.
    void wait_for_request() {
        if (buffer_.size() > 0) return read_request();  // a pipelined request is here already
        stream_.expires_after(server_->idle_timeout());
        stream_.async_read_some(buffer_.prepare(4096),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    if (ec) return self->close();
                                    self->buffer_.commit(n);
                                    self->read_request();
                                });
    }

    void read_request() {
        parser_.emplace();
        parser_->body_limit(4096);
        parser_->header_limit(8192);
        stream_.expires_after(request_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_request(ec);
                         });
    }

    void on_request(const beast::error_code& ec) {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
            return close();
        if (ec) return respond(http::status::bad_request, text("bad request\n"), false, false);
        const auto& req = parser_->get();
        const bool head = req.method() == http::verb::head;
        const bool keep_alive = req.keep_alive();
        // RFC 9112 3.2: a server must answer 400 to an HTTP/1.1 request without exactly one
        // Host header.
        if (req.version() >= 11 && req.count(http::field::host) != 1)
            return respond(http::status::bad_request, text("HTTP/1.1 wants one Host header\n"),
                           false, head);
        if (req.method() != http::verb::get && !head)
            return respond(http::status::method_not_allowed, text("only GET and HEAD\n"),
                           keep_alive, false, true);
        const auto target = req.target();
        if (target.substr(0, target.find('?')) != "/metrics")
            return respond(http::status::not_found, text("not found; try /metrics\n"), keep_alive,
                           head);
        // Prometheus asks for OpenMetrics first in its Accept header; other scrapers get 0.0.4.
        const auto accept = req[http::field::accept];
        const bool om = accepts_openmetrics(std::string_view(accept.data(), accept.size()));
        server_->source().get([self = shared_from_this(), head, keep_alive,
                               om](std::shared_ptr<const scrape_result> r) {
            const auto status = r->ok ? http::status::ok : http::status::internal_server_error;
            const std::string_view type = !r->ok ? std::string_view("text/plain; charset=utf-8")
                                          : om   ? openmetrics_content_type
                                                 : text_content_type;
            // The body stays the shared result's, whoever else is sending it.
            std::shared_ptr<const std::string> body(r, r->ok && om ? &r->om_text : &r->text);
            self->respond(status, std::move(body), keep_alive, head, false, type);
        });
    }

    static std::shared_ptr<const std::string> text(const char* s) {
        return std::make_shared<const std::string>(s);
    }

    void respond(http::status status, std::shared_ptr<const std::string> body, bool keep_alive,
                 bool head, bool allow = false,
                 std::string_view type = "text/plain; charset=utf-8") {
        using response = http::response<http::span_body<const char>>;
        auto res = std::make_shared<response>(status, 11);
        res->set(http::field::server, "tcptable");
        res->set(http::field::content_type, beast::string_view(type.data(), type.size()));
        if (allow) res->set(http::field::allow, "GET, HEAD");
        res->keep_alive(keep_alive);
        // HEAD: the headers GET would send, Content-Length included, and no body.
        if (!head) res->body() = {body->data(), body->size()};
        res->content_length(body->size());
        stream_.expires_after(request_timeout);
        http::async_write(
            stream_, *res,
            [self = shared_from_this(), res, body, keep_alive](beast::error_code ec, std::size_t) {
                if (ec || !keep_alive) return self->close();
                self->wait_for_request();
            });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<server> server_;
};

void server::on_accept(const beast::error_code& ec, tcp::socket socket) {
    if (stopping_ || ec == asio::error::operation_aborted) return;
    if (ec) return on_accept_error(ec);
    if (accept_failing_) {
        std::fprintf(stderr, "tcptable: accepting connections again\n");
        accept_failing_ = false;
    }
    if (sessions_.size() >= max_connections_) {
        ++source_->counters().dropped_connections;
        beast::error_code ignored;
        socket.close(ignored);
    } else {
        std::make_shared<session>(std::move(socket), shared_from_this())->start();
    }
    accept();
}

void server::on_accept_error(const beast::error_code& ec) {
    if (!accept_failing_) {
        // Once per episode, not once per failure.
        std::fprintf(stderr, "tcptable: accept: %s; new connections are closed or wait\n",
                     ec.message().c_str());
        accept_failing_ = true;
    }
    if (out_of_descriptors(ec) && shed_one()) return accept();
    backoff_.expires_after(accept_backoff);
    backoff_.async_wait([self = shared_from_this()](const beast::error_code& wec) {
        if (wec || self->stopping_) return;
        self->reserve_.acquire();
        self->accept();
    });
}

bool server::shed_one() {
    if (!reserve_.release()) return false;
    tcp::socket s(io_);
    beast::error_code ec, ignored;
    acceptor_.accept(s, ec);  // non-blocking: would_block when nothing is queued
    s.close(ignored);
    reserve_.acquire();
    if (ec) return false;
    ++source_->counters().dropped_connections;
    return true;
}

void server::stop() {
    if (stopping_) return;
    stopping_ = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    backoff_.cancel();
    // abort() destroys no session (handlers run later), so the set does not change under us.
    for (session* s : std::vector<session*>(sessions_.begin(), sessions_.end())) s->abort();
    if (!source_->in_flight()) return source_->stop({});
    grace_.expires_after(stop_grace);
    grace_.async_wait([](const beast::error_code& ec) {
        if (ec) return;
        std::fprintf(stderr,
                     "tcptable: a table read is still running after %lld ms; exiting "
                     "without it\n",
                     static_cast<long long>(stop_grace.count()));
        std::fflush(stderr);
        std::fflush(stdout);
        // The read's thread cannot be joined, and the io_context must outlive its completion.
        std::_Exit(0);
    });
    source_->stop([self = shared_from_this()] { self->grace_.cancel(); });
}

bool parse_listen(const std::string& text, tcp::endpoint& ep) {
    std::string host, port;
    if (!text.empty() && text[0] == '[') {
        auto close = text.find("]:");
        if (close == std::string::npos) return false;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos) return false;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    beast::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos)
        return false;
    unsigned long p = std::stoul(port);
    if (p > 65535) return false;
    ep = tcp::endpoint(addr, static_cast<unsigned short>(p));
    return true;
}

}  // namespace

int serve(const std::string& listen, const serve_limits& limits,
          const snapshot_options& user_options, const serve_options& how) {
    tcp::endpoint ep;
    if (!parse_listen(listen, ep)) {
        std::fprintf(stderr, "tcptable: --listen wants HOST:PORT, got '%s' (see --help)\n",
                     listen.c_str());
        return 2;
    }
    // The metrics count rows: no order and no owners needed.
    snapshot_options options = user_options;
    options.sorted = false;
    options.owner_pids = false;
    statistics_options so;
    so.family = options.family;
    so.proc_root = options.proc_root;
    so.netns = options.netns;

    // Options that cannot work (a missing proc root, a namespace that is not there, a backend
    // this system lacks) fail here, once, before anything listens.
    {
        std::error_code ec;
        error_info info;
        tcp_table table;
        if (how.tcp) {
            if (how.all_netns)
                snapshot_all_namespaces(options, ec, &info);
            else
                table = snapshot(options, ec, &info);
            if (!ec) statistics(so, table, ec, &info);
        }
        if (!ec && how.udp) snapshot_udp(udp_options(options), ec, &info);
        if (ec) {
            std::fprintf(stderr, "tcptable: %s\n", describe(ec, info).c_str());
            // An explicit --backend bpf this system cannot run is a usage error (as in main).
            return options.backend == backend_kind::bpf && ec == errc::not_supported ? 2 : 1;
        }
    }

    try {
        asio::io_context io;
        // Declared after io, so destroyed (joined) first: by the time io goes, the helper's
        // last post() to it has returned.
        asio::thread_pool helper(1);
        auto source = std::make_shared<metrics_source>(io, helper, options, so, how);
        auto srv = std::make_shared<server>(io, ep, limits, source);
        srv->accept();
        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([srv](const beast::error_code& ec, int) {
            if (!ec) srv->stop();
        });
        auto bound = srv->endpoint();
        std::printf("listening on %s\n",
                    endpoint_text(from_asio(bound.address()), bound.port()).c_str());
        std::fflush(stdout);
        srv.reset();  // the handlers hold it from here
        try {
            io.run();
        } catch (const std::exception& e) {
            // Unwinding would destroy the io_context that a read in flight completes into.
            if (source->in_flight()) {
                std::fprintf(stderr, "tcptable: serve: %s\n", e.what());
                std::fflush(stderr);
                std::_Exit(1);
            }
            throw;
        }
        return 0;
    } catch (const boost::system::system_error& e) {
        std::fprintf(stderr, "tcptable: cannot serve on %s: %s\n", listen.c_str(),
                     e.code().message().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tcptable: serve: %s\n", e.what());
    }
    return 1;
}

}  // namespace tcptable::cli

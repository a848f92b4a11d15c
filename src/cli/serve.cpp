#include "serve.hpp"

#include "prometheus.hpp"

#include <tcptable/statistics.hpp>

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <memory>

namespace tcptable::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A request gets this long to arrive whole; a stalled client cannot hold the server.
constexpr auto request_timeout = std::chrono::seconds(10);

class session : public std::enable_shared_from_this<session> {
  public:
    session(tcp::socket socket, const snapshot_options& options)
        : stream_(std::move(socket)), options_(options) {}

    void start() { read(); }

  private:
    void read() {
        request_ = {};
        parser_.emplace();
        parser_->body_limit(4096);
        parser_->header_limit(8192);
        stream_.expires_after(request_timeout);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
            return close();
        if (ec) return respond(http::status::bad_request, "bad request\n", false);
        request_ = parser_->release();
        if (request_.method() != http::verb::get)
            return respond(http::status::method_not_allowed, "only GET\n", request_.keep_alive());
        if (request_.target() != "/metrics")
            return respond(http::status::not_found, "not found; try /metrics\n",
                           request_.keep_alive());
        std::error_code sec;
        tcp_table table = snapshot(options_, sec);
        tcp_statistics stats;
        if (!sec) {
            statistics_options so;
            so.proc_root = options_.proc_root;
            so.netns = options_.netns;
            stats = statistics(so, sec);
        }
        if (sec)
            return respond(http::status::internal_server_error, sec.message() + "\n",
                           request_.keep_alive());
        respond(http::status::ok, prometheus_text(table, stats), request_.keep_alive(),
                "text/plain; version=0.0.4; charset=utf-8");
    }

    void respond(http::status status, std::string body, bool keep_alive,
                 const char* type = "text/plain; charset=utf-8") {
        auto res = std::make_shared<http::response<http::string_body>>(status, 11);
        res->set(http::field::server, "tcptable");
        res->set(http::field::content_type, type);
        res->keep_alive(keep_alive);
        res->body() = std::move(body);
        res->prepare_payload();
        stream_.expires_after(request_timeout);
        auto write_done = [self = shared_from_this(), res, keep_alive](beast::error_code ec,
                                                                       std::size_t) {
            if (ec || !keep_alive) return self->close();
            self->read();
        };
        http::async_write(stream_, *res, std::move(write_done));
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::request<http::string_body> request_;
    const snapshot_options& options_;
};

class server {
  public:
    server(asio::io_context& io, const tcp::endpoint& ep, const snapshot_options& options)
        : acceptor_(io, ep), options_(options) {}

    tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
    void accept() {
        acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (!ec) std::make_shared<session>(std::move(socket), options_)->start();
            accept();
        });
    }
    void stop() {
        beast::error_code ignored;
        acceptor_.close(ignored);
    }

  private:
    tcp::acceptor acceptor_;
    const snapshot_options& options_;
};

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

int serve(const std::string& listen, const snapshot_options& options) {
    tcp::endpoint ep;
    if (!parse_listen(listen, ep)) {
        std::fprintf(stderr, "tcptable: --listen wants HOST:PORT, got '%s' (see --help)\n",
                     listen.c_str());
        return 2;
    }
    try {
        asio::io_context io;
        server srv(io, ep, options);
        srv.accept();
        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](beast::error_code, int) {
            srv.stop();
            io.stop();
        });
        auto bound = srv.endpoint();
        std::printf("listening on %s\n",
                    (bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                             : bound.address().to_string())
                        .append(":" + std::to_string(bound.port()))
                        .c_str());
        std::fflush(stdout);
        io.run();
        return 0;
    } catch (const boost::system::system_error& e) {
        std::fprintf(stderr, "tcptable: cannot serve on %s: %s\n", listen.c_str(),
                     e.code().message().c_str());
        return 1;
    }
}

}  // namespace tcptable::cli

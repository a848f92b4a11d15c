// SPDX-License-Identifier: MIT
// Uses the installed <tcptable/asio.hpp> through tcptable::asio (which brings Boost).
#include <tcptable/asio.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>

int main() {
    boost::asio::io_context io;
    int rc = 1;
    tcptable::async_snapshot(io, {}, [&](boost::system::error_code ec, tcptable::tcp_table t) {
        if (ec) {
            std::fprintf(stderr, "async_snapshot failed: %s\n", ec.message().c_str());
            return;
        }
        std::printf("tcptable %s (asio): %zu rows\n", std::string(tcptable::version()).c_str(),
                    t.size());
        rc = 0;
    });
    io.run();
    return rc;
}

// SPDX-License-Identifier: MIT
// Links the installed library and takes a real snapshot.
#include <tcptable/tcptable.hpp>

#include <cstdio>
#include <string>

int main() {
    std::error_code ec;
    tcptable::tcp_table t = tcptable::snapshot({}, ec);
    if (ec) {
        std::fprintf(stderr, "snapshot failed: %s\n", ec.message().c_str());
        return 1;
    }
    if (tcptable::version() != tcptable::version_string) {
        std::fprintf(stderr, "headers %s, library %s\n", tcptable::version_string,
                     std::string(tcptable::version()).c_str());
        return 1;
    }
    std::printf("tcptable %s: %zu rows\n", tcptable::version_string, t.size());
    return 0;
}

// Links the installed library and takes a real snapshot.
#include <tcptable/tcptable.hpp>

#include <cstdio>

int main() {
    std::error_code ec;
    tcptable::tcp_table t = tcptable::snapshot({}, ec);
    if (ec) {
        std::fprintf(stderr, "snapshot failed: %s\n", ec.message().c_str());
        return 1;
    }
    std::printf("tcptable %s: %zu rows\n", tcptable::version_string, t.size());
    return 0;
}

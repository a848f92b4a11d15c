// SPDX-License-Identifier: MIT
// getservbyport for the Win32 layer's winsock2.h. This file uses the C library's <netdb.h>, so it
// cannot include the Win32 headers (their in_addr is Winsock's): the result is built in a
// structure with Windows x64's servent layout, which tests/win32_api_test.cpp compares with
// winsock2.h's struct servent.
#include <netdb.h>

#include <cerrno>
#include <cstring>

namespace {

struct windows_servent {
    char* s_name;
    char** s_aliases;
    char* s_proto;
    short s_port;
};

}  // namespace

extern "C" __attribute__((visibility("default"))) windows_servent* tcptable_win32_getservbyport(
    int network_order_port, const char* protocol) {
    thread_local servent found;
    thread_local char storage[4096];
    thread_local windows_servent result;
    servent* out = nullptr;
    const int rc =
        ::getservbyport_r(network_order_port, protocol, &found, storage, sizeof storage, &out);
    if (rc != 0 || out == nullptr) {
        // Winsock's WSANO_DATA: no such service (errno ENOENT maps to WSAEINVAL otherwise).
        errno = rc != 0 ? rc : ENOENT;
        return nullptr;
    }
    result.s_name = out->s_name;
    result.s_aliases = out->s_aliases;
    result.s_proto = out->s_proto;
    result.s_port = static_cast<short>(out->s_port);
    return &result;
}

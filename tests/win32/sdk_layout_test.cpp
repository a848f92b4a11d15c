// SPDX-License-Identifier: MIT
// The cross build's half of the layout check: MinGW-w64's own SDK headers against the list in
// tests/win32/layouts.h, which the Linux build checks include/tcptable/win32 against. A
// structure whose size or member offset differs between the two header sets fails one of the
// two builds. Compiled only (there is nothing to run).
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
// clang-format on

#include <cstddef>

#define LAYOUT_SIZE(type, bytes) static_assert(sizeof(type) == (bytes), #type);
#define LAYOUT_OFFSET(type, member, bytes) \
    static_assert(offsetof(type, member) == (bytes), #type "::" #member);
#include "layouts.h"
#undef LAYOUT_SIZE
#undef LAYOUT_OFFSET

// The constants programs compare against, as the SDK defines them.
static_assert(ERROR_NOT_FOUND == 1168 && ERROR_NETWORK_ACCESS_DENIED == 65 && MAX_PATH == 260);
static_assert(UDP_TABLE_BASIC == 0 && UDP_TABLE_OWNER_PID == 1 && UDP_TABLE_OWNER_MODULE == 2);
static_assert(TCP_TABLE_OWNER_MODULE_ALL == 8 && TCPIP_OWNER_MODULE_INFO_BASIC == 0);
static_assert(MIB_TCP_STATE_DELETE_TCB == 12 && WSAEADDRINUSE == 10048 &&
              WSA_INVALID_PARAMETER == 87);
static_assert(MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT) == 0x400);

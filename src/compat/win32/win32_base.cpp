// SPDX-License-Identifier: MIT
// The error functions of the Win32 layer: GetLastError/SetLastError, WSAGetLastError, the
// system's messages for FormatMessageA/W, LocalAlloc/LocalFree, GetCurrentProcessId, and
// WSAStartup/WSACleanup (nothing to start: the sockets are the system's).
#include "win32_base.hpp"

#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <string>
#include <string_view>
#include <vector>

// Last: the Win32 headers define macros that must not reach the C++ headers above.
#include <tcptable/win32/tchar.h>
#include <tcptable/win32/winbase.h>
#include <tcptable/win32/winerror.h>
#include <tcptable/win32/winsock2.h>

namespace tcptable::inline v0_1::detail {
namespace {

// errno <-> Winsock. Winsock's numbers are 10000 + the BSD errno; Linux numbers its errno
// values differently, so each pair is listed.
struct errno_pair {
    int error;
    std::uint32_t wsa;
};
constexpr errno_pair errno_pairs[] = {
    {EINTR, WSAEINTR},
    {EBADF, WSAEBADF},
    {EACCES, WSAEACCES},
    {EFAULT, WSAEFAULT},
    {EINVAL, WSAEINVAL},
    {EMFILE, WSAEMFILE},
    {EWOULDBLOCK, WSAEWOULDBLOCK},
    {EINPROGRESS, WSAEINPROGRESS},
    {EALREADY, WSAEALREADY},
    {ENOTSOCK, WSAENOTSOCK},
    {EDESTADDRREQ, WSAEDESTADDRREQ},
    {EMSGSIZE, WSAEMSGSIZE},
    {EPROTOTYPE, WSAEPROTOTYPE},
    {ENOPROTOOPT, WSAENOPROTOOPT},
    {EPROTONOSUPPORT, WSAEPROTONOSUPPORT},
    {ESOCKTNOSUPPORT, WSAESOCKTNOSUPPORT},
    {EOPNOTSUPP, WSAEOPNOTSUPP},
    {EPFNOSUPPORT, WSAEPFNOSUPPORT},
    {EAFNOSUPPORT, WSAEAFNOSUPPORT},
    {EADDRINUSE, WSAEADDRINUSE},
    {EADDRNOTAVAIL, WSAEADDRNOTAVAIL},
    {ENETDOWN, WSAENETDOWN},
    {ENETUNREACH, WSAENETUNREACH},
    {ENETRESET, WSAENETRESET},
    {ECONNABORTED, WSAECONNABORTED},
    {ECONNRESET, WSAECONNRESET},
    {ENOBUFS, WSAENOBUFS},
    {EISCONN, WSAEISCONN},
    {ENOTCONN, WSAENOTCONN},
    {ESHUTDOWN, WSAESHUTDOWN},
    {ETIMEDOUT, WSAETIMEDOUT},
    {ECONNREFUSED, WSAECONNREFUSED},
    {ENAMETOOLONG, WSAENAMETOOLONG},
    {EHOSTDOWN, WSAEHOSTDOWN},
    {EHOSTUNREACH, WSAEHOSTUNREACH},
    {ENOMEM, WSA_NOT_ENOUGH_MEMORY},
    {EPERM, WSAEACCES},
};

// What the thread last set, and the errno that setting left.
struct last_error_state {
    std::uint32_t code = 0;
    int carrier = 0;
};
thread_local last_error_state last;

// Not produced by any socket, table or file call this layer makes.
constexpr int carrier_errno = EDOM;

// Windows' English message texts for the codes the layer returns or programs meet around it.
struct message {
    std::uint32_t code;
    std::string_view text;
};
constexpr message messages[] = {
    {ERROR_SUCCESS, "The operation completed successfully."},
    {ERROR_INVALID_FUNCTION, "Incorrect function."},
    {ERROR_FILE_NOT_FOUND, "The system cannot find the file specified."},
    {ERROR_PATH_NOT_FOUND, "The system cannot find the path specified."},
    {ERROR_ACCESS_DENIED, "Access is denied."},
    {ERROR_INVALID_HANDLE, "The handle is invalid."},
    {ERROR_NOT_ENOUGH_MEMORY, "Not enough memory resources are available to process this command."},
    {ERROR_OUTOFMEMORY, "Not enough memory resources are available to complete this operation."},
    {ERROR_GEN_FAILURE, "A device attached to the system is not functioning."},
    {ERROR_NOT_SUPPORTED, "The request is not supported."},
    {ERROR_NETWORK_ACCESS_DENIED, "Network access is denied."},
    {ERROR_INVALID_PARAMETER, "The parameter is incorrect."},
    {ERROR_INSUFFICIENT_BUFFER, "The data area passed to a system call is too small."},
    {ERROR_NO_DATA, "The pipe is being closed."},
    {ERROR_MORE_DATA, "More data is available."},
    {ERROR_PARTIAL_COPY,
     "Only part of a ReadProcessMemory or WriteProcessMemory request was completed."},
    {ERROR_MR_MID_NOT_FOUND,
     "The system cannot find message text for message number 0x%1 in the message file for %2."},
    {ERROR_NOT_FOUND, "Element not found."},
    {ERROR_RESOURCE_LANG_NOT_FOUND,
     "The specified resource language ID cannot be found in the image file."},
    {WSAEINTR, "A blocking operation was interrupted by a call to WSACancelBlockingCall."},
    {WSAEBADF, "The file handle supplied is not valid."},
    {WSAEACCES,
     "An attempt was made to access a socket in a way forbidden by its access permissions."},
    {WSAEFAULT,
     "The system detected an invalid pointer address in attempting to use a pointer argument in a "
     "call."},
    {WSAEINVAL, "An invalid argument was supplied."},
    {WSAEMFILE, "Too many open sockets."},
    {WSAEWOULDBLOCK, "A non-blocking socket operation could not be completed immediately."},
    {WSAEINPROGRESS, "A blocking operation is currently executing."},
    {WSAEALREADY,
     "An operation was attempted on a non-blocking socket that already had an operation in "
     "progress."},
    {WSAENOTSOCK, "An operation was attempted on something that is not a socket."},
    {WSAEMSGSIZE,
     "A message sent on a datagram socket was larger than the internal message buffer or some "
     "other network limit, or the buffer used to receive a datagram into was smaller than the "
     "datagram itself."},
    {WSAEPROTONOSUPPORT,
     "The requested protocol has not been configured into the system, or no implementation for it "
     "exists."},
    {WSAEOPNOTSUPP, "The attempted operation is not supported for the type of object referenced."},
    {WSAEAFNOSUPPORT, "An address incompatible with the requested protocol was used."},
    {WSAEADDRINUSE,
     "Only one usage of each socket address (protocol/network address/port) is normally "
     "permitted."},
    {WSAEADDRNOTAVAIL, "The requested address is not valid in its context."},
    {WSAENETDOWN, "A socket operation encountered a dead network."},
    {WSAENETUNREACH, "A socket operation was attempted to an unreachable network."},
    {WSAECONNABORTED,
     "An established connection was aborted by the software in your host machine."},
    {WSAECONNRESET, "An existing connection was forcibly closed by the remote host."},
    {WSAENOBUFS,
     "An operation on a socket could not be performed because the system lacked sufficient buffer "
     "space or because a queue was full."},
    {WSAEISCONN, "A connect request was made on an already connected socket."},
    {WSAENOTCONN,
     "A request to send or receive data was disallowed because the socket is not connected and "
     "(when sending on a datagram socket using a sendto call) no address was supplied."},
    {WSAETIMEDOUT,
     "A connection attempt failed because the connected party did not properly respond after a "
     "period of time, or established connection failed because connected host has failed to "
     "respond."},
    {WSAECONNREFUSED,
     "No connection could be made because the target machine actively refused it."},
    {WSAEHOSTUNREACH, "A socket operation was attempted to an unreachable host."},
    {WSAVERNOTSUPPORTED, "The Windows Sockets version requested is not supported."},
    {WSANOTINITIALISED, "Either the application has not called WSAStartup, or WSAStartup failed."},
    {WSAHOST_NOT_FOUND, "No such host is known."},
    {WSANO_DATA, "The requested name is valid, but no data of the requested type was found."},
};

const message* find_message(std::uint32_t code) noexcept {
    for (const auto& m : messages)
        if (m.code == code) return &m;
    return nullptr;
}

// FormatMessage's common part: the text to store (narrow; every message is ASCII), or 0 with
// the last error set.
bool message_text(DWORD flags, LPCVOID source, DWORD id, DWORD language, std::string_view& text,
                  bool& owned_newline) noexcept {
    owned_newline = false;
    if (flags & FORMAT_MESSAGE_FROM_STRING) {
        if (source == nullptr) {
            set_last_error(ERROR_INVALID_PARAMETER);
            return false;
        }
        text = static_cast<const char*>(source);
        // Inserts (%1, %n, ...) need the arguments this layer does not format.
        if (!(flags & FORMAT_MESSAGE_IGNORE_INSERTS) && text.find('%') != std::string_view::npos) {
            set_last_error(ERROR_NOT_SUPPORTED);
            return false;
        }
        return true;
    }
    if ((flags & FORMAT_MESSAGE_FROM_HMODULE) && source != nullptr) {
        set_last_error(ERROR_NOT_SUPPORTED);
        return false;
    }
    if (!(flags & FORMAT_MESSAGE_FROM_SYSTEM)) {
        set_last_error(ERROR_INVALID_PARAMETER);
        return false;
    }
    const DWORD primary = PRIMARYLANGID(language);
    if (language != 0 && primary != LANG_NEUTRAL && primary != LANG_ENGLISH) {
        set_last_error(ERROR_RESOURCE_LANG_NOT_FOUND);
        return false;
    }
    const message* m = find_message(id);
    if (m == nullptr) {
        set_last_error(ERROR_MR_MID_NOT_FOUND);
        return false;
    }
    text = m->text;
    // System messages end in a line break unless FORMAT_MESSAGE_MAX_WIDTH_MASK drops it.
    owned_newline = (flags & FORMAT_MESSAGE_MAX_WIDTH_MASK) != FORMAT_MESSAGE_MAX_WIDTH_MASK;
    return true;
}

template <class Char>
DWORD format_message(DWORD flags, LPCVOID source, DWORD id, DWORD language, Char* buffer,
                     DWORD size) noexcept {
    std::string_view text;
    bool newline = false;
    if (!message_text(flags, source, id, language, text, newline)) return 0;
    const std::size_t length = text.size() + (newline ? 2 : 0);
    Char* out = nullptr;
    if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
        // lpBuffer is really a Char**; nSize is the least to allocate.
        if (buffer == nullptr) {
            set_last_error(ERROR_INVALID_PARAMETER);
            return 0;
        }
        const std::size_t chars = length + 1 > size ? length + 1 : size;
        out = static_cast<Char*>(LocalAlloc(LMEM_FIXED, chars * sizeof(Char)));
        if (out == nullptr) {
            set_last_error(ERROR_NOT_ENOUGH_MEMORY);
            return 0;
        }
        std::memcpy(static_cast<void*>(buffer), &out, sizeof out);
    } else {
        if (buffer == nullptr) {
            set_last_error(ERROR_INVALID_PARAMETER);
            return 0;
        }
        if (length + 1 > size) {
            set_last_error(ERROR_INSUFFICIENT_BUFFER);
            return 0;
        }
        out = buffer;
    }
    std::size_t i = 0;
    for (char c : text) out[i++] = static_cast<Char>(static_cast<unsigned char>(c));
    if (newline) {
        out[i++] = static_cast<Char>('\r');
        out[i++] = static_cast<Char>('\n');
    }
    out[i] = static_cast<Char>(0);
    return static_cast<DWORD>(length);
}

}  // namespace

std::uint32_t wsa_error_from_errno(int error) noexcept {
    if (error == 0) return 0;
    for (const auto& p : errno_pairs)
        if (p.error == error) return p.wsa;
    return WSAEINVAL;
}

void set_last_error(std::uint32_t code) noexcept {
    if (code == 0) {
        last = {};
        errno = 0;
        return;
    }
    int carrier = carrier_errno;
    for (const auto& p : errno_pairs)
        if (p.wsa == code) {
            carrier = p.error;
            break;
        }
    errno = carrier;
    last = {code, carrier};
}

std::uint32_t last_error() noexcept {
    const int error = errno;
    if (last.code != 0 && last.carrier == error) return last.code;
    return wsa_error_from_errno(error);
}

}  // namespace tcptable::inline v0_1::detail

extern "C" {

DWORD WINAPI GetLastError(void) { return tcptable::detail::last_error(); }

void WINAPI SetLastError(DWORD dwErrCode) { tcptable::detail::set_last_error(dwErrCode); }

DWORD WINAPI GetCurrentProcessId(void) { return static_cast<DWORD>(::getpid()); }

HLOCAL WINAPI LocalAlloc(UINT uFlags, SIZE_T uBytes) {
    // Like HeapAlloc, a unique pointer even for zero bytes.
    if (uBytes == 0) uBytes = 1;
    void* p = (uFlags & LMEM_ZEROINIT) ? std::calloc(1, uBytes) : std::malloc(uBytes);
    if (p == nullptr) tcptable::detail::set_last_error(ERROR_NOT_ENOUGH_MEMORY);
    return p;
}

HLOCAL WINAPI LocalFree(HLOCAL hMem) {
    std::free(hMem);
    return nullptr;
}

DWORD WINAPI FormatMessageA(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId, DWORD dwLanguageId,
                            LPSTR lpBuffer, DWORD nSize, va_list*) {
    return tcptable::detail::format_message<char>(dwFlags, lpSource, dwMessageId, dwLanguageId,
                                                  lpBuffer, nSize);
}

DWORD WINAPI FormatMessageW(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId, DWORD dwLanguageId,
                            LPWSTR lpBuffer, DWORD nSize, va_list*) {
    // FORMAT_MESSAGE_FROM_STRING's source is then a wide string: narrow it (ASCII only).
    if ((dwFlags & FORMAT_MESSAGE_FROM_STRING) && lpSource != nullptr) {
        const auto* wide = static_cast<const WCHAR*>(lpSource);
        std::size_t n = 0;
        while (wide[n] != 0) ++n;
        char* narrow = static_cast<char*>(std::malloc(n + 1));
        if (narrow == nullptr) {
            tcptable::detail::set_last_error(ERROR_NOT_ENOUGH_MEMORY);
            return 0;
        }
        for (std::size_t i = 0; i < n; ++i)
            narrow[i] = wide[i] > 0 && wide[i] < 0x80 ? static_cast<char>(wide[i]) : '?';
        narrow[n] = '\0';
        DWORD r = tcptable::detail::format_message<WCHAR>(dwFlags, narrow, dwMessageId,
                                                          dwLanguageId, lpBuffer, nSize);
        const int saved = errno;
        std::free(narrow);
        errno = saved;
        return r;
    }
    return tcptable::detail::format_message<WCHAR>(dwFlags, lpSource, dwMessageId, dwLanguageId,
                                                   lpBuffer, nSize);
}

int tcptable_win32_wsa_startup(WORD version, WSADATA* data) {
    // Winsock's answer: the error is returned, not set (the WSAStartup page).
    if (data == nullptr) return WSAEFAULT;
    if (LOBYTE(version) < 1) return WSAVERNOTSUPPORTED;
    std::memset(data, 0, sizeof *data);
    // The highest version asked for, up to 2.2, which is all there is.
    const bool above = LOBYTE(version) > 2 || (LOBYTE(version) == 2 && HIBYTE(version) > 2);
    data->wVersion = above ? MAKEWORD(2, 2) : version;
    data->wHighVersion = MAKEWORD(2, 2);
    std::memcpy(data->szDescription, "tcptable Winsock over the system's sockets", 43);
    std::memcpy(data->szSystemStatus, "Running", 8);
    return 0;
}

int tcptable_win32_wsa_cleanup(void) { return 0; }

int tcptable_win32_wsa_get_last_error(void) {
    return static_cast<int>(tcptable::detail::last_error());
}

void tcptable_win32_wsa_set_last_error(int error) {
    tcptable::detail::set_last_error(static_cast<std::uint32_t>(error));
}

}  // extern "C"

// wmain for programs that add TCPTABLE_WIN32_MAIN_CALLS_WMAIN (tchar.h).
extern "C" TCPTABLE_WIN32_API int tcptable_win32_call_wmain(int argc, char** argv,
                                                            int (*wmain_function)(int, wchar_t**)) {
    std::setlocale(LC_CTYPE, "");
    std::vector<std::wstring> wide(static_cast<std::size_t>(argc < 0 ? 0 : argc));
    std::vector<wchar_t*> pointers;
    for (int i = 0; i < argc; ++i) {
        std::mbstate_t state{};
        const char* source = argv[i];
        const std::size_t n = std::mbsrtowcs(nullptr, &source, 0, &state);
        if (n == static_cast<std::size_t>(-1)) {
            std::fprintf(stderr, "%s: argument %d is not text in this locale\n", argv[0], i);
            return 1;
        }
        wide[static_cast<std::size_t>(i)].resize(n);
        source = argv[i];
        state = std::mbstate_t{};
        std::mbsrtowcs(wide[static_cast<std::size_t>(i)].data(), &source, n, &state);
        pointers.push_back(wide[static_cast<std::size_t>(i)].data());
    }
    pointers.push_back(nullptr);
    return wmain_function(argc, pointers.data());
}

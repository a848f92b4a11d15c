// SPDX-License-Identifier: MIT
// GetOwnerModuleFromTcpEntry and its IPv6 and UDP forms: the owner's executable, from
// /proc/<pid>/exe, as TCPIP_OWNER_MODULE_BASIC_INFO with its two strings in the caller's buffer.
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "win32_base.hpp"

// Last: the Win32 headers define macros that must not reach the C++ headers above.
#include <tcptable/win32/iphlpapi.h>
#include <tcptable/win32/winerror.h>

namespace {

// UTF-8 bytes to wide characters; a byte that is not part of valid UTF-8 becomes U+DC80 + byte
// (as Python's surrogateescape does), so no path is lost or merged with another.
std::wstring widen(const std::string& bytes) {
    std::wstring out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        std::size_t n = b < 0x80         ? 1
                        : (b >> 5) == 6  ? 2
                        : (b >> 4) == 14 ? 3
                        : (b >> 3) == 30 ? 4
                                         : 0;
        char32_t c = n == 1 ? b : n == 2 ? (b & 0x1f) : n == 3 ? (b & 0x0f) : (b & 0x07);
        bool ok = n != 0 && i + n <= bytes.size();
        for (std::size_t k = 1; ok && k < n; ++k) {
            const auto cb = static_cast<unsigned char>(bytes[i + k]);
            if ((cb & 0xc0) != 0x80) ok = false;
            c = (c << 6) | (cb & 0x3f);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if (ok && ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
                   (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff))
            ok = false;
        if (!ok) {
            out.push_back(static_cast<wchar_t>(0xdc80 + b));
            ++i;
            continue;
        }
        out.push_back(static_cast<wchar_t>(c));
        i += n;
    }
    return out;
}

DWORD owner_module(DWORD pid, TCPIP_OWNER_MODULE_INFO_CLASS cls, PVOID buffer, PDWORD size) {
    if (size == nullptr || cls != TCPIP_OWNER_MODULE_INFO_BASIC) return ERROR_INVALID_PARAMETER;
    // The GetOwnerModuleFromTcpEntry page: a zero pid (no owner known) is ERROR_NOT_FOUND.
    if (pid == 0) return ERROR_NOT_FOUND;
    const std::string link = "/proc/" + std::to_string(pid) + "/exe";
    std::vector<char> target(256);
    ssize_t n;
    for (;;) {
        n = ::readlink(link.c_str(), target.data(), target.size());
        if (n < 0) {
            // No such process, or one without an executable (a kernel thread).
            if (errno == ENOENT || errno == ESRCH) return ERROR_NOT_FOUND;
            if (errno == EACCES || errno == EPERM) return ERROR_ACCESS_DENIED;
            return ERROR_GEN_FAILURE;
        }
        if (static_cast<std::size_t>(n) < target.size()) break;
        if (target.size() >= 65536) return ERROR_GEN_FAILURE;  // no path is that long
        target.resize(target.size() * 2);
    }
    std::string path(target.data(), static_cast<std::size_t>(n));
    // The kernel marks an executable removed since the process started.
    constexpr std::string_view deleted = " (deleted)";
    if (path.size() > deleted.size() &&
        path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0)
        path.resize(path.size() - deleted.size());
    const std::size_t slash = path.rfind('/');
    const std::wstring wide_path = widen(path);
    const std::wstring wide_name =
        widen(slash == std::string::npos ? path : path.substr(slash + 1));

    // The structure, then the name, then the path, each with its terminating null.
    const std::size_t header = sizeof(TCPIP_OWNER_MODULE_BASIC_INFO);
    const std::size_t name_bytes = (wide_name.size() + 1) * sizeof(WCHAR);
    const std::size_t path_bytes = (wide_path.size() + 1) * sizeof(WCHAR);
    const std::size_t required = header + name_bytes + path_bytes;
    if (buffer == nullptr || *size < required) {
        *size = static_cast<DWORD>(required);
        return ERROR_INSUFFICIENT_BUFFER;
    }
    auto* out = static_cast<unsigned char*>(buffer);
    TCPIP_OWNER_MODULE_BASIC_INFO info;
    info.pModuleName = reinterpret_cast<PWCHAR>(out + header);
    info.pModulePath = reinterpret_cast<PWCHAR>(out + header + name_bytes);
    std::memcpy(out, &info, sizeof info);
    std::memcpy(out + header, wide_name.c_str(), name_bytes);
    std::memcpy(out + header + name_bytes, wide_path.c_str(), path_bytes);
    return NO_ERROR;
}

// The body of the four GetOwnerModuleFrom*Entry functions: every owner-module row type carries
// the owner's pid as dwOwningPid, and the module is found by that pid alone.
template <class Entry>
DWORD owner_module_of(const Entry* entry, TCPIP_OWNER_MODULE_INFO_CLASS cls, PVOID buffer,
                      PDWORD size) noexcept {
    if (entry == nullptr) return ERROR_INVALID_PARAMETER;
    try {
        return owner_module(entry->dwOwningPid, cls, buffer, size);
    } catch (...) {
        return ERROR_NOT_ENOUGH_MEMORY;
    }
}

}  // namespace

extern "C" {

DWORD WINAPI GetOwnerModuleFromTcpEntry(PMIB_TCPROW_OWNER_MODULE pTcpEntry,
                                        TCPIP_OWNER_MODULE_INFO_CLASS Class, PVOID pBuffer,
                                        PDWORD pdwSize) {
    return owner_module_of(pTcpEntry, Class, pBuffer, pdwSize);
}

DWORD WINAPI GetOwnerModuleFromTcp6Entry(PMIB_TCP6ROW_OWNER_MODULE pTcpEntry,
                                         TCPIP_OWNER_MODULE_INFO_CLASS Class, PVOID pBuffer,
                                         PDWORD pdwSize) {
    return owner_module_of(pTcpEntry, Class, pBuffer, pdwSize);
}

DWORD WINAPI GetOwnerModuleFromUdpEntry(PMIB_UDPROW_OWNER_MODULE pUdpEntry,
                                        TCPIP_OWNER_MODULE_INFO_CLASS Class, PVOID pBuffer,
                                        PDWORD pdwSize) {
    return owner_module_of(pUdpEntry, Class, pBuffer, pdwSize);
}

DWORD WINAPI GetOwnerModuleFromUdp6Entry(PMIB_UDP6ROW_OWNER_MODULE pUdpEntry,
                                         TCPIP_OWNER_MODULE_INFO_CLASS Class, PVOID pBuffer,
                                         PDWORD pdwSize) {
    return owner_module_of(pUdpEntry, Class, pBuffer, pdwSize);
}

}  // extern "C"

/* SPDX-License-Identifier: MIT */
/* The generic character types with UNICODE and _UNICODE defined (compiled with -DUNICODE
 * -D_UNICODE): TCHAR is WCHAR, TEXT() and _T() make wide literals, and FormatMessage, InetNtop
 * and InetPton are the W functions. Exit status 0 on success. */
/* clang-format off */
#include <WinSock2.h>
#include <WS2tcpip.h>
#include <Windows.h>
#include <tchar.h>
/* clang-format on */

#include <stdio.h>
#include <wchar.h>

typedef char tchar_is_wchar[sizeof(TCHAR) == sizeof(WCHAR) ? 1 : -1];

int main(void) {
    int failures = 0;
    LPTSTR message = NULL;
    LPCTSTR literal = TEXT("wide");
    const _TCHAR* t = _T("also wide");
    TCHAR text[INET6_ADDRSTRLEN];
    IN6_ADDR a;
    (void)sizeof(tchar_is_wchar);

    if (wcscmp(literal, L"wide") != 0 || _tcslen(t) != 9) ++failures;
    if (FormatMessage(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                          FORMAT_MESSAGE_IGNORE_INSERTS,
                      NULL, ERROR_INVALID_PARAMETER, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
                      (LPTSTR)&message, 0, NULL) == 0 ||
        wcscmp(message, L"The parameter is incorrect.\r\n") != 0)
        ++failures;
    LocalFree(message);
    if (InetPton(AF_INET6, TEXT("::1"), &a) != 1 || !IN6_IS_ADDR_LOOPBACK(&a)) ++failures;
    if (InetNtop(AF_INET6, &a, text, INET6_ADDRSTRLEN) == NULL || wcscmp(text, L"::1") != 0)
        ++failures;
    printf("unicode_test: %s\n", failures == 0 ? "all checks passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}

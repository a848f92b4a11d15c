/* SPDX-License-Identifier: MIT */
/* The C runtime's generic-text mappings (<tchar.h>) for the functions IP Helper programs use.
 * _UNICODE chooses the wide forms, as on Windows. _tmain with _UNICODE is wmain, which the C
 * runtime here never calls: such a program adds the one line TCPTABLE_WIN32_MAIN_CALLS_WMAIN
 * after its wmain (docs/WIN32_API.md). */
#ifndef TCPTABLE_WIN32_TCHAR_H
#define TCPTABLE_WIN32_TCHAR_H

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "winnt.h"

#ifdef _UNICODE
typedef wchar_t _TCHAR;
#define TCPTABLE_WIN32_T(x) L##x
#define _tmain wmain
#define _tprintf wprintf
#define _ftprintf fwprintf
#define _stprintf swprintf
#define _tcslen wcslen
#define _tcscpy wcscpy
#define _tcscmp wcscmp
#define _tcsncpy wcsncpy
#else
typedef char _TCHAR;
#define TCPTABLE_WIN32_T(x) x
#define _tmain main
#define _tprintf printf
#define _ftprintf fprintf
#define _stprintf sprintf
#define _tcslen strlen
#define _tcscpy strcpy
#define _tcscmp strcmp
#define _tcsncpy strncpy
#endif
#define _T(x) TCPTABLE_WIN32_T(x)

TCPTABLE_WIN32_BEGIN_DECLS
/* Converts argv to wide strings in the environment's locale (setlocale(LC_CTYPE, "")), calls
 * the program's wmain and frees them; a conversion that fails is exit status 1, with a
 * message on stderr. */
TCPTABLE_WIN32_API int tcptable_win32_call_wmain(int argc, char** argv,
                                                 int (*wmain_function)(int, wchar_t**));
TCPTABLE_WIN32_END_DECLS

/* The C runtime here starts programs at main only: written once after wmain, this defines the
 * main that calls it. */
#define TCPTABLE_WIN32_MAIN_CALLS_WMAIN \
    int main(int argc, char** argv) { return tcptable_win32_call_wmain(argc, argv, wmain); }
#define _TEXT(x) TCPTABLE_WIN32_T(x)

#endif /* TCPTABLE_WIN32_TCHAR_H */

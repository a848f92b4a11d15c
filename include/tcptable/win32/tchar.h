/* SPDX-License-Identifier: MIT */
/* The C runtime's generic-text mappings (<tchar.h>) for the functions IP Helper programs use.
 * _UNICODE chooses the wide forms, as on Windows. _tmain with _UNICODE is wmain, which the C
 * runtime here never calls: see docs/WIN32_API.md for the one-line change. */
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
#define _TEXT(x) TCPTABLE_WIN32_T(x)

#endif /* TCPTABLE_WIN32_TCHAR_H */

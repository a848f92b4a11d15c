/* SPDX-License-Identifier: MIT */
/* The generic character types and language identifiers of <winnt.h>. TCHAR, LPTSTR, LPCTSTR and
 * TEXT() follow UNICODE, as on Windows: WCHAR (wchar_t here) when it is defined, char
 * otherwise. MAKELANGID and the LANG_ and SUBLANG_ values are Windows' numbers; FormatMessage
 * takes them (see winbase.h). */
#ifndef TCPTABLE_WIN32_WINNT_H
#define TCPTABLE_WIN32_WINNT_H

#include "minwindef.h"

#ifdef UNICODE
typedef WCHAR TCHAR;
typedef WCHAR TBYTE;
#define TCPTABLE_WIN32_TEXT(quote) L##quote
#else
typedef char TCHAR;
typedef unsigned char TBYTE;
#define TCPTABLE_WIN32_TEXT(quote) quote
#endif
typedef TCHAR* PTCHAR;
typedef TCHAR* PTSTR;
typedef TCHAR* LPTSTR;
typedef const TCHAR* PCTSTR;
typedef const TCHAR* LPCTSTR;
#ifndef TEXT
#define TEXT(quote) TCPTABLE_WIN32_TEXT(quote)
#endif

#define MAKELANGID(primary, sub) ((((WORD)(sub)) << 10) | (WORD)(primary))
#define PRIMARYLANGID(lang) ((WORD)(lang)&0x3ff)
#define SUBLANGID(lang) ((WORD)(lang) >> 10)
#define LANG_NEUTRAL 0x00
#define LANG_INVARIANT 0x7f
#define LANG_ENGLISH 0x09
#define SUBLANG_NEUTRAL 0x00
#define SUBLANG_DEFAULT 0x01
#define SUBLANG_SYS_DEFAULT 0x02
#define SUBLANG_ENGLISH_US 0x01
#define LANG_SYSTEM_DEFAULT MAKELANGID(LANG_NEUTRAL, SUBLANG_SYS_DEFAULT)
#define LANG_USER_DEFAULT MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT)

#endif /* TCPTABLE_WIN32_WINNT_H */

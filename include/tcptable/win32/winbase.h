/* SPDX-License-Identifier: MIT */
/* The error functions of <winbase.h> that IP Helper programs use on their failure paths:
 * GetLastError/SetLastError (one value per thread), FormatMessageA/W with the system's messages
 * for the error codes of winerror.h, LocalAlloc/LocalFree for the buffers FormatMessage
 * allocates, and GetCurrentProcessId. Implemented in libtcptable_win32 (win32_base.cpp). */
#ifndef TCPTABLE_WIN32_WINBASE_H
#define TCPTABLE_WIN32_WINBASE_H

#include <stdarg.h>

#include "minwindef.h"
#include "winerror.h"
#include "winnt.h"

#define FORMAT_MESSAGE_ALLOCATE_BUFFER 0x00000100
#define FORMAT_MESSAGE_IGNORE_INSERTS 0x00000200
#define FORMAT_MESSAGE_FROM_STRING 0x00000400
#define FORMAT_MESSAGE_FROM_HMODULE 0x00000800
#define FORMAT_MESSAGE_FROM_SYSTEM 0x00001000
#define FORMAT_MESSAGE_ARGUMENT_ARRAY 0x00002000
#define FORMAT_MESSAGE_MAX_WIDTH_MASK 0x000000FF

#define LMEM_FIXED 0x0000
#define LMEM_ZEROINIT 0x0040
#define LPTR (LMEM_FIXED | LMEM_ZEROINIT)

TCPTABLE_WIN32_BEGIN_DECLS

TCPTABLE_WIN32_API DWORD WINAPI GetLastError(void);
TCPTABLE_WIN32_API void WINAPI SetLastError(DWORD dwErrCode);
TCPTABLE_WIN32_API DWORD WINAPI GetCurrentProcessId(void);

TCPTABLE_WIN32_API HLOCAL WINAPI LocalAlloc(UINT uFlags, SIZE_T uBytes);
TCPTABLE_WIN32_API HLOCAL WINAPI LocalFree(HLOCAL hMem);

/* FORMAT_MESSAGE_FROM_SYSTEM (with or without FORMAT_MESSAGE_ALLOCATE_BUFFER, where lpBuffer
 * is then really an LPSTR* / LPWSTR*) and FORMAT_MESSAGE_FROM_STRING without inserts. The
 * language must be 0 or a neutral or English one; messages are Windows' English texts, each
 * ending in "\r\n". Returns the characters stored, without the terminating null, or 0 with
 * GetLastError set: ERROR_MR_MID_NOT_FOUND (no message for that code),
 * ERROR_RESOURCE_LANG_NOT_FOUND, ERROR_INSUFFICIENT_BUFFER, ERROR_INVALID_PARAMETER,
 * ERROR_NOT_SUPPORTED (FROM_HMODULE, inserts). */
TCPTABLE_WIN32_API DWORD WINAPI FormatMessageA(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId,
                                               DWORD dwLanguageId, LPSTR lpBuffer, DWORD nSize,
                                               va_list* Arguments);
TCPTABLE_WIN32_API DWORD WINAPI FormatMessageW(DWORD dwFlags, LPCVOID lpSource, DWORD dwMessageId,
                                               DWORD dwLanguageId, LPWSTR lpBuffer, DWORD nSize,
                                               va_list* Arguments);

TCPTABLE_WIN32_END_DECLS

#ifdef UNICODE
#define FormatMessage FormatMessageW
#else
#define FormatMessage FormatMessageA
#endif

#endif /* TCPTABLE_WIN32_WINBASE_H */

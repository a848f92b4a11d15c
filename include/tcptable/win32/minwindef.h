/* SPDX-License-Identifier: MIT */
/* The basic Windows data types, for programs written against the Win32 API and built on a
 * system without the Windows SDK. Written for tcptable from the documented type definitions
 * (learn.microsoft.com, "Windows Data Types"); sizes follow Windows' LLP64 model, so LONG,
 * ULONG and DWORD are 32 bits wide on every platform, as the MIB structures require. */
#ifndef TCPTABLE_WIN32_MINWINDEF_H
#define TCPTABLE_WIN32_MINWINDEF_H

#include <stddef.h>
#include <stdint.h>

#include "sal.h"

#ifdef __cplusplus
#define TCPTABLE_WIN32_BEGIN_DECLS extern "C" {
#define TCPTABLE_WIN32_END_DECLS }
#else
#define TCPTABLE_WIN32_BEGIN_DECLS
#define TCPTABLE_WIN32_END_DECLS
#endif

/* The SDK's spellings of the same thing, for programs that declare their own C functions. */
#ifndef EXTERN_C
#ifdef __cplusplus
#define EXTERN_C extern "C"
#define EXTERN_C_START extern "C" {
#define EXTERN_C_END }
#else
#define EXTERN_C extern
#define EXTERN_C_START
#define EXTERN_C_END
#endif
#endif

/* The functions behind these headers live in libtcptable; a shared build hides everything
 * else, so they carry default visibility on their declarations. */
#if defined(__GNUC__) || defined(__clang__)
#define TCPTABLE_WIN32_API __attribute__((visibility("default")))
/* Anonymous unions and structs are C11 and C++ but not C99; marking them keeps -Wpedantic
 * quiet in every language mode a caller may choose. */
#define TCPTABLE_WIN32_EXTENSION __extension__
#else
#define TCPTABLE_WIN32_API
#define TCPTABLE_WIN32_EXTENSION
#endif

/* Calling conventions mean nothing outside 32-bit Windows. */
#ifndef WINAPI
#define WINAPI
#endif
#ifndef NTAPI
#define NTAPI
#endif
#ifndef WSAAPI
#define WSAAPI
#endif
#ifndef IPHLPAPI_DLL_LINKAGE
#define IPHLPAPI_DLL_LINKAGE
#endif

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

#ifndef ANY_SIZE
#define ANY_SIZE 1
#endif

#ifndef MAX_PATH
#define MAX_PATH 260
#endif

#ifndef CONST
#define CONST const
#endif

typedef void VOID;
typedef void* PVOID;
typedef void* LPVOID;
typedef const void* LPCVOID;
typedef void* HANDLE;
typedef HANDLE* PHANDLE;
typedef HANDLE HLOCAL;
typedef HANDLE HMODULE;
typedef HANDLE HINSTANCE;

typedef char CHAR;
typedef char* PCHAR;
typedef char* PSTR;
typedef char* LPSTR;
typedef const char* PCSTR;
typedef const char* LPCSTR;

/* Wide characters are the compiler's wchar_t, so that L"..." literals, wcslen and wprintf work:
 * 32 bits on Linux where Windows has 16 (UTF-32, not UTF-16). No MIB structure holds a WCHAR;
 * TCPIP_OWNER_MODULE_BASIC_INFO holds pointers to them. See docs/WIN32_API.md. */
typedef wchar_t WCHAR;
typedef WCHAR* PWCHAR;
typedef WCHAR* LPWCH;
typedef WCHAR* PWCH;
typedef WCHAR* PWSTR;
typedef WCHAR* LPWSTR;
typedef const WCHAR* PCWSTR;
typedef const WCHAR* LPCWSTR;
typedef const WCHAR* LPCWCH;

typedef uint8_t BYTE;
typedef uint8_t* PBYTE;
typedef uint8_t* LPBYTE;
typedef uint8_t UCHAR;
typedef uint8_t* PUCHAR;
typedef uint8_t BOOLEAN;
typedef uint16_t WORD;
typedef uint16_t* PWORD;
typedef uint16_t* LPWORD;
typedef uint16_t USHORT;
typedef uint16_t* PUSHORT;
typedef short SHORT;
typedef int INT;
typedef int* PINT;
typedef int* LPINT;
typedef unsigned int UINT;
typedef int BOOL;
typedef int* PBOOL;
typedef int32_t LONG;
typedef int32_t* PLONG;
typedef uint32_t ULONG;
typedef uint32_t* PULONG;
typedef uint32_t DWORD;
typedef uint32_t* PDWORD;
typedef uint32_t* LPDWORD;
typedef uint32_t* PULONG32;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef uint64_t ULONG64;
typedef uint64_t DWORD64;
typedef size_t SIZE_T;
typedef size_t* PSIZE_T;
typedef uintptr_t UINT_PTR;
typedef intptr_t INT_PTR;
typedef uintptr_t ULONG_PTR;
typedef uintptr_t DWORD_PTR;
typedef intptr_t LONG_PTR;

#define MAKEWORD(a, b) \
    ((WORD)(((BYTE)((DWORD_PTR)(a)&0xff)) | ((WORD)((BYTE)((DWORD_PTR)(b)&0xff))) << 8))
#define MAKELONG(a, b) \
    ((LONG)(((WORD)((DWORD_PTR)(a)&0xffff)) | ((DWORD)((WORD)((DWORD_PTR)(b)&0xffff))) << 16))
#define LOWORD(l) ((WORD)((DWORD_PTR)(l)&0xffff))
#define HIWORD(l) ((WORD)((DWORD_PTR)(l) >> 16))
#define LOBYTE(w) ((BYTE)((DWORD_PTR)(w)&0xff))
#define HIBYTE(w) ((BYTE)((DWORD_PTR)(w) >> 8))

typedef union _LARGE_INTEGER {
    TCPTABLE_WIN32_EXTENSION struct {
        DWORD LowPart;
        LONG HighPart;
    };
    struct {
        DWORD LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    TCPTABLE_WIN32_EXTENSION struct {
        DWORD LowPart;
        DWORD HighPart;
    };
    struct {
        DWORD LowPart;
        DWORD HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

#endif /* TCPTABLE_WIN32_MINWINDEF_H */

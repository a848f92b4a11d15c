/* SPDX-License-Identifier: MIT */
/* The Win32 error codes the iphlpapi functions return, with Windows' values (learn.microsoft.com,
 * "System Error Codes (0-499)"). */
#ifndef TCPTABLE_WIN32_WINERROR_H
#define TCPTABLE_WIN32_WINERROR_H

#define ERROR_SUCCESS 0L
#define NO_ERROR 0L
#define ERROR_ACCESS_DENIED 5L
#define ERROR_NOT_ENOUGH_MEMORY 8L
#define ERROR_OUTOFMEMORY 14L
#define ERROR_GEN_FAILURE 31L
#define ERROR_NOT_SUPPORTED 50L
#define ERROR_INVALID_PARAMETER 87L
#define ERROR_INSUFFICIENT_BUFFER 122L
#define ERROR_NO_DATA 232L

#endif /* TCPTABLE_WIN32_WINERROR_H */

/* SPDX-License-Identifier: MIT */
/* Winsock 1's header: on Windows a subset of Winsock 2; here the same declarations. */
#ifndef TCPTABLE_WIN32_WINSOCK_H
#define TCPTABLE_WIN32_WINSOCK_H

#include "winsock2.h"

#endif /* TCPTABLE_WIN32_WINSOCK_H */

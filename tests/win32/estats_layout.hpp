// SPDX-License-Identifier: MIT
// The Windows x64 layouts of the TCP ESTATS structures, as numbers. Included by a test built
// against tcptable's include/tcptable/win32 headers (metrics_win32_test, Linux) and by one built
// against MinGW-w64's real headers (metrics_win_test, the Windows cross build): both compile
// only if the two sets of headers agree on every size and offset listed.
#pragma once

#include <cstddef>

#define TCPTABLE_ESTATS_LAYOUT()                                                          \
    static_assert(sizeof(TCP_ESTATS_TYPE) == 4 && sizeof(TCP_BOOLEAN_OPTIONAL) == 4);     \
    static_assert(sizeof(TCP_ESTATS_SYN_OPTS_ROS_v0) == 12 &&                             \
                  offsetof(TCP_ESTATS_SYN_OPTS_ROS_v0, MssRcvd) == 4 &&                   \
                  offsetof(TCP_ESTATS_SYN_OPTS_ROS_v0, MssSent) == 8);                    \
    static_assert(sizeof(TCP_ESTATS_DATA_ROD_v0) == 96 &&                                 \
                  offsetof(TCP_ESTATS_DATA_ROD_v0, SoftErrors) == 48 &&                   \
                  offsetof(TCP_ESTATS_DATA_ROD_v0, ThruBytesAcked) == 72 &&               \
                  offsetof(TCP_ESTATS_DATA_ROD_v0, RcvNxt) == 80 &&                       \
                  offsetof(TCP_ESTATS_DATA_ROD_v0, ThruBytesReceived) == 88);             \
    static_assert(sizeof(TCP_ESTATS_DATA_RW_v0) == 1);                                    \
    static_assert(sizeof(TCP_ESTATS_SND_CONG_ROD_v0) == 88 &&                             \
                  offsetof(TCP_ESTATS_SND_CONG_ROD_v0, SndLimBytesRwin) == 8 &&           \
                  offsetof(TCP_ESTATS_SND_CONG_ROD_v0, SndLimTransCwnd) == 16 &&          \
                  offsetof(TCP_ESTATS_SND_CONG_ROD_v0, SndLimBytesSnd) == 40 &&           \
                  offsetof(TCP_ESTATS_SND_CONG_ROD_v0, SlowStart) == 48 &&                \
                  offsetof(TCP_ESTATS_SND_CONG_ROD_v0, CurCwnd) == 60 &&                  \
                  offsetof(TCP_ESTATS_SND_CONG_ROD_v0, MinSsthresh) == 80);               \
    static_assert(sizeof(TCP_ESTATS_SND_CONG_ROS_v0) == 4 &&                              \
                  sizeof(TCP_ESTATS_SND_CONG_RW_v0) == 1);                                \
    static_assert(sizeof(TCP_ESTATS_PATH_ROD_v0) == 160 &&                                \
                  offsetof(TCP_ESTATS_PATH_ROD_v0, SampleRtt) == 104 &&                   \
                  offsetof(TCP_ESTATS_PATH_ROD_v0, CurMss) == 144 &&                      \
                  offsetof(TCP_ESTATS_PATH_ROD_v0, SpuriousRtoDetections) == 156);        \
    static_assert(sizeof(TCP_ESTATS_PATH_RW_v0) == 1);                                    \
    static_assert(sizeof(TCP_ESTATS_SEND_BUFF_ROD_v0) == 32 &&                            \
                  sizeof(TCP_ESTATS_SEND_BUFF_RW_v0) == 1);                               \
    static_assert(sizeof(TCP_ESTATS_REC_ROD_v0) == 72 &&                                  \
                  offsetof(TCP_ESTATS_REC_ROD_v0, CurAppRQueue) == 48 &&                  \
                  offsetof(TCP_ESTATS_REC_ROD_v0, MaxAppRQueue) == 56 &&                  \
                  offsetof(TCP_ESTATS_REC_ROD_v0, WinScaleSent) == 64);                   \
    static_assert(sizeof(TCP_ESTATS_REC_RW_v0) == 1);                                     \
    static_assert(sizeof(TCP_ESTATS_OBS_REC_ROD_v0) == 16 &&                              \
                  sizeof(TCP_ESTATS_OBS_REC_RW_v0) == 1);                                 \
    static_assert(sizeof(TCP_ESTATS_BANDWIDTH_ROD_v0) == 40 &&                            \
                  offsetof(TCP_ESTATS_BANDWIDTH_ROD_v0, OutboundBandwidthPeaked) == 32 && \
                  offsetof(TCP_ESTATS_BANDWIDTH_ROD_v0, InboundBandwidthPeaked) == 33);   \
    static_assert(sizeof(TCP_ESTATS_BANDWIDTH_RW_v0) == 8);                               \
    static_assert(sizeof(TCP_ESTATS_FINE_RTT_ROD_v0) == 16 &&                             \
                  offsetof(TCP_ESTATS_FINE_RTT_ROD_v0, SumRtt) == 12 &&                   \
                  sizeof(TCP_ESTATS_FINE_RTT_RW_v0) == 1);                                \
    static_assert(TcpConnectionEstatsFineRtt == 8 && TcpConnectionEstatsMaximum == 9 &&   \
                  TcpBoolOptUnchanged == -1)

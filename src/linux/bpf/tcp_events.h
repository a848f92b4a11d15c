/* SPDX-License-Identifier: MIT */
/* What the BPF program (tcp_events.bpf.c) sends user space (bpf_events.cpp) per transition. */
#ifndef TCPTABLE_BPF_TCP_EVENTS_H
#define TCPTABLE_BPF_TCP_EVENTS_H

struct tcptable_bpf_transition {
    __u64 cookie;      /* the socket cookie (the one netlink reports) */
    __u64 bytes_acked; /* at a close: the last tcp_sock figures */
    __u64 bytes_received;
    __u32 srtt_us;
    __u32 total_retrans;
    __u32 pid;         /* the task in context (tgid); best-effort, 0 in softirq-less cases */
    __u32 uid;         /* sk_uid */
    __u32 ifindex;     /* skc_bound_dev_if, for a link-local scope */
    __u16 local_port;  /* host order */
    __u16 remote_port; /* host order */
    __u8 family;       /* AF_INET, AF_INET6 */
    __u8 oldstate;     /* Linux TCP states */
    __u8 newstate;
    __u8 has_figures;
    __u8 local_addr[16]; /* network order; 4 bytes for IPv4 */
    __u8 remote_addr[16];
};

#endif

// SPDX-License-Identifier: MIT OR GPL-2.0-only
// Every TCP state transition of one network namespace, from the tracepoint
// sock:inet_sock_set_state (as a BTF tracepoint, so the socket can be read directly and its
// cookie made), sent through a ring buffer. Loaded by bpf_events.cpp.
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tcp_events.h"

#define TCPTABLE_AF_INET 2
#define TCPTABLE_AF_INET6 10
#define TCPTABLE_IPPROTO_TCP 6
#define TCPTABLE_TCP_CLOSE 7

// Set by user space before loading: the inode number of the watched network namespace.
const volatile __u32 target_netns = 0;

// Transitions the ring buffer had no room for; user space resyncs when it grows.
__u64 dropped = 0;

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 22);  // 4 MiB: ~40 000 transitions waiting
} events SEC(".maps");

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcptable_on_state, const struct sock* sk, const int oldstate, const int newstate) {
    if (sk->sk_protocol != TCPTABLE_IPPROTO_TCP) return 0;
    if (sk->__sk_common.skc_net.net->ns.inum != target_netns) return 0;
    const __u16 family = sk->__sk_common.skc_family;
    if (family != TCPTABLE_AF_INET && family != TCPTABLE_AF_INET6) return 0;

    struct tcptable_bpf_transition* t = bpf_ringbuf_reserve(&events, sizeof *t, 0);
    if (!t) {
        __sync_fetch_and_add(&dropped, 1);
        return 0;
    }
    __builtin_memset(t, 0, sizeof *t);
    t->cookie = bpf_get_socket_cookie((void*)sk);
    t->pid = (__u32)(bpf_get_current_pid_tgid() >> 32);
    t->uid = sk->sk_uid.val;
    t->ifindex = (__u32)sk->__sk_common.skc_bound_dev_if;
    t->local_port = sk->__sk_common.skc_num;
    t->remote_port = __builtin_bswap16(sk->__sk_common.skc_dport);
    t->family = (__u8)family;
    t->oldstate = (__u8)oldstate;
    t->newstate = (__u8)newstate;
    if (family == TCPTABLE_AF_INET) {
        __builtin_memcpy(t->local_addr, &sk->__sk_common.skc_rcv_saddr, 4);
        __builtin_memcpy(t->remote_addr, &sk->__sk_common.skc_daddr, 4);
    } else {
        BPF_CORE_READ_INTO(&t->local_addr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
        BPF_CORE_READ_INTO(&t->remote_addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
    }
    if (newstate == TCPTABLE_TCP_CLOSE) {
        struct tcp_sock* tp = bpf_skc_to_tcp_sock((void*)sk);
        if (tp) {
            t->bytes_acked = tp->bytes_acked;
            t->bytes_received = tp->bytes_received;
            t->srtt_us = tp->srtt_us >> 3;
            t->total_retrans = tp->total_retrans;
            t->has_figures = 1;
        }
    }
    bpf_ringbuf_submit(t, 0);
    return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";

// SPDX-License-Identifier: MIT OR GPL-2.0-only
// The TCP table as rows: an iter/tcp program the kernel runs once per socket of the network
// namespace the iterator was created in (listening hash, then established hash: full sockets,
// time-wait sockets and request sockets). Each row that passes the family and state filters
// is written with bpf_seq_write in tcptable's own row layout (tcp_iter.h). Loaded by
// bpf_iter_backend.cpp. It only reads; bpf_get_socket_cookie gives a socket its cookie if it
// has none yet, exactly as a netlink dump does (sock_gen_cookie).
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "tcp_iter.h"

#define TCPTABLE_AF_INET 2
#define TCPTABLE_AF_INET6 10
#define TCPTABLE_TCP_TIME_WAIT 6
#define TCPTABLE_TCP_NEW_SYN_RECV 12

// Set by user space before loading, and read-only after (the verifier folds them).
// The MIB state of each Linux state, or 0 to leave its rows out: the state filter and the
// state mapping (linux_states.cpp) in one table.
const volatile __u8 row_state[TCPTABLE_ITER_STATE_SLOTS] = {};
// 0: both families; otherwise AF_INET or AF_INET6 only.
const volatile __u16 only_family = 0;

static __always_inline void set_scope(struct tcptable_bpf_address* a, __u32 ifindex) {
    // fe80::/10 only, as netlink_parser.cpp keeps the scope id (ip_address::is_link_local).
    if (a->bytes[0] != 0xfe || (a->bytes[1] & 0xc0) != 0x80) return;
    a->scope[0] = (__u8)ifindex;
    a->scope[1] = (__u8)(ifindex >> 8);
    a->scope[2] = (__u8)(ifindex >> 16);
    a->scope[3] = (__u8)(ifindex >> 24);
}

// sock_i_ino(): the inode of the socket a full sock belongs to, 0 for an orphan. Linux 6.16 and
// later keep it in the sock (sk_ino, read directly: `sk` is a trusted pointer); before, it is
// read from the socket's inode. CO-RE drops the branch the running kernel does not need.
static __always_inline __u32 socket_inode(struct sock* sk) {
    if (bpf_core_field_exists(sk->sk_ino)) return (__u32)sk->sk_ino;
    struct socket* so = BPF_CORE_READ(sk, sk_socket);
    if (!so) return 0;
    struct socket_alloc* sa = container_of(so, struct socket_alloc, socket);
    return (__u32)BPF_CORE_READ(sa, vfs_inode.i_ino);
}

SEC("iter/tcp")
int tcptable_tcp_rows(struct bpf_iter__tcp* ctx) {
    struct sock_common* skc = ctx->sk_common;
    if (!skc) return 0;  // the end of the walk
    const __u16 family = skc->skc_family;
    if (family != TCPTABLE_AF_INET && family != TCPTABLE_AF_INET6) return 0;
    if (only_family != 0 && family != only_family) return 0;

    // The state and owner fields as inet_diag fills them (net/ipv4/inet_diag.c): a time-wait
    // sock reports its substate (TIME-WAIT, or FIN-WAIT-2 for an orphan kept as one), uid 0
    // and no inode; a request sock (NEW_SYN_RECV) uid 0 and no inode; a full sock its own.
    unsigned linux_state = skc->skc_state;
    __u32 uid = 0, inode = 0;
    if (linux_state == TCPTABLE_TCP_TIME_WAIT) {
        struct tcp_timewait_sock* tw = bpf_skc_to_tcp_timewait_sock(skc);
        if (!tw) return 0;
        linux_state = tw->tw_sk.tw_substate;
    } else if (linux_state != TCPTABLE_TCP_NEW_SYN_RECV) {
        struct tcp_sock* tp = bpf_skc_to_tcp_sock(skc);
        if (!tp) return 0;
        uid = ctx->uid;
        inode = socket_inode(&tp->inet_conn.icsk_inet.sk);
    }
    if (linux_state >= TCPTABLE_ITER_STATE_SLOTS) return 0;
    const __u8 state = row_state[linux_state];
    if (state == 0) return 0;

    struct tcptable_bpf_row row;
    __builtin_memset(&row, 0, sizeof row);
    const __u32 ifindex = (__u32)skc->skc_bound_dev_if;
    if (family == TCPTABLE_AF_INET) {
        row.local.family = TCPTABLE_ROW_FAMILY_V4;
        row.remote.family = TCPTABLE_ROW_FAMILY_V4;
        __builtin_memcpy(row.local.bytes, &skc->skc_rcv_saddr, 4);
        __builtin_memcpy(row.remote.bytes, &skc->skc_daddr, 4);
    } else {
        row.local.family = TCPTABLE_ROW_FAMILY_V6;
        row.remote.family = TCPTABLE_ROW_FAMILY_V6;
        __builtin_memcpy(row.local.bytes, &skc->skc_v6_rcv_saddr, 16);
        __builtin_memcpy(row.remote.bytes, &skc->skc_v6_daddr, 16);
        set_scope(&row.local, ifindex);
        set_scope(&row.remote, ifindex);
    }
    row.local_port = skc->skc_num;
    row.remote_port = bpf_ntohs(skc->skc_dport);
    row.state = state;
    row.uid = uid;
    row.inode = inode;
    row.cookie = bpf_get_socket_cookie(skc);
    bpf_seq_write(ctx->meta->seq, &row, sizeof row);
    return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";

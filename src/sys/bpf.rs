//! Mark every socket the processes of a cgroup (v2) open, with a BPF program run at socket
//! creation (`BPF_PROG_TYPE_CGROUP_SOCK`, the way `ip vrf exec` binds a shell's sockets to a
//! VRF), so that policy routing (`ip rule fwmark`) can send their traffic its own way.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_TYPE_CGROUP_SOCK: u32 = 9;
const BPF_CGROUP_INET_SOCK_CREATE: u32 = 2;
/// `offsetof(struct bpf_sock, mark)`.
const SOCK_MARK_OFFSET: i16 = 16;

/// One BPF instruction (`struct bpf_insn`).
#[repr(C)]
struct Insn {
    code: u8,
    /// dst register in the low nibble, src in the high one.
    regs: u8,
    off: i16,
    imm: i32,
}

/// `sk->mark = mark; return 1` (1: let the socket be created).
fn program(mark: u32) -> [Insn; 4] {
    [
        Insn { code: 0xb7, regs: 0x02, off: 0, imm: mark as i32 }, // r2 = mark
        Insn { code: 0x63, regs: 0x21, off: SOCK_MARK_OFFSET, imm: 0 }, // *(u32 *)(r1 + 16) = r2
        Insn { code: 0xb7, regs: 0x00, off: 0, imm: 1 },           // r0 = 1
        Insn { code: 0x95, regs: 0x00, off: 0, imm: 0 },           // exit
    ]
}

/// The bpf(2) system call with `attr` (a zeroed `union bpf_attr` prefix we fill).
fn bpf(cmd: libc::c_long, attr: &mut [u64; 16]) -> io::Result<i32> {
    // SAFETY: `attr` is a readable and writable buffer of the size given.
    let r = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_mut_ptr(), std::mem::size_of_val(attr)) };
    if r < 0 { Err(io::Error::last_os_error()) } else { Ok(r as i32) }
}

/// Mark with `mark` every socket created from now on by a process of the cgroup at `dir`
/// (replacing a program attached there before). The attachment lives as long as the cgroup.
pub fn mark_sockets(dir: &Path, mark: u32) -> io::Result<()> {
    let insns = program(mark);
    let license = c"GPL";
    let mut attr = [0u64; 16];
    attr[0] = u64::from(BPF_PROG_TYPE_CGROUP_SOCK) | ((insns.len() as u64) << 32);
    attr[1] = insns.as_ptr() as u64;
    attr[2] = license.as_ptr() as u64;
    // expected_attach_type, at byte 68.
    attr[8] = u64::from(BPF_CGROUP_INET_SOCK_CREATE) << 32;
    // SAFETY: a descriptor the kernel just gave us, owned from here on.
    let prog = unsafe { OwnedFd::from_raw_fd(bpf(BPF_PROG_LOAD, &mut attr)?) };
    let cgroup = File::open(dir)?;
    let mut attr = [0u64; 16];
    attr[0] = cgroup.as_raw_fd() as u64 | ((prog.as_raw_fd() as u64) << 32);
    attr[1] = u64::from(BPF_CGROUP_INET_SOCK_CREATE);
    bpf(BPF_PROG_ATTACH, &mut attr).map(|_| ())
}

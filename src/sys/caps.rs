//! What this process may do besides being root: its effective capabilities, and whether
//! /proc/sys can be written. Inside a container started without `--privileged`, root lacks
//! CAP_SYS_ADMIN (namespaces, mounts) and sees /proc/sys read-only (sysctls), and every lab
//! would fail half way: the CLI says so first, with the fix.

/// CAP_NET_ADMIN and CAP_SYS_ADMIN (linux/capability.h).
pub const CAP_NET_ADMIN: u32 = 12;
pub const CAP_SYS_ADMIN: u32 = 21;

/// The `CapEff:` mask of a /proc/PID/status text.
fn cap_eff(status: &str) -> Option<u64> {
    let hex = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?.trim();
    u64::from_str_radix(hex, 16).ok()
}

/// The capabilities (by number) this process lacks among `wanted`; empty when it has them all
/// or when the kernel does not say.
pub fn missing(wanted: &[u32]) -> Vec<u32> {
    let Some(eff) = std::fs::read_to_string("/proc/self/status").ok().as_deref().and_then(cap_eff) else {
        return vec![];
    };
    wanted.iter().copied().filter(|c| eff & (1u64 << c) == 0).collect()
}

/// True when /proc/sys is mounted read-only (a container's default).
pub fn proc_sys_read_only() -> bool {
    let Ok(path) = std::ffi::CString::new("/proc/sys") else { return false };
    // SAFETY: a valid C string and a zeroed struct the call fills.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return false;
    }
    st.f_flag & libc::ST_RDONLY != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_effective_mask() {
        let privileged = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n";
        assert_eq!(cap_eff(privileged), Some(0x1ff_ffff_ffff));
        // Docker's default set: no CAP_SYS_ADMIN, no CAP_NET_ADMIN.
        let docker = "CapEff:\t00000000a80425fb\n";
        let eff = cap_eff(docker).unwrap();
        assert_eq!(eff & (1 << CAP_SYS_ADMIN), 0);
        assert_eq!(eff & (1 << CAP_NET_ADMIN), 0);
        assert_eq!(cap_eff("nothing"), None);
    }
}

//! The kernel's neighbour (ARP) table, which every network namespace shares.

/// `table_fulls` of the kernel's ARP cache (/proc/net/stat/arp_cache, hex, per CPU): how often
/// an entry could not be created because the shared table was full.
pub fn arp_table_fulls() -> u64 {
    let Ok(s) = std::fs::read_to_string("/proc/net/stat/arp_cache") else { return 0 };
    let mut lines = s.lines();
    let Some(head) = lines.next() else { return 0 };
    let Some(col) = head.split_whitespace().position(|c| c == "table_fulls") else { return 0 };
    lines.filter_map(|l| l.split_whitespace().nth(col).and_then(|x| u64::from_str_radix(x, 16).ok())).sum()
}

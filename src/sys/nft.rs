//! Where the `nft` program is. `sudo` usually puts /usr/sbin in PATH, but not every caller does
//! (`sudo -E`, a CI runner's PATH, `env PATH=... ecsnet`): the program is looked for in PATH
//! first, then where distributions install it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const USUAL: &[&str] = &["/usr/sbin/nft", "/sbin/nft", "/usr/local/sbin/nft", "/usr/bin/nft"];

/// The `nft` to run: the first in PATH, else the first usual place that has one, else `nft`
/// (so that the error names the program).
pub fn program() -> &'static Path {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND.get_or_init(|| {
        let in_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).map(|d| d.join("nft")).collect::<Vec<_>>())
            .unwrap_or_default();
        in_path
            .into_iter()
            .chain(USUAL.iter().map(PathBuf::from))
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("nft"))
    })
}

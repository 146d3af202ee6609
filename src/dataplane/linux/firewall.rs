//! Each namespace's `inet ecsnet` table, loaded with `nft -j -f -` through the nftables crate,
//! started from a thread inside the namespace (the child inherits the thread's namespace).

use crate::dataplane::kernel::{ApplyError, fail};
use crate::plan::Plan;
use crate::sys::netns;

pub async fn apply(plan: &Plan) -> Result<(), ApplyError> {
    let jobs: Vec<_> = plan
        .firewalls
        .iter()
        .cloned()
        .map(|fw| {
            tokio::task::spawn_blocking(move || {
                let ns = fw.ns.clone();
                netns::run_in(&ns, move || {
                    nftables::helper::apply_ruleset_with_args(
                        &fw.ruleset,
                        Some(crate::sys::nft::program()),
                        nftables::helper::DEFAULT_ARGS,
                    )
                    .map_err(|e| std::io::Error::other(e.to_string()))
                })
                .map_err(|e| fail(format!("nftables table inet ecsnet in {ns}"), e))
            })
        })
        .collect();
    for j in jobs {
        j.await.map_err(|e| fail("nftables", e))??;
    }
    Ok(())
}

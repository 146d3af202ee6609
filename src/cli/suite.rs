//! `ecsnet test DIR --shard I/N`: which scenarios of a suite this CI runner takes.
//!
//! The rule is round robin over the sorted file list: the file at position `p` (0-based) of the
//! expanded paths sorted by name goes to shard `p mod N + 1`. Every file is in exactly one shard
//! for a given N, and shard sizes differ by at most one, whatever the names: a CI matrix runs all
//! its shards on the same commit, so what shortens the pipeline is balance, not keeping a file on
//! the same shard when another is added (a stable hash would give that, and with a suite of ten
//! files, shards of 1 and 6). Sorting first makes the split independent of the order of the
//! paths on the command line (and of the shell's collation of a glob).

use super::CliError;
use crate::i18n::tr;
use std::path::PathBuf;

/// Shard `index` of `total`, 1-based as GitLab's CI_NODE_INDEX/CI_NODE_TOTAL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub total: usize,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

/// `--shard I/N`: 1 <= I <= N; anything else is exit 2, said before any file is read.
pub fn parse_shard(value: &str) -> Result<Shard, CliError> {
    let bad = || {
        CliError::Invalid(tr!(
            "test-bad-shard",
            "--shard `{ $value }`: give I/N, this runner's shard I of N with 1 <= I <= N (GitLab: $CI_NODE_INDEX/$CI_NODE_TOTAL), e.g. 2/3",
            value = value
        ))
    };
    let (i, n) = value.split_once('/').ok_or_else(bad)?;
    let index: usize = i.trim().parse().map_err(|_| bad())?;
    let total: usize = n.trim().parse().map_err(|_| bad())?;
    if index == 0 || index > total {
        return Err(bad());
    }
    Ok(Shard { index, total })
}

/// The files of `shard`, in the order given.
pub fn split(files: Vec<PathBuf>, shard: Shard) -> Vec<PathBuf> {
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|a, b| files[*a].cmp(&files[*b]));
    let mut rank = vec![0; files.len()];
    for (position, i) in order.into_iter().enumerate() {
        rank[i] = position;
    }
    files.into_iter().zip(rank).filter(|(_, r)| r % shard.total == shard.index - 1).map(|(f, _)| f).collect()
}

/// The line of a shard with nothing to run (it passes: a suite smaller than the matrix).
pub fn empty_shard_line(shard: Shard, suite: usize) -> String {
    tr!(
        "test-shard-empty",
        "shard { $shard } holds no scenario (the paths hold { $count }): nothing to run",
        shard = shard.to_string(),
        count = suite
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(n: usize) -> Vec<PathBuf> {
        (0..n).map(|i| PathBuf::from(format!("s/{i:03}.yaml"))).collect()
    }

    #[test]
    fn every_file_is_in_exactly_one_shard() {
        for total in 1..=7 {
            let all = files(23);
            let mut seen: Vec<PathBuf> = vec![];
            for index in 1..=total {
                let part = split(all.clone(), Shard { index, total });
                // Balanced: sizes differ by at most one.
                assert!(part.len() == 23 / total || part.len() == 23 / total + 1, "{index}/{total}");
                seen.extend(part);
            }
            seen.sort();
            assert_eq!(seen, all, "the union of shards 1..{total} is the suite, each file once");
        }
    }

    #[test]
    fn the_split_does_not_depend_on_the_order_given() {
        let all = files(10);
        let mut reversed = all.clone();
        reversed.reverse();
        for index in 1..=3 {
            let s = Shard { index, total: 3 };
            let mut a = split(all.clone(), s);
            let mut b = split(reversed.clone(), s);
            a.sort();
            b.sort();
            assert_eq!(a, b);
        }
        // Round robin over the sorted names.
        let first = split(all, Shard { index: 1, total: 3 });
        assert_eq!(
            first,
            vec![PathBuf::from("s/000.yaml"), "s/003.yaml".into(), "s/006.yaml".into(), "s/009.yaml".into()]
        );
    }

    #[test]
    fn a_shard_may_be_empty() {
        assert!(split(files(2), Shard { index: 3, total: 3 }).is_empty());
        assert!(split(vec![], Shard { index: 1, total: 1 }).is_empty());
    }

    #[test]
    fn shard_values() {
        assert_eq!(parse_shard("2/3").unwrap(), Shard { index: 2, total: 3 });
        assert_eq!(parse_shard("1/1").unwrap(), Shard { index: 1, total: 1 });
        for bad in ["0/3", "4/3", "x", "1/0", "0/0", "/3", "2/", "-1/3", "1/3/5", ""] {
            let e = parse_shard(bad).unwrap_err();
            assert_eq!(e.exit(), super::super::Exit::Invalid, "{bad}");
            assert!(e.to_string().contains(&format!("`{bad}`")), "{bad}: {e}");
        }
    }
}

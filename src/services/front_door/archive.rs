//! Image layers a real container runtime can unpack: a ustar archive of the declared files,
//! gzip-compressed with stored (uncompressed) deflate blocks. Stored blocks need no compressor,
//! and every gzip reader accepts them; a lab's files are small, so the size does not matter.

use std::collections::BTreeMap;

const BLOCK: usize = 512;
/// A stored deflate block carries at most this many bytes.
const STORED_MAX: usize = 65_535;

/// A tar archive of `files` (path -> content), regular files with mode 0644, owned by root,
/// dated `mtime`; directories are implied by the paths, as `docker build` layers often do.
pub fn tar(files: &BTreeMap<String, String>, mtime: u64) -> Vec<u8> {
    let mut out = vec![];
    for (path, content) in files {
        let name = path.trim_start_matches('/');
        out.extend_from_slice(&header(name, content.len() as u64, mtime));
        out.extend_from_slice(content.as_bytes());
        out.resize(out.len().div_ceil(BLOCK) * BLOCK, 0);
    }
    // The end of an archive: two zero blocks.
    out.resize(out.len() + 2 * BLOCK, 0);
    out
}

/// One ustar header. Names over 100 bytes use the 155-byte prefix field (split at a `/`);
/// longer ones are cut, which a lab's paths never need.
fn header(name: &str, size: u64, mtime: u64) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    let (prefix, base) = match name.len() {
        0..=100 => ("", name),
        _ => name
            .char_indices()
            .filter(|(i, c)| *c == '/' && *i <= 155 && name.len() - i - 1 <= 100)
            .map(|(i, _)| (&name[..i], &name[i + 1..]))
            .next()
            .unwrap_or(("", &name[name.len().saturating_sub(100)..])),
    };
    let put = |h: &mut [u8; BLOCK], at: usize, len: usize, v: &[u8]| {
        let n = v.len().min(len);
        h[at..at + n].copy_from_slice(&v[..n]);
    };
    let octal = |v: u64, width: usize| format!("{v:0w$o}\0", w = width - 1).into_bytes();
    put(&mut h, 0, 100, base.as_bytes());
    put(&mut h, 100, 8, &octal(0o644, 8));
    put(&mut h, 108, 8, &octal(0, 8));
    put(&mut h, 116, 8, &octal(0, 8));
    put(&mut h, 124, 12, &octal(size, 12));
    put(&mut h, 136, 12, &octal(mtime, 12));
    h[156] = b'0';
    put(&mut h, 257, 8, b"ustar\x0000");
    put(&mut h, 265, 32, b"root");
    put(&mut h, 297, 32, b"root");
    put(&mut h, 345, 155, prefix.as_bytes());
    // The checksum is summed with its own field as spaces.
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    put(&mut h, 148, 8, format!("{sum:06o}\0 ").as_bytes());
    h
}

/// gzip of `data` with stored deflate blocks (RFC 1951 §3.2.4, RFC 1952).
pub fn gzip_stored(data: &[u8]) -> Vec<u8> {
    // No name, no timestamp: the same bytes give the same digest every time.
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut chunks = data.chunks(STORED_MAX).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(c) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = c.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE, reflected), as gzip's trailer has it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn tar_headers_are_valid_ustar() {
        let files = BTreeMap::from([("/etc/motd".to_string(), "hi\n".to_string())]);
        let t = tar(&files, 1_730_374_691);
        assert_eq!(t.len(), 4 * BLOCK);
        assert_eq!(&t[..8], b"etc/motd");
        assert_eq!(&t[257..263], b"ustar\0");
        assert_eq!(&t[124..136], b"00000000003\0");
        assert_eq!(&t[BLOCK..BLOCK + 3], b"hi\n");
        // The checksum field, read back, matches a recomputation.
        let field = std::str::from_utf8(&t[148..154]).unwrap();
        let mut h = t[..BLOCK].to_vec();
        h[148..156].fill(b' ');
        assert_eq!(u32::from_str_radix(field, 8).unwrap(), h.iter().map(|b| u32::from(*b)).sum::<u32>());
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(90));
        let h = header(&long, 0, 0);
        assert_eq!(&h[..90], "f".repeat(90).as_bytes());
        assert_eq!(&h[345..465], "d".repeat(120).as_bytes());
    }

    #[test]
    fn gzip_frames_stored_blocks() {
        let g = gzip_stored(b"abc");
        assert_eq!(&g[..3], [0x1f, 0x8b, 8]);
        assert_eq!(&g[10..15], [1, 3, 0, 0xfc, 0xff]);
        assert_eq!(&g[15..18], b"abc");
        assert_eq!(&g[18..22], crc32(b"abc").to_le_bytes());
        assert_eq!(gzip_stored(b"").len(), 10 + 5 + 8);
        // Over one block: two blocks, only the last final.
        let big = vec![7u8; STORED_MAX + 1];
        let g = gzip_stored(&big);
        assert_eq!(g[10], 0);
        assert_eq!(g[10 + 5 + STORED_MAX], 1);
        assert_eq!(g.len(), 10 + 2 * 5 + big.len() + 8);
    }
}

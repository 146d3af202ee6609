//! What a front door serves: the resources a scenario declares (`Data`, part of the spec), and
//! the run-time store made from them that requests read and change (objects put, log events,
//! log streams). Nothing is persisted: the store starts again from `Data` at every agent start.

use super::http::{hex, sha256_digest};
pub use crate::scenario::aws::{
    Bucket, Data, Image, Layer, LogGroup, ManifestFormat, ObjectBody, Parameter, ParameterType, Repository, Secret,
    secret_arn,
};
use hyper::body::Bytes;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A layer declared by size gets bytes up to this many (the whole blob is kept in memory).
pub const MAX_LAYER: u64 = 64 * 1024 * 1024;
/// Events kept per log stream; older ones go first (a chatty task must not grow the agent).
pub const MAX_EVENTS: usize = 10_000;

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// The blob, and its diff id (the digest of the uncompressed archive; of the bytes
/// themselves for an opaque layer).
pub fn layer_blob(layer: &Layer) -> (Vec<u8>, String) {
    if !layer.files.is_empty() {
        let tar = super::archive::tar(&layer.files, 0);
        let diff_id = sha256_digest(&tar);
        return (super::archive::gzip_stored(&tar), diff_id);
    }
    let bytes = match (&layer.content, layer.size) {
        (Some(c), _) => c.as_bytes().to_vec(),
        (None, Some(n)) => (0..n.min(MAX_LAYER)).map(|i| b"ecsnet-layer\n"[(i % 13) as usize]).collect(),
        (None, None) => vec![],
    };
    let diff_id = sha256_digest(&bytes);
    (bytes, diff_id)
}

/// Stable bytes from a name, for the parts AWS makes at random (ARN suffixes, version ids).
fn stable(parts: &[&str]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, parts.join("\0").as_bytes()).as_ref().to_vec()
}

/// A UUID made from a name, for version ids.
pub fn stable_uuid(parts: &[&str]) -> String {
    let h = hex(&stable(parts)[..16]);
    format!("{}-{}-4{}-a{}-{}", &h[..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// An image as built: its manifest, digest, and the digests of its blobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltImage {
    pub tags: Vec<String>,
    pub digest: String,
    pub manifest: String,
    pub media_type: &'static str,
    pub config_media_type: &'static str,
    /// Config and layer blobs, in manifest order (config first).
    pub blobs: Vec<String>,
    /// The layers' total size (what DescribeImages reports as imageSizeInBytes).
    pub size: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltRepository {
    pub name: String,
    /// The account whose registry holds it.
    pub registry: String,
    pub images: Vec<BuiltImage>,
}

impl BuiltRepository {
    /// The image a tag or `sha256:` digest names.
    pub fn find(&self, reference: &str) -> Option<&BuiltImage> {
        if reference.starts_with("sha256:") {
            self.images.iter().find(|i| i.digest == reference)
        } else {
            self.images.iter().find(|i| i.tags.iter().any(|t| t == reference))
        }
    }
}

/// An S3 object as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub body: Bytes,
    /// MD5 of the body, quoted, as S3 gives single-part objects (`aws s3 sync` compares it).
    pub etag: String,
    pub last_modified: u64,
    pub content_type: String,
}

impl Object {
    pub fn new(body: Vec<u8>, content_type: &str, now: u64) -> Object {
        use md5::Digest;
        let etag = format!("\"{}\"", hex(&md5::Md5::digest(&body)));
        Object { body: Bytes::from(body), etag, last_modified: now, content_type: content_type.into() }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogStream {
    pub created_ms: u64,
    /// (timestamp ms, message), oldest first.
    pub events: Vec<(i64, String)>,
    /// How many PutLogEvents calls it has had (the sequence token counts them).
    pub puts: u64,
}

/// A secret as served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSecret {
    pub name: String,
    pub arn: String,
    pub value: String,
    pub version_id: String,
}

/// The run-time state of a front door.
#[derive(Clone, Debug, Default)]
pub struct Store {
    pub repositories: Vec<BuiltRepository>,
    /// Every image blob by digest (configs and layers), for the registry and the layer bucket.
    pub blobs: HashMap<String, Bytes>,
    pub buckets: BTreeMap<String, BTreeMap<String, Object>>,
    /// Group -> stream -> events.
    pub log_groups: BTreeMap<String, BTreeMap<String, LogStream>>,
    pub secrets: Vec<StoredSecret>,
    pub parameters: Vec<Parameter>,
    /// When the store was made: creation times of everything declared.
    pub created: u64,
}

#[derive(Serialize)]
struct Descriptor<'a> {
    #[serde(rename = "mediaType")]
    media_type: &'a str,
    size: usize,
    digest: &'a str,
}

#[derive(Serialize)]
struct Manifest<'a> {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType")]
    media_type: &'a str,
    config: Descriptor<'a>,
    layers: Vec<Descriptor<'a>>,
}

impl Store {
    pub fn new(data: &Data, region: &str, account: &str, now: u64) -> Store {
        let mut s = Store { created: now, ..Store::default() };
        for r in &data.repositories {
            let images = r.images.iter().map(|i| s.build_image(i)).collect();
            let registry = r.registry(account).to_string();
            s.repositories.push(BuiltRepository { name: r.name.clone(), registry, images });
        }
        for b in &data.buckets {
            let objects = b
                .objects
                .iter()
                .map(|(k, v)| (k.clone(), Object::new(v.bytes(), "binary/octet-stream", now)))
                .collect();
            s.buckets.insert(b.name.clone(), objects);
        }
        for g in &data.log_groups {
            let streams =
                g.streams.iter().map(|n| (n.clone(), LogStream { created_ms: now * 1000, ..LogStream::default() }));
            s.log_groups.entry(g.name.clone()).or_default().extend(streams);
        }
        s.secrets = data
            .secrets
            .iter()
            .map(|x| StoredSecret {
                name: x.name.clone(),
                arn: x.arn_in(region, account),
                value: x.value.clone(),
                version_id: stable_uuid(&["secret-version", &x.name, &x.value]),
            })
            .collect();
        s.parameters = data.parameters.clone();
        s
    }

    fn build_image(&mut self, image: &Image) -> BuiltImage {
        let (manifest_type, config_type, layer_type) = match image.format {
            ManifestFormat::Docker => (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER),
            ManifestFormat::Oci => (OCI_MANIFEST, OCI_CONFIG, OCI_LAYER),
        };
        let blobs: Vec<(Vec<u8>, String)> = image.layers.iter().map(layer_blob).collect();
        let diff_ids: Vec<&String> = blobs.iter().map(|(_, d)| d).collect();
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": { "type": "layers", "diff_ids": diff_ids },
        }))
        .unwrap_or_default();
        let layers: Vec<(String, Vec<u8>)> = blobs.into_iter().map(|(b, _)| (sha256_digest(&b), b)).collect();
        let config_digest = sha256_digest(&config);
        let manifest = Manifest {
            schema_version: 2,
            media_type: manifest_type,
            config: Descriptor { media_type: config_type, size: config.len(), digest: &config_digest },
            layers: layers
                .iter()
                .map(|(d, b)| Descriptor { media_type: layer_type, size: b.len(), digest: d })
                .collect(),
        };
        let manifest = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        let size = layers.iter().map(|(_, b)| b.len() as u64).sum();
        let mut blobs = vec![config_digest.clone()];
        self.blobs.insert(config_digest, Bytes::from(config));
        for (d, b) in layers {
            blobs.push(d.clone());
            self.blobs.insert(d, Bytes::from(b));
        }
        BuiltImage {
            tags: image.tags.clone(),
            digest: sha256_digest(manifest.as_bytes()),
            manifest,
            media_type: manifest_type,
            config_media_type: config_type,
            blobs,
            size,
        }
    }

    /// Repository `name` of the registry of account `registry`.
    pub fn repository(&self, registry: &str, name: &str) -> Option<&BuiltRepository> {
        self.repositories.iter().find(|r| r.name == name && r.registry == registry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Data {
        serde_json::from_value(serde_json::json!({
            "repositories": [{"name": "web", "images": [{"tags": ["latest", "v1"], "layers": [{"content": "hello"}, {"size": 20}]}]}],
            "buckets": [{"name": "b", "objects": {"a.txt": "text", "bin": {"base64": "AAEC"}}}],
            "log_groups": [{"name": "/ecs/web", "streams": ["s1"]}],
            "secrets": [{"name": "db/password", "value": "pw"}],
            "parameters": [{"name": "/app/key", "type": "SecureString", "value": "v"}, {"name": "plain", "value": "p"}]
        }))
        .unwrap()
    }

    #[test]
    fn data_reads_with_defaults() {
        let d = data();
        assert_eq!(d.parameters[1].kind, ParameterType::String);
        assert_eq!(d.buckets[0].objects["bin"].bytes(), [0, 1, 2]);
        assert_eq!(d.repositories[0].images[0].format, ManifestFormat::Docker);
        let back: Data = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
        assert_eq!(serde_json::from_str::<Data>("{}").unwrap(), Data::default());
    }

    #[test]
    fn images_get_a_manifest_and_digests() {
        let s = Store::new(&data(), "ap-northeast-1", "123456789012", 1_730_374_691);
        let img = s.repository("123456789012", "web").unwrap().find("v1").unwrap();
        assert_eq!(img.digest, sha256_digest(img.manifest.as_bytes()));
        assert_eq!(s.repository("123456789012", "web").unwrap().find(&img.digest), Some(img));
        let m: serde_json::Value = serde_json::from_str(&img.manifest).unwrap();
        assert_eq!(m["mediaType"], DOCKER_MANIFEST);
        assert_eq!(m["layers"][0]["digest"], sha256_digest(b"hello"));
        assert_eq!(m["layers"][1]["size"], 20);
        assert_eq!(img.size, 25);
        assert_eq!(img.blobs.len(), 3);
        assert!(img.blobs.iter().all(|b| s.blobs.contains_key(b)));
        assert_eq!(&*s.blobs[&sha256_digest(b"hello")], b"hello");
    }

    #[test]
    fn secrets_get_aws_shaped_arns() {
        let a = secret_arn("ap-northeast-1", "123456789012", "db/password");
        let suffix = a.strip_prefix("arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db/password-").unwrap();
        assert_eq!(suffix.len(), 6);
        assert!(suffix.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(secret_arn("ap-northeast-1", "123456789012", "db/password"), a);
        let u = stable_uuid(&["x"]);
        assert_eq!(u.len(), 36);
        assert_eq!(Object::new(b"hello".to_vec(), "t", 0).etag, "\"5d41402abc4b2a76b9719d911017c592\"");
    }
}

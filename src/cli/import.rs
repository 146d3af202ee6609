//! `ecsnet import cloudformation TEMPLATE` / `ecsnet import terraform PLAN.json`: the
//! infrastructure code people already have, as a scenario file (stdout or `-o FILE`). What is
//! not carried over is listed on stderr and at the top of the file; the file is validated as
//! `ecsnet validate` would, so a scenario that does not validate is never written silently.

use super::{CliError, Exit, Outcome};
use crate::i18n::tr;
use crate::import::resource::{Input, Note};
use crate::import::write::{Options, write};
use std::path::{Path, PathBuf};

/// What to import and how to write it.
pub struct Import<'a> {
    pub kind: Kind,
    /// The templates (`[STACK=]PATH`, deployed in this order) or the one plan.
    pub files: &'a [String],
    pub params: &'a [String],
    pub region: Option<&'a str>,
    pub name: Option<&'a str>,
    pub output: Option<&'a Path>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    CloudFormation,
    Terraform,
}

pub fn run(args: &Import) -> Outcome {
    let params = parse_params(args.params)?;
    let stacks: Vec<(String, PathBuf)> = args.files.iter().map(|f| stack_and_path(f)).collect();
    let texts = stacks.iter().map(|(_, p)| read(p)).collect::<Result<Vec<String>, CliError>>()?;
    let first = stacks.first().map(|(_, p)| p.clone()).unwrap_or_default();
    let mut input = match args.kind {
        Kind::CloudFormation => {
            let list: Vec<crate::import::cloudformation::Stack> = stacks
                .iter()
                .zip(&texts)
                .map(|((name, _), text)| crate::import::cloudformation::Stack { name: name.clone(), text })
                .collect();
            let dirs: Vec<PathBuf> =
                stacks.iter().map(|(_, p)| p.parent().map(Path::to_path_buf).unwrap_or_default()).collect();
            let load: crate::import::cloudformation::Loader = std::rc::Rc::new(move |url: &str| nested(&dirs, url));
            crate::import::cloudformation::read_stacks_with(&list, &params, args.region, load)
                .map_err(|e| CliError::Invalid(e.to_string()))?
        }
        Kind::Terraform => {
            if !params.is_empty() {
                return Err(CliError::Invalid(tr!(
                    "import-param-cloudformation",
                    "--param gives a CloudFormation template's parameters; a Terraform plan has its variables' values already"
                )));
            }
            let [text] = texts.as_slice() else {
                return Err(CliError::Invalid(tr!(
                    "import-one-plan",
                    "import terraform reads one plan or state (`terraform show -json`)"
                )));
            };
            crate::import::terraform::read(text).map_err(|e| CliError::Invalid(format!("{}: {e}", first.display())))?
        }
    };
    let (name, shortened) = lab_name(args.name, &input, &first);
    input.notes.extend(shortened);
    let opts = Options { name, region: args.region.unwrap_or("us-east-1").to_string(), command: command_line(args) };
    let out = write(&input, &opts);
    match args.output {
        Some(p) => std::fs::write(p, &out.yaml).map_err(|e| {
            CliError::Failed(tr!(
                "import-cannot-write",
                "cannot write { $path }: { $error }",
                path = p.display(),
                error = e
            ))
        })?,
        None => print!("{}", out.yaml),
    }
    for n in &out.notes {
        let note = n.to_string();
        match n.assumed {
            true => eprintln!("{}", tr!("import-assumed", "assumed (check it): { $note }", note = note)),
            false => eprintln!("{}", tr!("import-not-carried", "not carried over: { $note }", note = note)),
        }
    }
    // The file is written either way, so that it can be read; a scenario that does not
    // validate is an importer's gap, said with its locations.
    let at = args.output.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("imported.yaml"));
    if let Err(d) = crate::scenario::load_str(&at, &out.yaml) {
        eprintln!("{d}");
        return Ok(Exit::Invalid);
    }
    Ok(Exit::Ok)
}

fn read(p: &Path) -> Result<String, CliError> {
    let bytes = crate::scenario::read_regular(p, crate::scenario::MAX_FILE_BYTES * 16)
        .map_err(|e| CliError::Invalid(format!("{}: {e}", p.display())))?;
    String::from_utf8(bytes).map_err(|_| CliError::Invalid(format!("{}: not UTF-8 text", p.display())))
}

/// A nested stack's template, by its `TemplateURL`: a local path relative to a given
/// template's directory, or for a URL (`https://s3.amazonaws.com/BUCKET/infrastructure/vpc.yaml`)
/// the longest tail of its path found there (`infrastructure/vpc.yaml`), as a checkout of the
/// templates an `aws cloudformation package` uploaded lays them out.
fn nested(dirs: &[PathBuf], url: &str) -> Option<String> {
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map(|(_, p)| p).unwrap_or(""),
        None => url,
    };
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != "." && *p != "..").collect();
    for i in 0..parts.len() {
        let tail = parts[i..].join("/");
        for d in dirs {
            let candidate = d.join(&tail);
            if candidate.is_file() {
                return read(&candidate).ok();
            }
        }
    }
    None
}

/// `K=V` pairs of `--param`.
fn parse_params(list: &[String]) -> Result<Vec<(String, String)>, CliError> {
    list.iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(CliError::Invalid(tr!(
                "import-param-form",
                "--param { $param }: write NAME=VALUE (e.g. --param VpcCidr=10.0.0.0/16)",
                param = p
            ))),
        })
        .collect()
}

/// `STACK=PATH` names the stack a template is deployed as (what `AWS::StackName` and the
/// export names of the stacks after it say); a plain PATH is deployed as its file's stem.
fn stack_and_path(arg: &str) -> (String, PathBuf) {
    if let Some((stack, path)) = arg.split_once('=')
        && !Path::new(arg).exists()
        && !stack.is_empty()
        && stack.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return (stack.to_string(), PathBuf::from(path));
    }
    let p = PathBuf::from(arg);
    (stem(&p), p)
}

/// The file's name without extension; `cdk synth` writes stack `S` as `S.template.json`.
fn stem(p: &Path) -> String {
    let s = p.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    s.strip_suffix(".template").filter(|s| !s.is_empty()).map(str::to_string).unwrap_or(s)
}

/// `--name`, else the input's own name (a stack), else the file's: as a lab name (1-20 of
/// `[a-z0-9-]`), and a note when it had to be shortened (two long names may end alike).
fn lab_name(given: Option<&str>, input: &Input, file: &Path) -> (String, Option<Note>) {
    let raw = given.map(str::to_string).or_else(|| input.name.clone()).unwrap_or_else(|| stem(file));
    let full = crate::import::names::kebab(&raw);
    let mut n = full.clone();
    n.truncate(20);
    let n = n.trim_matches('-').to_string();
    let note = (n != full && !n.is_empty()).then(|| Note {
        origin: "lab name".into(),
        what: format!("\"{full}\" is longer than a lab name's 20 characters: shortened to \"{n}\""),
        fix: "choose the name with --name NAME (1-20 of a-z, 0-9, -)".into(),
        assumed: true,
    });
    (if n.is_empty() { "imported".to_string() } else { n }, note)
}

fn command_line(args: &Import) -> String {
    let kind = match args.kind {
        Kind::CloudFormation => "cloudformation",
        Kind::Terraform => "terraform",
    };
    let mut c = format!("ecsnet import {kind} {}", args.files.join(" "));
    for p in args.params {
        c.push_str(&format!(" --param {p}"));
    }
    if let Some(r) = args.region {
        c.push_str(&format!(" --region {r}"));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lab_name_cut_to_20_characters_is_noted() {
        let input = Input { name: Some("private-subnet-public-service".into()), ..Input::default() };
        let (name, note) = lab_name(None, &input, Path::new("t.yaml"));
        assert_eq!(name, "private-subnet-publi");
        let note = note.expect("a note");
        assert!(note.what.contains("\"private-subnet-public-service\""), "{note}");
        assert!(note.fix.contains("--name"), "{note}");
        let (name, note) = lab_name(Some("Web"), &input, Path::new("t.yaml"));
        assert_eq!((name.as_str(), note), ("web", None));
    }
}

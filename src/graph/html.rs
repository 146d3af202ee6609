//! `graph --format html`: one self-contained page (no network, nothing to install) with the
//! picture, where clicking a box shows what it is (its addresses and groups; for a running
//! lab, `docker inspect` of its containers) and clicking a verdict arrow shows its `explain`.

use super::{layout, tree};
use crate::i18n::{Lang, tr_in};
use crate::judge::Verdict;
use crate::model::Lab;
use std::collections::BTreeMap;

/// What the page shows besides the picture: more text per node (by the name a user writes,
/// e.g. `task/web`), and the explain text of each verdict (same order as the verdicts).
#[derive(Default)]
pub struct Details {
    pub nodes: BTreeMap<String, String>,
    pub verdicts: Vec<String>,
}

/// JSON text safe inside a `<script>` element.
fn script_json(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into()).replace("</", "<\\/")
}

fn html_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

// The picture fills the window (a projector's whole screen); what a click shows opens in a
// panel over its right side, closed with its button or Escape.
const STYLE: &str = "body{margin:0;font-family:system-ui,sans-serif;height:100vh;overflow:hidden}\
#pic{position:absolute;inset:0}#pic svg{display:block;width:100%;height:100%}\
#hint{position:absolute;right:8px;top:4px;font-size:13px;color:#455a64;background:#ffffffcc}\
#panel{display:none;position:absolute;top:0;right:0;bottom:0;width:min(560px,45vw);overflow:auto;\
padding:10px 16px;background:#fffffff2;border-left:2px solid #78909c;box-shadow:-4px 0 12px #0002}\
#panel.open{display:block}#panel h3{margin:4px 0 8px;font-size:16px}#close{float:right;font-size:16px}\
#panel pre{white-space:pre;overflow-x:auto;font-size:13px;background:#f5f5f5;padding:8px}\
#nodes rect[id],#verdicts line,#verdicts g{cursor:pointer}#nodes text{pointer-events:none}\
#nodes rect.sel{stroke:#d84315;stroke-width:3}";

const SCRIPT: &str = "var panel=document.getElementById('panel');\
function show(t,d){document.getElementById('t').textContent=t;document.getElementById('d').textContent=d;panel.classList.add('open')}\
function hide(){panel.classList.remove('open')}\
document.getElementById('close').addEventListener('click',hide);\
document.addEventListener('keydown',function(e){if(e.key==='Escape'){hide()}});\
document.querySelectorAll('#nodes rect').forEach(function(r){r.addEventListener('click',function(){\
document.querySelectorAll('#nodes rect.sel').forEach(function(x){x.classList.remove('sel')});r.classList.add('sel');\
var n=NODES[r.id];if(n){show(n.title,n.text)}})});\
document.querySelectorAll('#verdicts [data-verdict]').forEach(function(e){e.addEventListener('click',function(){\
var v=VERDICTS[+e.getAttribute('data-verdict')];if(v){show(v.title,v.text)}})});";

fn node_entry(it: &tree::Item, details: &Details) -> serde_json::Value {
    let title = it.lines.first().cloned().unwrap_or_default();
    let mut text = it.lines.join("\n");
    for m in &it.more {
        text.push('\n');
        text.push_str(m);
    }
    // A container's details are its task's (`task/web/app` under `task/web`).
    let more = details.nodes.get(&it.name).or_else(|| {
        let task: Vec<&str> = it.name.split('/').take(2).collect();
        details.nodes.get(&task.join("/"))
    });
    if let Some(more) = more {
        text.push_str("\n\n");
        text.push_str(more);
    }
    serde_json::json!({"title": title, "text": text})
}

/// The page in `lang`: its hint line and button, and the picture's legend and panel titles.
pub fn html(lab: &Lab, verdicts: &[Verdict], details: &Details, lang: Lang) -> String {
    let (t, arrows) = super::picture(lab, verdicts, lang);
    let svg = layout::render(&lab.name, &t, &arrows);
    let svg = svg.split_once("?>\n").map(|(_, s)| s).unwrap_or(&svg);
    let node_map: serde_json::Map<String, serde_json::Value> = t
        .items
        .iter()
        .filter(|it| !it.name.is_empty())
        .map(|it| (layout::box_id(&it.name), node_entry(it, details)))
        .collect();
    let vs: Vec<serde_json::Value> = verdicts
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mark = if v.pass { "ok" } else { "FAIL" };
            let explain = details.verdicts.get(i).cloned().unwrap_or_default();
            serde_json::json!({"title": format!("{mark} {}", v.title), "text": format!("{}\n{}\n\n{explain}", v.at, v.detail)})
        })
        .collect();
    let name = html_text(&lab.name);
    let code = if lang == Lang::Ja { "ja" } else { "en" };
    let hint = html_text(&tr_in!(
        lang,
        "graph-html-hint",
        "lab { $lab }: click a box to see what it is, a verdict's number to see why (explain); Escape closes",
        lab = lab.name
    ));
    let close = html_text(&tr_in!(lang, "graph-html-close", "close (Escape)")).replace('"', "&quot;");
    format!(
        "<!DOCTYPE html>\n<html lang=\"{code}\"><head><meta charset=\"utf-8\"><title>ecsnet: {name}</title><style>{STYLE}</style></head><body>\n<div id=\"pic\">\n{svg}</div>\n<div id=\"hint\">{hint}</div>\n<div id=\"panel\"><button id=\"close\" title=\"{close}\">&times;</button><h3 id=\"t\"></h3><pre id=\"d\"></pre></div>\n<script>\nconst NODES={};\nconst VERDICTS={};\n{SCRIPT}\n</script>\n</body></html>\n",
        script_json(&serde_json::Value::Object(node_map)),
        script_json(&serde_json::Value::Array(vs))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> Lab {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/12-security-groups.yaml");
        crate::model::build(&crate::scenario::load(&p).unwrap()).unwrap()
    }

    fn verdict(i: usize, title: &str, pass: bool) -> Verdict {
        let v = Verdict::sample(i, title, &format!("s.yaml:{}:7", 50 + i), pass, "no answer </script> in 300 ms");
        Verdict { outcome: Some(crate::scenario::Outcome::Timeout), ..v }
    }

    /// Every box of the picture has its entry, every verdict arrow its explain, and nothing in
    /// the data can close the script element early.
    #[test]
    fn every_box_and_arrow_has_what_a_click_shows() {
        let l = lab();
        let vs =
            vec![verdict(0, "task/web-1 -> task/db:6432/tcp", true), verdict(1, "internet -> task/db:5432/tcp", false)];
        let mut d = Details::default();
        d.nodes.insert("task/db".into(), "docker inspect ...".into());
        d.verdicts = vec!["explain 0".into(), "explain 1".into()];
        let page = html(&l, &vs, &d, crate::i18n::Lang::En);
        assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
        assert_eq!(page.matches("<script>").count(), 1);
        assert_eq!(page.matches("</script>").count(), 1, "the data escapes </");
        let json = |name: &str| -> serde_json::Value {
            let start = page.find(&format!("const {name}=")).unwrap() + name.len() + 7;
            let end = start + page[start..].find(";\n").unwrap();
            serde_json::from_str(&page[start..end]).unwrap()
        };
        let (nodes, verdicts) = (json("NODES"), json("VERDICTS"));
        let svg_ids: Vec<&str> = page.split("<rect id=\"").skip(1).map(|r| r.split('"').next().unwrap()).collect();
        assert!(!svg_ids.is_empty());
        for id in svg_ids {
            assert!(nodes.get(id).is_some(), "box {id} has no entry");
        }
        assert!(nodes.as_object().unwrap().values().any(|n| n["text"].as_str().unwrap().contains("docker inspect")));
        assert_eq!(verdicts.as_array().unwrap().len(), 2);
        assert!(verdicts[1]["text"].as_str().unwrap().ends_with("explain 1"));
        assert!(page.contains("data-verdict=\"0\"") && page.contains("data-verdict=\"1\""));
    }

    /// The page's own words follow the language, its `lang` too, and so does the picture's
    /// legend; what AWS names stays as it is.
    #[test]
    fn the_hint_and_button_follow_the_language() {
        let l = lab();
        let vs = vec![verdict(0, "task/web-1 -> task/db:6432/tcp", true)];
        let en = html(&l, &vs, &Details::default(), Lang::En);
        assert!(en.contains("<html lang=\"en\">"), "{en}");
        let hint = format!("<div id=\"hint\">lab {}: click a box to see what it is, a verdict's number", l.name);
        assert!(en.contains(&hint), "{en}");
        assert!(en.contains("<button id=\"close\" title=\"close (Escape)\">"), "{en}");
        let ja = html(&l, &vs, &Details::default(), Lang::Ja);
        assert!(ja.contains("<html lang=\"ja\">"), "{ja}");
        assert!(ja.contains(&format!("<div id=\"hint\">ラボ {}: ", l.name)), "{ja}");
        assert!(ja.contains("<button id=\"close\" title=\"閉じる (Escape)\">"), "{ja}");
        assert!(en.contains(">availability zone</text>") && ja.contains(">アベイラビリティーゾーン</text>"));
        assert!(en.contains("sg/web") && ja.contains("sg/web"));
    }
}

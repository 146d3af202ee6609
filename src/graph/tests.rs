//! The pictures: every node shown, boxes nested without overlap, text inside its box, badges
//! apart, readable on a projector, and the PNG the size asked.

use super::layout::{self, Rect};
use super::tree::{self, Flow, Kind};
use super::*;
use crate::model::EniOwner;

fn lab_of(file: &str) -> Lab {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    crate::model::build(&crate::scenario::load(&p).unwrap()).unwrap()
}

fn lab() -> Lab {
    lab_of("01-bridge-vs-awsvpc.yaml")
}

fn shipped() -> Vec<(String, Lab)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    v.iter().map(|p| (p.display().to_string(), lab_of(p.file_name().unwrap().to_str().unwrap()))).collect()
}

fn sample(i: usize, title: &str, pass: bool, outcome: crate::scenario::Outcome) -> Verdict {
    Verdict { outcome: Some(outcome), elapsed_ms: 0.0, ..Verdict::sample(i, title, "", pass, "") }
}

/// Verdicts of scenario 01 of every style, one answered through a published port.
fn verdicts() -> Vec<Verdict> {
    use crate::scenario::Outcome::*;
    let mut dnat = sample(0, "internet -> instance/ecs-1@public:3000/tcp", true, Connected);
    dnat.served_by = Some("task/web-bridge/DVA-EC-site".into());
    let mut blocked = sample(1, "internet -> task/web-awsvpc:3000/tcp", true, Timeout);
    blocked.reason = Some(crate::analyze::Reason::NoPublicIpOnEc2TaskEni);
    let failed = sample(2, "task/web-awsvpc -> internet/api:443/tcp", false, Timeout);
    vec![dnat, blocked, failed, sample(3, "instance/ecs-3 -> task/web-awsvpc:3000/tcp", true, Connected)]
}

/// The geometry of a picture: every box inside its parent, siblings apart, every line of text
/// inside its own box and clear of its children, all on the canvas.
fn check_geometry(t: &tree::Tree, l: &layout::Layout) {
    let (w, h) = layout::canvas(l);
    for (i, it) in t.items.iter().enumerate() {
        let r = l.boxes[i];
        assert!(r.w > 0 && r.h > 0 && r.x >= 0 && r.y >= 0 && r.right() <= w && r.bottom() <= h, "{it:?} {r:?}");
        for (k, &a) in it.children.iter().enumerate() {
            assert!(r.contains(&l.boxes[a]), "{:?} is not inside {:?}", t.items[a].lines, it.lines);
            for &b in &it.children[k + 1..] {
                assert!(!l.boxes[a].overlaps(&l.boxes[b]), "{:?} overlaps {:?}", t.items[a].lines, t.items[b].lines);
            }
        }
    }
    for (i, line) in layout::line_rects(t, l) {
        assert!(l.boxes[i].contains(&line), "text {line:?} leaves its box {:?} {:?}", l.boxes[i], t.items[i].lines);
        for &c in &t.items[i].children {
            assert!(!line.overlaps(&l.boxes[c]), "text of {:?} under {:?}", t.items[i].lines, t.items[c].lines);
        }
    }
}

/// The nesting a class reads: VPC > zone > subnet > instance > bridge > task > container, the
/// ENIs with their addresses, the security groups with their rules.
#[test]
fn the_picture_nests_vpc_zone_subnet_instance_bridge_task_container() {
    let l = lab();
    let t = tree::build(&l, &[], Lang::En);
    let chain = |name: &str| -> Vec<Kind> {
        let i = t.find(name).unwrap();
        let mut kinds = vec![t.items[i].kind];
        for (p, it) in t.items.iter().enumerate() {
            if t.inside(i, p) && it.kind != Kind::Frame {
                kinds.push(it.kind);
            }
        }
        kinds
    };
    let c = chain("task/web-bridge/DVA-EC-site");
    for k in [Kind::Container, Kind::Task, Kind::Bridge, Kind::Instance, Kind::PublicSubnet, Kind::Az, Kind::Vpc] {
        assert!(c.contains(&k), "{k:?} missing in {c:?}");
    }
    let a = chain("task/web-awsvpc");
    assert!(a.contains(&Kind::Bridge) && a.contains(&Kind::Instance), "{a:?}");
    let text: String = t.items.iter().flat_map(|it| it.lines.clone()).collect::<Vec<_>>().join("\n");
    for x in &l.enis {
        if !matches!(x.owner, EniOwner::Task(_)) || l.tasks.iter().any(|t| t.eni.is_some()) {
            assert!(text.contains(&x.ip.to_string()), "ENI {} missing", x.ip);
        }
    }
    assert!(text.contains("ecs-bridge 169.254.172.1/22") && text.contains("docker0 172.17.0.1/16"));
    assert!(text.contains("sg/web") && text.contains("in tcp 3000 from 0.0.0.0/0"), "{text}");
    assert!(text.contains("ap-northeast-1a") && text.contains("(public)") && text.contains("(private)"));
}

#[test]
fn the_legend_is_under_every_box() {
    let svg = svg(&lab(), &verdicts(), Lang::En).unwrap();
    let attr = |tag: &str, name: &str| -> i32 {
        let at = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    let (pic, legend) = svg.split_once("<g id=\"legend\">").expect("a legend");
    for word in ["VPC", "availability zone", "public subnet", "task", "verdict ok", "verdict failed", "DNAT hop"] {
        assert!(legend.contains(&format!(">{word}</text>")), "legend lacks {word}");
    }
    let legend_top = legend.split("<rect").nth(1).map(|t| attr(t, "y")).unwrap();
    let lowest = pic.split("<rect data-kind").skip(1).map(|t| attr(t, "y") + attr(t, "height")).max();
    let named = pic.split("<rect id=").skip(1).map(|t| attr(t, "y") + attr(t, "height")).max();
    let lowest = lowest.max(named).unwrap();
    assert!(lowest <= legend_top, "a box ends at {lowest}, the legend starts at {legend_top}");
}

#[test]
fn every_shipped_picture_has_its_geometry_right_with_and_without_verdicts() {
    let (mut on_text, mut badges_drawn) = (0, 0);
    for (file, l) in shipped() {
        for vs in [vec![], verdicts(), expected(&file)] {
            let (t, arrows) = picture(&l, &vs, Lang::En);
            let lay = layout::layout(&t);
            check_geometry(&t, &lay);
            let badges = layout::badge_rects(&t, &arrows, &lay);
            let text = layout::line_rects(&t, &lay);
            for (i, a) in badges.iter().enumerate() {
                for b in &badges[i + 1..] {
                    assert!(!a.overlaps(b), "{file}: badges {a:?} and {b:?} overlap");
                }
                on_text += usize::from(text.iter().any(|(_, r)| r.overlaps(a)));
                badges_drawn += 1;
            }
        }
    }
    // A number sits on text only where its whole line runs over text: 8 of 75 today (38 when
    // numbers only kept clear of each other).
    eprintln!("{on_text} of {badges_drawn} verdict numbers on text");
    assert!(on_text * 8 <= badges_drawn, "{on_text} of {badges_drawn} verdict numbers sit on text");
}

/// Every expectation of a shipped scenario as a passed verdict, as `test` draws them.
fn expected(file: &str) -> Vec<Verdict> {
    let s = crate::scenario::load(std::path::Path::new(file)).unwrap();
    use crate::scenario::{ExpectKind, Outcome};
    let verdict = |(i, e): (usize, &crate::scenario::Expectation)| match &e.kind {
        ExpectKind::Reach(r) => {
            let outcome = r.result.unwrap_or(if r.reachable { Outcome::Connected } else { Outcome::Timeout });
            sample(i, &r.title(), true, outcome)
        }
        _ => sample(i, "never * -> task/*", true, Outcome::Timeout),
    };
    s.expect.iter().enumerate().map(verdict).collect()
}

/// Back-row readable: each shipped scenario (up to 3 instances) fitted into a 1280x720
/// projector keeps its 14 px text at 11 px or more (16.5 px at 1920x1080), with all its
/// expectations drawn.
#[test]
fn every_shipped_picture_is_readable_on_a_projector() {
    for (file, l) in shipped() {
        for vs in [vec![], expected(&file)] {
            let (t, _) = picture(&l, &vs, Lang::En);
            let (w, h) = layout::canvas(&layout::layout(&t));
            let at720 = layout::FONT as f64 * layout::scale_on(w, h, (1280, 720)).min(1.0);
            let at1080 = layout::FONT as f64 * layout::scale_on(w, h, (1920, 1080)).min(1.5);
            assert!(at720 >= 11.0, "{file} ({} verdicts): {w}x{h}, text {at720:.1} px at 1280x720", vs.len());
            assert!(at1080 >= 16.5, "{file}: {w}x{h}, text {at1080:.1} px at 1920x1080");
        }
    }
}

#[test]
fn verdicts_are_numbered_arrows_with_a_dnat_hop_and_a_panel() {
    let l = lab();
    let s = svg(&l, &verdicts(), Lang::En).unwrap();
    well_formed(&s);
    // A failed verdict is thick and red; its line in the panel says why.
    assert!(s.contains("stroke=\"#c62828\" stroke-width=\"4\""), "no failed arrow");
    assert!(s.contains("2 ok, blocked: internet -&gt;") && s.contains("NO_PUBLIC_IP_ON_EC2_TASK_ENI"));
    let n = notes(&l, &verdicts());
    assert!(n[0].0.ends_with("answered by task/web-bridge/DVA-EC-site (DNAT :3000 -> 172.17.0.2:3000)"), "{n:?}");
    assert_eq!(n.iter().map(|x| x.1).collect::<Vec<_>>(), ["pass", "blocked", "fail", "pass"]);
    // Arrows: four verdicts and one DNAT hop, each with its badge.
    assert_eq!(s.matches("<line data-verdict=").count(), 5);
    assert_eq!(s.matches("<circle").count(), 5);
    assert_eq!(s.matches("marker-end=\"url(#arrow-dnat)\"").count(), 2, "the hop and the legend");
}

/// Balanced tags and no raw `&` or `<` in text: enough of XML to catch a broken picture.
fn well_formed(svg: &str) {
    let mut stack: Vec<&str> = vec![];
    let mut rest = svg;
    while let Some(a) = rest.find('<') {
        let text = &rest[..a];
        assert!(!text.contains('>'), "raw > in {text}");
        for (k, _) in text.match_indices('&') {
            let ent = &text[k..];
            assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].iter().any(|e| ent.starts_with(e)), "{ent}");
        }
        let b = rest[a..].find('>').expect("unclosed tag") + a;
        let tag = &rest[a + 1..b];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name.trim()), "closing {name}");
        } else if !tag.starts_with('?') && !tag.ends_with('/') {
            stack.push(tag.split([' ', '\n']).next().unwrap());
        }
        assert_eq!(tag.matches('"').count() % 2, 0, "quotes in <{tag}>");
        rest = &rest[b + 1..];
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
}

#[test]
fn svg_is_well_formed_and_shows_every_node() {
    for (file, l) in shipped() {
        let s = svg(&l, &[], Lang::En).unwrap();
        well_formed(&s);
        for label in node_labels(&l) {
            assert!(s.contains(&layout::xml(&label)), "{file}: {label} missing");
        }
        for t in &l.tasks {
            assert!(s.contains(&format!("task/{}", t.name)), "{file}: task/{} missing", t.name);
        }
    }
}

#[test]
fn svg_text_is_escaped() {
    let mut t = tree::Tree::default();
    t.add(None, "x".into(), Kind::Internet, vec!["a<b & \"c\" 'd'>".into()], Flow::Column);
    let s = layout::render("lab <&>", &t, &[]);
    well_formed(&s);
    assert!(
        s.contains("a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;") && s.contains("<title>lab &lt;&amp;&gt;</title>")
    );
}

#[test]
fn mermaid_and_dot_have_subnets_and_verdict_edges() {
    let l = lab();
    let v = Verdict {
        outcome: Some(crate::scenario::Outcome::Timeout),
        reason: Some(crate::analyze::Reason::NoPublicIpOnEc2TaskEni),
        elapsed_ms: 0.0,
        ..Verdict::sample(0, "internet -> task/web-awsvpc:3000/tcp", "", true, "")
    };
    let m = mermaid(&l, std::slice::from_ref(&v));
    assert!(m.starts_with("flowchart TB") && m.contains("subgraph private_a_box"));
    assert!(m.contains("internet -.->|\"3000/tcp NO_PUBLIC_IP_ON_EC2_TASK_ENI\"| task_web_awsvpc"), "{m}");
    let d = dot(&l, &[v]);
    assert!(d.contains("subgraph cluster_public_a") && d.contains("style=dashed"));
}

/// The PNG is the size asked, drawn (not blank), with text where the boxes' titles are.
#[test]
fn png_is_the_size_asked_and_drawn() {
    let l = lab();
    let bytes = png(&l, &verdicts(), Some((1280, 720)), Lang::En).unwrap().0;
    let p = resvg::tiny_skia::Pixmap::decode_png(&bytes).unwrap();
    assert_eq!((p.width(), p.height()), (1280, 720));
    let dark = p.pixels().iter().filter(|c| (c.red() as u32 + c.green() as u32 + c.blue() as u32) < 200).count();
    // Text and lines: a few percent of the pixels, not none and not all.
    assert!(dark > 5_000 && dark < 200_000, "{dark} dark pixels");
    let own = png(&l, &[], None, Lang::En).unwrap().0;
    let q = resvg::tiny_skia::Pixmap::decode_png(&own).unwrap();
    let (w, h) = layout::canvas(&layout::layout(&tree::build(&l, &[], Lang::En)));
    assert_eq!((q.width() as i32, q.height() as i32), (w, h));
    assert!(png(&l, &[], Some((0, 10)), Lang::En).is_err() && png(&l, &[], Some((20000, 10)), Lang::En).is_err());
}

/// `instances` instances in two subnets, each with `per` bridge tasks and `per` awsvpc tasks.
fn big_lab(instances: usize, per: usize) -> Lab {
    let mut y = String::from(
        "version: 1\nname: big\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{ name: a, cidr: 10.0.0.0/18 }, { name: b, cidr: 10.0.64.0/18 }]\ninstances:\n",
    );
    for i in 0..instances {
        y += &format!("  - {{ name: i{i}, subnet: {}, maxEnis: 40 }}\n", if i % 2 == 0 { "a" } else { "b" });
    }
    y += "taskDefinitions:\n  - { family: b, networkMode: bridge, containerDefinitions: [{ name: c, image: x, portMappings: [{ containerPort: 80 }] }] }\n";
    y += "  - { family: v, networkMode: awsvpc, containerDefinitions: [{ name: c, image: x, portMappings: [{ containerPort: 80 }] }] }\ntasks:\n";
    for i in 0..instances {
        for k in 0..per {
            y += &format!("  - {{ name: b{i}x{k}, taskDefinition: b, instance: i{i} }}\n");
            let net = format!("{{ awsvpcConfiguration: {{ subnets: [{}] }} }}", if k % 2 == 0 { "a" } else { "b" });
            y += &format!("  - {{ name: v{i}x{k}, taskDefinition: v, instance: i{i}, networkConfiguration: {net} }}\n");
        }
    }
    let s = crate::scenario::load_str(std::path::Path::new("big.yaml"), &y).unwrap();
    crate::model::build(&s).unwrap()
}

#[test]
fn svg_grows_linearly_and_big_labs_keep_their_geometry() {
    let count = |l: &Lab| {
        let s = svg(l, &[], Lang::En).unwrap();
        well_formed(&s);
        (s.matches("<rect").count(), s.len())
    };
    let (small, big) = (big_lab(4, 5), big_lab(8, 5));
    let (a, b) = (count(&small), count(&big));
    // Twice the instances and tasks: about twice the elements and bytes (the fabric is fixed).
    assert!(b.0 <= 2 * a.0 && b.0 * 10 >= 19 * a.0 - 300, "{a:?} {b:?}");
    assert!(b.1 <= 2 * a.1 + 4096, "{a:?} {b:?}");
    let t = tree::build(&big, &[], Lang::En);
    check_geometry(&t, &layout::layout(&t));
}

#[test]
fn a_box_is_found_by_the_name_a_user_writes() {
    let t = tree::build(&lab(), &[], Lang::En);
    let web = t.find("task/web-bridge").unwrap();
    let c = t.find("task/web-bridge/DVA-EC-site").unwrap();
    assert!(t.inside(c, web) && !t.inside(web, c));
    assert_eq!(t.find("internet/api"), t.find("internet"));
    assert!(t.find("task/nope").is_none());
    let r = Rect { x: 0, y: 0, w: 10, h: 10 };
    assert!(r.contains(&r) && r.overlaps(&r));
}

/// The 1,920-task picture (the scenario limit is 2,000) (scripts/graph_bench.py times the release binary).
#[test]
#[ignore]
fn svg_of_2000_tasks_is_fast() {
    let l = big_lab(80, 12);
    let t = std::time::Instant::now();
    let s = svg(&l, &[], Lang::En).unwrap();
    eprintln!("{} tasks: {} bytes in {:?}", l.tasks.len(), s.len(), t.elapsed());
    assert!(t.elapsed() < std::time::Duration::from_secs(30));
}

/// A lab of 4 instances with 3 tasks each (bridge and awsvpc, two subnets in one zone) is still
/// readable on a projector.
#[test]
fn four_instances_with_three_tasks_each_are_readable() {
    for (instances, per) in [(4, 1), (4, 2), (3, 2)] {
        let l = big_lab(instances, per);
        let t = tree::build(&l, &[], Lang::En);
        let lay = layout::layout(&t);
        check_geometry(&t, &lay);
        let (w, h) = layout::canvas(&lay);
        let at720 = layout::FONT as f64 * layout::scale_on(w, h, (1280, 720)).min(1.0);
        eprintln!("{instances} instances x {} tasks: {w}x{h}, {at720:.1} px at 1280x720", 2 * per);
        assert!(at720 >= 11.0, "{instances} instances, {} tasks each: {w}x{h}, {at720:.1} px", 2 * per);
    }
}

/// In Japanese the legend and the panel titles are the catalog's (AWS's names stay), and wide
/// characters count two cells, so the geometry holds.
#[test]
fn the_legend_speaks_japanese() {
    let l = lab();
    let (en, ja) = (picture(&l, &verdicts(), Lang::En).0, picture(&l, &verdicts(), Lang::Ja).0);
    for ((_, e), (_, j)) in en.legend.iter().zip(&ja.legend).chain(std::iter::empty()) {
        assert!(e != j || e == "VPC", "{e} has no Japanese");
    }
    for ((_, e), (_, j)) in en.legend_arrows.iter().zip(&ja.legend_arrows) {
        assert!(e != j || e == "DNAT hop", "{e} has no Japanese");
    }
    let text: Vec<String> = ja.items.iter().flat_map(|it| it.lines.clone()).collect();
    assert!(text.contains(&"セキュリティグループ".to_string()) && text.contains(&"判定".to_string()));
    assert_eq!(layout::text_width("判定"), 4 * layout::CHAR_W);
    let lay = layout::layout(&ja);
    check_geometry(&ja, &lay);
    let s = layout::render("x", &ja, &[]);
    assert!(s.contains(">アベイラビリティーゾーン</text>") && s.contains("IPAGothic"));
}

/// A check written with a DNS name is drawn to the box of the address its resolver gave (an
/// AWS public address: the internet's box), and its panel line says the address.
#[test]
fn a_check_by_name_is_drawn_to_the_address_it_probed() {
    use crate::scenario::Outcome;
    let l = lab_of("17-interface-endpoints.yaml");
    let by_name = |ip: &str, outcome| Verdict {
        probed: Some(ip.into()),
        ..sample(0, "task/app -> api.ecr.ap-northeast-1.amazonaws.com:443/tcp", true, outcome)
    };
    let (t, a) = picture(&l, &[by_name("10.17.1.6", Outcome::Connected)], Lang::En);
    assert_eq!(a.len(), 1, "one arrow");
    assert_eq!(Some(a[0].to), t.find("endpoint/ecr-api"), "to the endpoint's ENI box");
    let (t, a) = picture(&l, &[by_name("198.18.4.10", Outcome::Timeout)], Lang::En);
    assert_eq!(Some(a[0].to), t.find("internet"));
    let n = notes(&l, &[by_name("10.17.1.6", Outcome::Connected)]);
    assert!(n[0].0.ends_with("amazonaws.com:443/tcp · resolved to 10.17.1.6"), "{n:?}");
    // Unresolved: nothing was sent, no arrow.
    let (_, a) = picture(&l, &[sample(0, "task/app -> nothing.example.com:443/tcp", true, Outcome::Timeout)], Lang::En);
    assert!(a.is_empty());
}

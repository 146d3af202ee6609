//! `graph --format png`: the SVG picture rendered in-process by resvg (no browser, no
//! graphviz, no fonts on the machine needed: DejaVu Sans Mono, whose widths the layout
//! assumes, is embedded), scaled to fit a screen such as a projector's 1280x720 and centred
//! on white.

use crate::i18n::Lang;
use crate::judge::Verdict;
use crate::model::Lab;
use resvg::{tiny_skia, usvg};

/// The largest PNG side drawn: 16k pixels is beyond any screen and bounds the memory (1 GiB).
pub const MAX_SIDE: u32 = 16384;

/// Fonts with Japanese glyphs, by family name, that the SVG also names (Debian packages
/// fonts-ipafont-gothic, fonts-noto-cjk, fonts-takao-gothic, fonts-vlgothic).
pub(super) const JAPANESE_FAMILIES: [&str; 6] =
    ["IPAGothic", "IPAexGothic", "Noto Sans Mono CJK JP", "Noto Sans CJK JP", "TakaoGothic", "VL Gothic"];

/// The fonts: DejaVu Sans Mono always (embedded), and for Japanese the machine's own fonts.
fn fonts(lang: Lang) -> usvg::fontdb::Database {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(dejavu::sans_mono::regular().to_vec());
    db.load_font_data(dejavu::sans_mono::bold().to_vec());
    if lang != Lang::En {
        db.load_system_fonts();
    }
    db
}

fn has_japanese(db: &usvg::fontdb::Database) -> bool {
    db.faces().any(|f| f.families.iter().any(|(name, _)| JAPANESE_FAMILIES.contains(&name.as_str())))
}

/// The picture as PNG bytes, `size` pixels (width, height); None draws it at its own size.
/// Its own words are in `lang`, or in English when no font on the machine has Japanese glyphs
/// (the PNG would show empty boxes; SVG and HTML leave that to the viewer): the language it
/// was drawn in comes back with it.
pub fn png(lab: &Lab, verdicts: &[Verdict], size: Option<(u32, u32)>, lang: Lang) -> Result<(Vec<u8>, Lang), String> {
    // The machine's fonts are read once, for the check and the drawing.
    let db = fonts(lang);
    let drawn = if lang == Lang::En || has_japanese(&db) { lang } else { Lang::En };
    Ok((render(&super::svg(lab, verdicts, drawn)?, size, db)?, drawn))
}

/// An SVG document as PNG bytes, fitted into `size` and centred.
fn render(svg: &str, size: Option<(u32, u32)>, fonts: usvg::fontdb::Database) -> Result<Vec<u8>, String> {
    let mut opt = usvg::Options { font_family: "DejaVu Sans Mono".into(), ..usvg::Options::default() };
    *opt.fontdb_mut() = fonts;
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| format!("the picture is not valid SVG: {e}"))?;
    let own = tree.size();
    let (w, h) = size.unwrap_or((own.width().ceil() as u32, own.height().ceil() as u32));
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(format!("a PNG of {w}x{h} pixels: each side must be 1 to {MAX_SIDE}"));
    }
    let mut pixmap = tiny_skia::Pixmap::new(w, h).ok_or_else(|| format!("no memory for a {w}x{h} PNG"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let s = (w as f32 / own.width()).min(h as f32 / own.height());
    let (dx, dy) = ((w as f32 - own.width() * s) / 2.0, (h as f32 - own.height() * s) / 2.0);
    resvg::render(&tree, tiny_skia::Transform::from_scale(s, s).post_translate(dx, dy), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| format!("PNG encoding: {e}"))
}

//! The SVG document: the root element, text elements, the title block every chart starts with,
//! XML escaping, and fitting text into a width.
//!
//! It deliberately knows nothing of charts, scales or colours, and measures no fonts: a text's
//! width is estimated from its character count. Numbers are written by `format`.

use std::fmt::Write as _;

use super::format::n;

/// Average advance of one character in a sans-serif font, as a fraction of the font size. Used to
/// size margins and legends without font metrics.
pub(super) const CHAR_WIDTH_EM: f64 = 0.6;

/// The document under construction: everything between the root element's tags.
#[derive(Default)]
pub(super) struct Svg {
    /// The body written so far; charts append to it with `write!` for elements `text` does not
    /// cover.
    pub(super) out: String,
}

impl Svg {
    /// Appends `s` as it is: trusted markup.
    pub(super) fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// A text element; `s` is escaped here, `extra` is trusted attribute text.
    pub(super) fn text(&mut self, x: f64, y: f64, s: &str, size: f64, anchor: &str, extra: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{}" y="{}" font-size="{}" text-anchor="{anchor}" {extra}>{}</text>"#,
            n(x),
            n(y),
            n(size),
            esc(s)
        );
    }

    /// The grey "no data" note a chart shows, centred on (`x`, `y`), when it has nothing to draw.
    pub(super) fn no_data(&mut self, x: f64, y: f64) {
        self.text(x, y, "no data", 14.0, "middle", r##"fill="#777777""##);
    }

    /// Wraps the body in the root element, with a white background and an accessible title.
    pub(super) fn finish(self, title: &str, width: f64, height: f64) -> String {
        let h = n(height.ceil());
        let w = n(width.ceil());
        format!(
            concat!(
                r##"<?xml version="1.0" encoding="UTF-8"?>"##,
                "\n",
                r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"##,
                "\n<title>{title}</title>\n",
                r##"<rect width="100%" height="100%" fill="white"/>"##,
                "\n{body}\n</svg>\n"
            ),
            w = w,
            h = h,
            title = esc(title),
            body = self.out
        )
    }
}

/// Draws the title and subtitle, cut to fit `width`; returns the y below them.
pub(super) fn header(svg: &mut Svg, title: &str, subtitle: Option<&str>, width: f64) -> f64 {
    let max_chars = ((width - 48.0) / (17.0 * CHAR_WIDTH_EM)) as usize;
    svg.text(
        24.0,
        30.0,
        &truncate(title, max_chars),
        17.0,
        "start",
        r#"class="title" font-weight="bold""#,
    );
    match subtitle {
        Some(s) if !s.is_empty() => {
            let max_chars = ((width - 48.0) / (12.0 * CHAR_WIDTH_EM)) as usize;
            svg.text(
                24.0,
                50.0,
                &truncate(s, max_chars),
                12.0,
                "start",
                r##"class="subtitle" fill="#555555""##,
            );
            54.0
        }
        _ => 34.0,
    }
}

/// Estimated width of `chars` characters at `size` px.
pub(super) fn text_width(chars: usize, size: f64) -> f64 {
    chars as f64 * size * CHAR_WIDTH_EM
}

/// `s` cut to at most `max` characters, with an ellipsis when cut.
pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// `s` broken at spaces into lines of at most `max` characters, at most `max_lines` of them; a
/// word longer than a line, and whatever does not fit the last line, is cut with an ellipsis.
pub(super) fn wrap(s: &str, max: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines && max_lines > 0 {
        let rest = lines.split_off(max_lines - 1).join(" ");
        lines.push(rest);
    }
    lines.truncate(max_lines);
    lines.iter().map(|l| truncate(l, max)).collect()
}

/// Escapes text for XML content and attribute values, and drops characters XML 1.0 forbids.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

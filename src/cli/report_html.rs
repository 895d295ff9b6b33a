//! `habitd report --html`: the report as one self-contained HTML page for
//! a doctor's visit. Inline CSS and SVG charts, no script and nothing
//! fetched; dark text on white, with a print stylesheet that keeps tables
//! and charts whole on paper.
//!
//! Drawing only; every figure is [`crate::report`]'s. All user text (notes,
//! habit ids and titles) goes through [`text`].

use std::fmt::Write as _;

use super::report_text::{
    ADVICE_HEADING, EMPTY_DIARY, LINK_CAVEAT, LINK_HEADING, NO_NIGHTS, minutes, nights_text,
    of_nights, percent,
};
use crate::diary::{Choice, Episode};
use crate::report::{NightEpisode, Report, Share};

const STYLE: &str = "\
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, 'DejaVu Sans', sans-serif; color: #111; background: #fff;
  max-width: 62rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.2rem; margin: 1.8rem 0 .5rem; border-bottom: 1px solid #bbb; }
h3 { font-size: 1rem; margin: 1rem 0 .2rem; }
.meta, .caveat, .figure { color: #444; }
.advice { border-left: 4px solid #b35c00; padding: .3rem .9rem; }
.advice li { margin: .3rem 0; }
table { border-collapse: collapse; margin: .4rem 0; }
th, td { padding: .15rem .6rem; border-bottom: 1px solid #ddd; text-align: right; vertical-align: top;
  white-space: nowrap; }
th { border-bottom: 1px solid #888; }
th:first-child, td:first-child, .text { text-align: left; }
td.note { text-align: left; min-width: 12rem; max-width: 28rem; overflow-wrap: anywhere; white-space: pre-wrap; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 11px system-ui, 'DejaVu Sans', sans-serif; fill: #333; }
.bar-cramps { fill: #d9822b; }
.bar-met { fill: #3b7dd8; }
.none { fill: #bbb; }
.grid { stroke: #ddd; stroke-width: 1; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  section.chart, .habit, tr { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
";

/// Chart geometry, in SVG units.
const WIDTH: f64 = 760.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;

/// `text` safe in HTML text and attribute values: control characters
/// escaped as on a terminal, then `&`, `<`, `>`, `"` and `'` as entities.
fn text(raw: &str) -> String {
    let shown = crate::quote::escape(raw);
    let mut out = String::with_capacity(shown.len());
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A detail's word (`walking`, `calf`), or nothing when not recorded.
fn word<T: Choice>(value: Option<T>) -> &'static str {
    value.map_or("", Choice::as_str)
}

/// The page.
pub(super) fn render(report: &Report, timezone: &str) -> String {
    let range = format!("{} to {}", report.from, report.today);
    let mut page = String::with_capacity(16 * 1024);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Leg cramp report, {range}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>Leg cramp report</h1>\n\
         <p class=\"meta\">{} from {} to {} (time zone {}), made by habitd {} on {}.</p>\n</header>\n",
        crate::quote::counted(report.weeks.len() as u64, "week", "weeks"),
        report.from.strftime("%a %Y-%m-%d"),
        report.today.strftime("%a %Y-%m-%d"),
        text(timezone),
        env!("CARGO_PKG_VERSION"),
        report.today,
    );
    if !report.advice.is_empty() {
        let _ = write!(
            page,
            "<section id=\"advice\" class=\"advice\">\n<h2>{ADVICE_HEADING}</h2>\n<ul>\n"
        );
        for advice in &report.advice {
            let _ = writeln!(page, "<li>{}</li>", text(&advice.text));
        }
        page.push_str("</ul>\n</section>\n");
    }
    nights_chart(&mut page, report);
    adherence(&mut page, report);
    weeks_table(&mut page, report);
    links(&mut page, report);
    episodes(&mut page, &report.episodes);
    page.push_str("</body>\n</html>\n");
    page
}

/// Every how many weeks the x axis is labelled, so that labels (`07 Sep
/// 26`, about 50 units wide) stand at least 56 units apart.
fn label_step(slot: f64) -> usize {
    (56.0 / slot).ceil().max(1.0) as usize
}

/// Bars of `shares` (one per week, `None` for a week with nothing to show)
/// in an SVG `height` units tall, each with a tooltip, the x axis labelled
/// with the weeks' Mondays.
fn bars(report: &Report, height: f64, class: &str, shares: &[(Option<f64>, String)]) -> String {
    let plot = height - 22.0;
    let slot = (WIDTH - LEFT - RIGHT) / shares.len().max(1) as f64;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\">\n"
    );
    for (share, label) in [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")] {
        let y = 4.0 + plot * (1.0 - share);
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>",
            WIDTH - RIGHT,
            LEFT - 4.0,
            y + 4.0
        );
    }
    let step = label_step(slot);
    for (i, ((share, tooltip), week)) in shares.iter().zip(&report.weeks).enumerate() {
        let x = LEFT + slot * i as f64;
        match share {
            Some(share) => {
                let h = (plot * share.clamp(0.0, 1.0)).max(0.5);
                let _ = writeln!(
                    svg,
                    "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\"><title>{}</title></rect>",
                    x + slot * 0.15,
                    4.0 + plot - h,
                    slot * 0.7,
                    text(tooltip)
                );
            }
            None => {
                let _ = writeln!(
                    svg,
                    "<circle class=\"none\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\"><title>{}</title></circle>",
                    x + slot / 2.0,
                    4.0 + plot,
                    (slot * 0.15).clamp(0.5, 3.0),
                    text(tooltip)
                );
            }
        }
        if i % step == 0 {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x,
                height - 4.0,
                week.start.strftime("%d %b %y")
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn nights_chart(page: &mut String, report: &Report) {
    page.push_str(
        "<section id=\"nights\" class=\"chart\">\n<h2>Nights with cramps, of nights recorded</h2>\n",
    );
    if report.weeks.iter().all(|w| w.nights == 0) {
        let _ = writeln!(page, "<p>{}</p>", text(EMPTY_DIARY));
    } else {
        let shares: Vec<_> = report
            .weeks
            .iter()
            .map(|week| {
                let share = (week.nights > 0)
                    .then(|| f64::from(week.cramp_nights) / f64::from(week.nights));
                let figure = if week.nights == 0 {
                    NO_NIGHTS.to_string()
                } else {
                    format!("{} nights with cramps", of_nights(week))
                };
                (share, format!("week of {}: {figure}", week.start))
            })
            .collect();
        page.push_str(&bars(report, 200.0, "bar-cramps", &shares));
        page.push_str(
            "<p class=\"figure\">Bar: share of the nights recorded that had cramps; dot: no night recorded.</p>\n",
        );
    }
    page.push_str("</section>\n");
}

/// A habit's days met over all the weeks shown.
fn total(shares: &[&Share]) -> (u32, u32) {
    shares
        .iter()
        .fold((0, 0), |(met, days), s| (met + s.met, days + s.days))
}

fn adherence(page: &mut String, report: &Report) {
    if report.habits.is_empty() {
        return;
    }
    page.push_str("<section id=\"adherence\">\n<h2>Days each habit's goal was met</h2>\n");
    for (index, habit) in report.habits.iter().enumerate() {
        let weeks: Vec<&Share> = report.weeks.iter().map(|w| &w.habits[index]).collect();
        let (met, days) = total(&weeks);
        let overall = if days == 0 {
            "no day counted yet".to_string()
        } else {
            format!(
                "met on {met} of {days} days ({})",
                percent(Some(f64::from(met) / f64::from(days)))
            )
        };
        let shares: Vec<_> = weeks
            .iter()
            .zip(&report.weeks)
            .map(|(share, week)| {
                let figure = if share.days == 0 {
                    "no day counted".to_string()
                } else {
                    format!("met on {} of {} days", share.met, share.days)
                };
                (share.share, format!("week of {}: {figure}", week.start))
            })
            .collect();
        let _ = write!(
            page,
            "<div class=\"habit\">\n<h3>{} <span class=\"meta\">({})</span></h3>\n<p class=\"figure\">{overall}</p>\n{}</div>\n",
            text(&habit.title),
            text(&habit.habit),
            bars(report, 90.0, "bar-met", &shares)
        );
    }
    page.push_str("</section>\n");
}

fn weeks_table(page: &mut String, report: &Report) {
    page.push_str(
        "<section id=\"weeks\">\n<h2>Week by week</h2>\n<table>\n<thead><tr><th>week of</th>\
         <th>nights with cramps</th><th>episodes</th><th>mean minutes</th>",
    );
    for habit in &report.habits {
        let _ = write!(page, "<th>{}</th>", text(&habit.habit));
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for week in &report.weeks {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            week.start,
            of_nights(week),
            week.episodes,
            minutes(week.mean_minutes)
        );
        for share in &week.habits {
            let _ = write!(page, "<td>{}</td>", percent(share.share));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

fn links(page: &mut String, report: &Report) {
    if report.links.is_empty() {
        return;
    }
    let _ = write!(
        page,
        "<section id=\"links\">\n<h2>{LINK_HEADING}</h2>\n<table>\n<thead><tr><th>habit</th>\
         <th>after days it was met</th><th>after days it was not</th></tr></thead>\n<tbody>\n"
    );
    for link in &report.links {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            text(&link.habit),
            nights_text(&link.met),
            nights_text(&link.not_met)
        );
    }
    let _ = write!(
        page,
        "</tbody>\n</table>\n<p class=\"caveat\">{LINK_CAVEAT}</p>\n</section>\n"
    );
}

fn episodes(page: &mut String, episodes: &[NightEpisode]) {
    page.push_str("<section id=\"episodes\">\n<h2>Episodes</h2>\n");
    if episodes.is_empty() {
        page.push_str("<p>No episodes recorded in these weeks.</p>\n</section>\n");
        return;
    }
    page.push_str(
        "<table>\n<thead><tr><th>night of</th><th>began</th><th class=\"text\">leg</th>\
         <th class=\"text\">muscle</th><th>minutes</th><th class=\"text\">while</th>\
         <th class=\"text\">swelling</th><th class=\"text\">note</th></tr></thead>\n<tbody>\n",
    );
    for NightEpisode { night, at, episode } in episodes {
        let Episode {
            leg,
            muscle,
            minutes,
            when,
            swelling,
            note,
        } = episode;
        let began = at.get(..16).unwrap_or(at).replacen('T', " ", 1);
        let _ = writeln!(
            page,
            "<tr><td>{night}</td><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td>\
             <td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"note\">{}</td></tr>",
            text(&began),
            word(*leg),
            word(*muscle),
            minutes.map_or(String::new(), |m| m.to_string()),
            word(*when),
            if *swelling { "yes" } else { "" },
            text(note.as_deref().unwrap_or(""))
        );
    }
    page.push_str("</tbody>\n</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::{Activity, DiaryEntry, Record};
    use crate::report::{self, HabitInput};
    use crate::streak::{History, Target};

    fn d(text: &str) -> jiff::civil::Date {
        text.parse().unwrap()
    }

    fn report_with(note: &str, title: &str, weeks: u32) -> Report {
        let history = History {
            totals: [(d("2026-11-09"), 1)].into(),
            skipped: Default::default(),
            first_day: Some(d("2026-11-09")),
        };
        let habits = [HabitInput {
            id: "bedtime-stretch",
            title,
            target: Target {
                goal: 1,
                per_week: None,
            },
            history: &history,
        }];
        let entries = [
            DiaryEntry {
                id: 1,
                at: "2026-11-10T02:12:00Z".parse().unwrap(),
                night: d("2026-11-09"),
                record: Record::Cramp(Episode {
                    minutes: Some(9),
                    when: Some(Activity::Walking),
                    swelling: true,
                    note: Some(note.to_string()),
                    ..Episode::default()
                }),
            },
            DiaryEntry {
                id: 2,
                at: "2026-11-11T07:00:00Z".parse().unwrap(),
                night: d("2026-11-10"),
                record: Record::NoCramps,
            },
        ];
        report::build(
            &entries,
            &habits,
            weeks,
            d("2026-11-18"),
            &jiff::tz::TimeZone::get("Europe/Berlin").unwrap(),
        )
    }

    #[test]
    fn user_text_is_escaped() {
        let page = render(
            &report_with(
                "<script>alert('x')</script> & \"more\"\u{1b}[2J",
                "Stretch <b>now</b>",
                2,
            ),
            "Europe/Berlin",
        );
        assert!(!page.contains("<script>"), "{page}");
        assert!(!page.contains("<b>now"), "{page}");
        assert!(!page.contains('\u{1b}'));
        assert!(
            page.contains(
                "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;\\u{1b}[2J"
            ),
            "{page}"
        );
        assert!(page.contains("Stretch &lt;b&gt;now&lt;/b&gt;"), "{page}");
    }

    #[test]
    fn the_page_is_self_contained() {
        let page = render(
            &report_with("calf", "Bedtime stretches", 12),
            "Europe/Berlin",
        );
        for external in [
            "http:", "https:", "src=", "href=", "@import", "url(", "<script",
        ] {
            assert!(!page.contains(external), "{external} in the page");
        }
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("@media print"));
        assert_eq!(page.matches("<svg").count(), 2);
        assert!(
            page.contains("<td>2026-11-09</td><td>1 of 2</td><td>1</td><td>9</td><td>14%</td>"),
            "{page}"
        );
        assert!(page.contains("<td class=\"text\">walking</td><td class=\"text\">yes</td><td class=\"note\">calf</td>"), "{page}");
        assert!(page.contains(ADVICE_HEADING));
    }

    #[test]
    fn axis_labels_do_not_crowd() {
        let plot = WIDTH - LEFT - RIGHT;
        for weeks in [1, 12, 13, 52, 520] {
            let slot = plot / weeks as f64;
            let step = label_step(slot);
            assert!(slot * step as f64 >= 56.0, "{weeks} weeks");
            assert!(
                step == 1 || (slot * (step - 1) as f64) < 56.0,
                "{weeks} weeks"
            );
        }
        assert_eq!(label_step(plot / 12.0), 1);
    }

    #[test]
    fn a_long_note_and_ten_years_make_a_page() {
        let note = "x".repeat(100 * 1024);
        let page = render(&report_with(&note, "Bedtime", report::MAX_WEEKS), "UTC");
        assert!(page.contains(&note));
        assert_eq!(page.matches("<tr><td>").count(), 520 + 1 + 1);
        assert!(page.len() < 400 * 1024, "{} bytes", page.len());
    }
}

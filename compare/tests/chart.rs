//! `compare --plot`: a small run draws the chart, a saved report redraws it byte for
//! byte, and the book's performance page shows charts drawn from the committed results.

mod support;

use std::path::{Path, PathBuf};
use support::{command, run_ok};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

#[test]
fn a_small_run_draws_every_mode_and_its_report_redraws_the_same_chart() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("run.svg");
    let output = run_ok(&[
        "--json",
        "--count",
        "200",
        "--sync-count",
        "10",
        "--slow-count",
        "10",
        "--broker-rtt",
        "0ms",
        "--plot",
        chart.to_str().unwrap(),
    ]);
    let svg = std::fs::read_to_string(&chart).expect("the chart was written");
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
    assert!(svg.contains("Messages per second (log scale)"));
    assert!(svg.contains("Latency p50 (dark) and p99 (light), log scale"));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for mode in report["modes"].as_array().unwrap() {
        let name = mode["mode"].as_str().unwrap();
        // plotters writes each text on a line of its own inside its <text> element.
        assert!(
            svg.contains(&format!("\n{name}\n</text>")),
            "{name} is labelled"
        );
        let rate = format!(
            "\n {:.0}\n</text>",
            mode["messages_per_second"].as_f64().unwrap()
        );
        assert!(
            svg.contains(&rate),
            "{name}'s rate {rate} is written by its bar"
        );
    }

    let saved = dir.path().join("run.json");
    std::fs::write(&saved, &output.stdout).unwrap();
    let redrawn = dir.path().join("again.svg");
    run_ok(&[
        "--from-report",
        saved.to_str().unwrap(),
        "--plot",
        redrawn.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(&redrawn).unwrap(), svg);
}

/// Every `![..](images/NAME.svg)` on the performance page.
fn charts_on_the_performance_page() -> Vec<String> {
    let page = std::fs::read_to_string(workspace().join("docs/src/07-performance.md")).unwrap();
    page.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|target| target.ends_with(".svg"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_book_shows_charts_drawn_from_the_committed_results() {
    let charts = charts_on_the_performance_page();
    assert!(
        charts.len() >= 2,
        "the mock's chart and a real broker's: {charts:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    for chart in charts {
        let committed = workspace().join("docs/src").join(&chart);
        let svg = std::fs::read_to_string(&committed)
            .unwrap_or_else(|err| panic!("the book links {chart}, which is missing: {err}"));
        // images/compare-NAME.svg is drawn from bench/results/compare-NAME.json.
        let stem = Path::new(&chart).file_stem().unwrap().to_str().unwrap();
        let report = workspace().join(format!("bench/results/{stem}.json"));
        assert!(
            report.exists(),
            "{chart} has no report at {}",
            report.display()
        );
        let redrawn = dir.path().join(format!("{stem}.svg"));
        run_ok(&[
            "--from-report",
            report.to_str().unwrap(),
            "--plot",
            redrawn.to_str().unwrap(),
        ]);
        assert!(
            std::fs::read_to_string(&redrawn).unwrap() == svg,
            "{chart} differs from what {} draws: cargo run -p compare -- --from-report {} --plot docs/src/{chart}",
            report.display(),
            report.display()
        );
    }
}

#[test]
fn benchmarks_md_quotes_the_tables_of_the_committed_results() {
    let benchmarks = std::fs::read_to_string(workspace().join("BENCHMARKS.md")).unwrap();
    for stem in [
        "compare-mock",
        "kcat-same-librdkafka",
        "compare-tansu",
        "compare-kafka",
        "compare-rtt10",
        "compare-steps-mock",
        "compare-steps-rtt10",
    ] {
        let report = workspace().join(format!("bench/results/{stem}.json"));
        let table = run_ok(&["--from-report", report.to_str().unwrap()]).stdout;
        let table = String::from_utf8(table).unwrap();
        let start = format!("<!-- ANCHOR: {stem} -->\n");
        let end = format!("<!-- ANCHOR_END: {stem} -->");
        let quoted = benchmarks
            .split_once(&start)
            .and_then(|(_, rest)| rest.split_once(&end))
            .map(|(quoted, _)| quoted)
            .unwrap_or_else(|| panic!("BENCHMARKS.md has no {stem} anchor"));
        assert!(
            quoted.trim() == table.trim(),
            "BENCHMARKS.md's {stem} table is not what its report prints: cargo run -p compare -- --from-report {}",
            report.display()
        );
    }
}

#[test]
fn a_missing_or_foreign_report_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("other.json");
    std::fs::write(&foreign, "{\"modes\": 3}").unwrap();
    for path in [dir.path().join("absent.json"), foreign] {
        let output = command(&["--from-report", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(path.to_str().unwrap()), "{stderr}");
    }
}

#[test]
fn an_unwritable_chart_fails_before_anything_is_measured() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("no-such-folder/chart.svg");
    let output = command(&["--count", "10", "--plot", chart.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "no measuring line: {stderr}");
    assert!(stderr.contains(chart.to_str().unwrap()), "{stderr}");
    assert!(output.stdout.is_empty());
}

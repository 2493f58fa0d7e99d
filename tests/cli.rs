//! End-to-end tests of the `yuqing` binary: scoring realistic reviews with the shipped lexicon,
//! bad input of every kind, CSV input, evaluation, learning, config errors, and which sources a
//! crawl runs.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The binary started with `args`, its three streams piped.
fn spawn(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start yuqing")
}

fn yuqing(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = spawn(args);
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Reviews and posts written for these tests, in the styles the scorer meets.
const POSITIVE: &[&str] = &[
    "质量很好,物流也快,五星好评!",
    "手机用了一个月,运行流畅,拍照清晰,电池也耐用,值得购买",
    "衣服面料舒服,做工精致,尺码标准,会回购的",
    "水果很新鲜,个头大,甜度高,包装也很用心",
    "性价比超高,比实体店便宜多了,推荐给大家",
    "酒店位置方便,房间干净整洁,前台服务热情周到",
    "本来担心是假货,收到验证了是正品,放心了",
    "屏幕显示效果惊艳,音质也不错,孩子很喜欢",
    "物流不算快,但是东西真的很好用,满意",
    "这不是很划算吗?下次还来买",
];

const NEGATIVE: &[&str] = &[
    "垃圾产品,用了两天就坏了,客服也不理人",
    "质量太差了,跟图片完全不一样,申请退货还被拒",
    "手机发烫严重,经常死机,后悔买了",
    "衣服有很大的异味,洗了两次还掉色,差评",
    "水果一半都是烂的,根本没法吃,太失望了",
    "房间又小又旧,隔音很差,一晚上没睡好,不会再住了",
    "外观还行,但是用起来卡顿得厉害,不推荐",
    "等了半个月才发货,包装破损,东西也不全",
    "宣传的功能一个都没有,纯纯智商税,大家避雷",
    "一点也不好用,退款拖了一个月还没到账",
];

#[test]
fn shipped_lexicon_reads_realistic_reviews_right() {
    let input = POSITIVE.iter().chain(NEGATIVE).map(|s| format!("{s}\n")).collect::<String>();
    let out = yuqing(&["score"], input.as_bytes());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = json_lines(&out);
    assert_eq!(rows.len(), POSITIVE.len() + NEGATIVE.len());
    let mut wrong = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let want_positive = i < POSITIVE.len();
        let score = row["score"].as_f64().unwrap();
        assert!((-1.0..=1.0).contains(&score));
        if (score > 0.0) != want_positive {
            wrong.push(format!("{} → {score:.3}", input.lines().nth(i).unwrap()));
        }
    }
    assert!(wrong.len() <= 1, "misjudged: {wrong:#?}");
}

#[test]
fn output_carries_label_risks_explanation_and_tokens() {
    let out = yuqing(&["score"], "手机充电的时候起火了,要求厂家召回!\n".as_bytes());
    let row = &json_lines(&out)[0];
    assert_eq!(row["line"], 1);
    assert_eq!(row["label"], "negative");
    let cats: Vec<&str> = row["risks"].as_array().unwrap().iter().map(|r| r["category"].as_str().unwrap()).collect();
    assert_eq!(cats, vec!["quality", "legal"]);
    let terms = row["explanation"]["terms"].as_array().unwrap();
    assert!(terms.iter().any(|t| t["term"] == "起火" && t["contribution"].as_f64().unwrap() < 0.0), "{terms:?}");
    assert!(
        row["explanation"]["rules"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("exclamation"))
    );
    let tokens: Vec<&str> = row["tokens"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert!(tokens.contains(&"起火") && tokens.contains(&"召回"), "{tokens:?}");
}

#[test]
fn traditional_and_full_width_text_is_read_like_simplified() {
    let out = yuqing(&["score", "--no-tokens"], "質量很差，客服態度惡劣！\n质量很差，客服态度恶劣!\n".as_bytes());
    let rows = json_lines(&out);
    assert_eq!(rows[0]["score"], rows[1]["score"]);
    assert_eq!(rows[0]["label"], "negative");
    assert!(rows[0].get("tokens").is_none());
}

#[test]
fn bad_lines_are_reported_and_the_rest_scored() {
    let mut input = "好评,质量很好\n".as_bytes().to_vec();
    input.extend_from_slice(b"\xff\xfe\x00junk\n"); // not UTF-8
    input.extend_from_slice(b"\n"); // empty
    input.extend_from_slice("\u{1}\u{2}\u{7f}\u{fffd}\n".as_bytes()); // control junk
    let long = "物流很快,质量也不错。".repeat(35_000); // ~1 MB
    input.extend_from_slice(long.as_bytes());
    input.push(b'\n');
    let out = yuqing(&["score", "--no-tokens"], &input);
    assert_eq!(out.status.code(), Some(1), "one bad line makes exit code 1");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 of 5 inputs could not be scored"));
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0]["label"], "positive");
    assert_eq!(rows[1]["error"], "invalid UTF-8 at byte 0");
    assert_eq!(rows[1]["line"], 2);
    assert_eq!(rows[2]["label"], "neutral");
    assert_eq!(rows[3]["label"], "neutral");
    assert_eq!(rows[4]["label"], "positive");
    assert!(long.len() > 1_000_000);
}

#[test]
fn threads_score_in_input_order_with_the_same_results() {
    // More texts than one batch (4,096), with a bad line in the second batch, so chunks finish
    // out of order on several threads.
    let mut input = Vec::new();
    let mut expect_error = 0;
    for i in 0..5_000 {
        if i == 4_500 {
            input.extend_from_slice(b"\xffbroken\n");
            expect_error = i + 1;
            continue;
        }
        let text = if i % 2 == 0 { POSITIVE[i % POSITIVE.len()] } else { NEGATIVE[i % NEGATIVE.len()] };
        input.extend_from_slice(format!("{text} 第{i}条\n").as_bytes());
    }
    let one = yuqing(&["score", "--threads", "1"], &input);
    let four = yuqing(&["score", "--threads", "4"], &input);
    assert_eq!(one.status.code(), Some(1), "{}", String::from_utf8_lossy(&one.stderr));
    assert_eq!(four.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&four.stderr).contains("1 of 5000 inputs could not be scored"));
    assert_eq!(one.stdout, four.stdout, "threads changed the output");
    let rows = json_lines(&four);
    assert_eq!(rows.len(), 5_000);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["line"], i + 1);
    }
    assert!(rows[expect_error - 1]["error"].is_string());
    assert!(rows[4_999]["tokens"].as_array().unwrap().iter().any(|t| t == "4999"), "{}", rows[4_999]);
    let out = yuqing(&["score", "--threads", "0"], b"");
    assert_eq!(out.status.code(), Some(2), "--threads 0 is refused");
}

/// A pipe fed as things happen (`tail -f posts.txt | yuqing score`) is answered as it goes: each
/// text comes back while the pipe stays open, even when the next text has begun arriving in the
/// same write, for lines and for CSV.
#[test]
fn a_text_fed_through_a_pipe_is_answered_before_the_next_arrives() {
    use std::io::BufRead;
    for csv in [false, true] {
        let mut args = vec!["score", "--no-tokens"];
        if csv {
            args.push("--csv");
        }
        let mut child = spawn(&args);
        let mut input = child.stdin.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let _ = tx.send(line.unwrap());
            }
        });
        // Generous: the answer is wanted before the input ends, not fast.
        let wait = std::time::Duration::from_secs(60);
        let first_line = if csv {
            writeln!(input, "text").unwrap();
            2
        } else {
            1
        };
        // The first text whole and half of the second, then the rest of the second.
        let text = POSITIVE[0];
        let (head, tail) = text.split_at(text.char_indices().nth(text.chars().count() / 2).unwrap().0);
        for (i, part) in [format!("{}\n{head}", NEGATIVE[0]), format!("{tail}\n")].iter().enumerate() {
            input.write_all(part.as_bytes()).unwrap();
            input.flush().unwrap();
            let answer =
                rx.recv_timeout(wait).unwrap_or_else(|_| panic!("csv {csv}: no answer while the pipe is open"));
            let row: serde_json::Value = serde_json::from_str(&answer).unwrap();
            assert_eq!(row["line"], first_line + i, "csv {csv}");
            assert_eq!(row["label"], if i == 0 { "negative" } else { "positive" }, "csv {csv}: {row}");
        }
        drop(input);
        assert!(child.wait().unwrap().success());
    }
}

#[test]
fn csv_column_is_scored() {
    let csv = "id,content\n1,\"好用,推荐\"\n2,太差了 退货\n";
    let out = yuqing(&["score", "--csv", "--column", "content", "--no-tokens"], csv.as_bytes());
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["label"], "positive");
    assert_eq!(rows[1]["label"], "negative");
    let out = yuqing(&["score", "--csv", "--column", "text"], csv.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column \"text\""));
}

#[test]
fn eval_reports_metrics_and_learn_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("labeled.csv");
    let mut body = String::from("label,text\n");
    for (i, p) in POSITIVE.iter().enumerate() {
        body.push_str(&format!("1,\"{p}\"\n0,\"{}\"\n", NEGATIVE[i]));
    }
    std::fs::write(&csv, &body).unwrap();
    let out = yuqing(&["eval", csv.to_str().unwrap(), "--json"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report[0]["documents"], 20);
    let c = &report[0]["confusion"];
    let right = c["tp"].as_u64().unwrap() + c["tn"].as_u64().unwrap();
    assert!((report[0]["accuracy"].as_f64().unwrap() - right as f64 / 20.0).abs() < 1e-9);
    assert!(right >= 19);

    // Learn a lexicon from the same texts into a copy of the lexicon directory, then use it.
    let lex = dir.path().join("lexicons");
    std::fs::create_dir(&lex).unwrap();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/lexicons")).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            std::fs::copy(entry.path(), lex.join(entry.file_name())).unwrap();
        }
    }
    let out_tsv = lex.join("sentiment.tsv");
    let out = yuqing(
        &[
            "--lexicons",
            lex.to_str().unwrap(),
            "lexicon",
            "learn",
            csv.to_str().unwrap(),
            "--min-docs",
            "1",
            "-o",
            out_tsv.to_str().unwrap(),
        ],
        b"",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(&out_tsv).unwrap();
    assert!(written.contains("labeled.csv (review): 20 texts, 10 positive"), "{written}");
    // One domain learned: every domain reads the new shared weights, none the shipped offsets.
    let social = std::fs::read_to_string(lex.join("sentiment.social.tsv")).unwrap();
    assert!(social.contains("No offsets"), "{social}");
    assert!(!written.contains("不会再住了"), "texts are never copied into the lexicon");
    let out = yuqing(&["--lexicons", lex.to_str().unwrap(), "eval", csv.to_str().unwrap()], b"");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("accuracy 1.0000"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn bad_inputs_to_eval_and_config_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("x.csv");
    std::fs::write(&csv, "score,body\n1,好\n").unwrap();
    let out = yuqing(&["eval", csv.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column \"text\""));

    let config = dir.path().join("yuqing.toml");
    std::fs::write(&config, "[sentiment]\nneutral_band = 0.1\nlexicon = \"x\"\n").unwrap();
    let out = yuqing(&["--config", config.to_str().unwrap(), "score"], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("yuqing.toml") && err.contains("line 3") && err.contains("unknown field `lexicon`"), "{err}");

    let out = yuqing(&["--lexicons", "/nonexistent/dir", "score"], b"");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--lexicons /nonexistent/dir: not a directory"));
}

#[test]
fn crawl_runs_only_the_named_sources_and_names_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sources")).unwrap();
    // Two feeds on a closed local port: a crawl of one fails to connect and says so by name.
    for name in ["alpha", "beta"] {
        let definition =
            format!("kind = \"news\"\nurls = [\"http://127.0.0.1:9/{name}.xml\"]\n[list]\nformat = \"feed\"\n");
        std::fs::write(dir.path().join(format!("sources/{name}.toml")), definition).unwrap();
    }
    let crawl = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_yuqing"))
            .arg("crawl")
            .args(args)
            .current_dir(dir.path())
            .env_remove("RUST_LOG")
            .output()
            .expect("start yuqing")
    };
    let out = crawl(&["--source", "beta"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "a source with errors: {stdout}");
    assert!(stdout.contains("beta: 0 pages") && stdout.contains("http://127.0.0.1:9/beta.xml"), "{stdout}");
    assert!(!stdout.contains("alpha"), "only the named source runs: {stdout}");

    let out = crawl(&["--source", "gamma"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no source named \"gamma\"") && stderr.contains("alpha, beta"), "{stderr}");
}

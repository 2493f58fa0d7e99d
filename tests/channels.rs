//! Alert channels against a local receiver on 127.0.0.1 that checks each robot's payload shape
//! and signature the way the real services do, refuses like them, and fails once to test retries.

mod common;

use yuqing::sentiment::RiskCategory;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, Query, State};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use yuqing::alert::channels::{Channel, ChannelConfig, ChannelKind, Notice};
use yuqing::alert::{Alert, Basis, Severity, TopPost, Verdict};
use yuqing::index::terms::RisingTerm;

const DING_SECRET: &str = "SEC0123456789abcdef";
const FEISHU_SECRET: &str = "feishu-secret";

/// What the receiver got: (robot, query, body).
type Got = Arc<Mutex<Vec<(String, HashMap<String, String>, Value)>>>;

fn b64_hmac(key: &[u8], msg: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn robot(
    State(got): State<Got>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> (axum::http::StatusCode, Json<Value>) {
    let before = {
        let mut g = got.lock().unwrap();
        g.push((name.clone(), q.clone(), body.clone()));
        g.iter().filter(|(n, _, _)| *n == name).count() - 1
    };
    let ok = (axum::http::StatusCode::OK, Json(json!({"errcode": 0, "errmsg": "ok"})));
    match name.as_str() {
        "dingtalk" => {
            let ts = q.get("timestamp").cloned().unwrap_or_default();
            let want = b64_hmac(DING_SECRET.as_bytes(), format!("{ts}\n{DING_SECRET}").as_bytes());
            if q.get("sign") != Some(&want) {
                return (axum::http::StatusCode::OK, Json(json!({"errcode": 310000, "errmsg": "sign not match"})));
            }
            ok
        }
        "feishu" => {
            let ts = body["timestamp"].as_str().unwrap_or_default();
            let want = b64_hmac(format!("{ts}\n{FEISHU_SECRET}").as_bytes(), b"");
            if body["sign"] != want {
                return (axum::http::StatusCode::OK, Json(json!({"code": 19021, "msg": "sign match fail"})));
            }
            (axum::http::StatusCode::OK, Json(json!({"code": 0, "msg": "success"})))
        }
        "flaky" if before == 0 => (axum::http::StatusCode::BAD_GATEWAY, Json(json!({}))),
        _ => ok,
    }
}

fn alert() -> Alert {
    Alert {
        watch: "华为".into(),
        verdict: Verdict {
            start: "2026-11-10T16:00:00Z".parse().unwrap(),
            observed: 31,
            expected: 3.2,
            p_value: 1e-12,
            basis: Basis::HourOfWeek,
            dispersion: None,
            negative_share: 0.62,
            usual_share: 0.12,
            severity: Some(Severity::Critical),
        },
        rising_terms: vec![
            RisingTerm { term: "起火".into(), mentions: 25, before: 0, lift: 80.0 },
            RisingTerm { term: "[召回](http://evil)".into(), mentions: 9, before: 1, lift: 12.0 },
        ],
        risks: vec![(RiskCategory::Quality, 28), (RiskCategory::Legal, 9)],
        emotions: Vec::new(),
        aspects: Vec::new(),
        top_posts: vec![
            TopPost {
                id: "wb:1".into(),
                source: "weibo".into(),
                url: "https://m.weibo.cn/detail/1".into(),
                text: "Mate 60 充电时起火了".into(),
                published_at: "2026-11-10T16:05:00Z".parse().unwrap(),
                engagement: 1200,
                cluster: 7,
            },
            TopPost {
                id: "tb:2".into(),
                source: "tieba".into(),
                url: "javascript:alert(1)".into(),
                text: "<script>alert(1)</script>".into(),
                published_at: "2026-11-10T16:09:00Z".parse().unwrap(),
                engagement: 30,
                cluster: 8,
            },
        ],
        incident: None,
    }
}

fn config(kind: ChannelKind, url_env: &str, secret_env: Option<&str>) -> ChannelConfig {
    ChannelConfig {
        kind,
        name: None,
        url_env: Some(url_env.into()),
        secret_env: secret_env.map(str::to_string),
        from: None,
        to: Vec::new(),
        per_minute: 20,
        attempts: 2,
        retry_ms: 10,
    }
}

#[test]
fn each_robot_gets_its_own_shape_and_a_valid_signature() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let got = Got::default();
    let origin = runtime.block_on(common::serve(
        axum::Router::new().route("/robot/{name}", axum::routing::post(robot)).with_state(got.clone()),
    ));
    // SAFETY: the only test of this binary; set before any other thread reads the environment.
    unsafe {
        for name in ["dingtalk", "feishu", "wecom", "slack", "webhook", "flaky"] {
            std::env::set_var(format!("T_{name}_URL"), format!("{origin}/robot/{name}?access_token=abc"));
        }
        std::env::set_var("T_DING_SECRET", DING_SECRET);
        std::env::set_var("T_FEISHU_SECRET", FEISHU_SECRET);
        std::env::set_var("T_WRONG_SECRET", "not-the-secret");
    }
    let channels = [
        config(ChannelKind::Dingtalk, "T_dingtalk_URL", Some("T_DING_SECRET")),
        config(ChannelKind::Feishu, "T_feishu_URL", Some("T_FEISHU_SECRET")),
        config(ChannelKind::Wecom, "T_wecom_URL", None),
        config(ChannelKind::Slack, "T_slack_URL", None),
        config(ChannelKind::Webhook, "T_webhook_URL", None),
        ChannelConfig { name: Some("flaky".into()), ..config(ChannelKind::Webhook, "T_flaky_URL", None) },
        ChannelConfig {
            name: Some("wrong-secret".into()),
            ..config(ChannelKind::Dingtalk, "T_dingtalk_URL", Some("T_WRONG_SECRET"))
        },
    ];
    let client = reqwest::Client::new();
    let a = Notice::alert(&alert());
    let deliveries = runtime.block_on(async {
        let mut out = Vec::new();
        for c in channels {
            out.push(Channel::new(c).unwrap().send(&client, &a).await);
        }
        out
    });
    let by = |name: &str| deliveries.iter().find(|d| d.channel == name).unwrap();
    for name in ["dingtalk", "feishu", "wecom", "slack", "webhook"] {
        assert!(by(name).delivered && by(name).attempts == 1, "{:?}", by(name));
    }
    // A 502 is retried; a refused signature is reported with the robot's words.
    assert!(by("flaky").delivered && by("flaky").attempts == 2, "{:?}", by("flaky"));
    let wrong = by("wrong-secret");
    assert!(!wrong.delivered && wrong.error.as_deref().unwrap().contains("code 310000 sign not match"), "{wrong:?}");

    let got = got.lock().unwrap();
    let body = |name: &str| got.iter().find(|(n, _, _)| n == name).map(|(_, _, b)| b.clone()).unwrap();
    robots_read_their_dialects(&body);

    // A missing variable is named.
    let err = Channel::new(config(ChannelKind::Wecom, "T_NOT_SET_URL", None)).err().unwrap();
    assert_eq!(
        err.to_string(),
        "channel wecom: the webhook URL needs the environment variable T_NOT_SET_URL, which is not set"
    );
    email_goes_out_over_smtp_with_credentials_from_the_environment();
}

/// Called from the test above with each robot's body: each gets the same words in its own dialect.
fn robots_read_their_dialects(body: &dyn Fn(&str) -> Value) {
    // src/render.rs cites each one's rule.
    let ding = body("dingtalk");
    assert_eq!(ding["msgtype"], "markdown");
    assert_eq!(ding["markdown"]["title"], "【舆情严重】华为：负面声量激增 31 条（平时约 3.2 条）");
    let text = ding["markdown"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("### 【舆情严重】华为：负面声量激增 31 条（平时约 3.2 条）\n\n- 时段：2026-11-11 00:00"),
        "{text}"
    );
    assert!(text.contains("- 负面提及：31 条，平时约 3.2 条（依据：前几周同一时段的平均）"), "{text}");
    assert!(text.contains("- 罕见程度：极罕见（若只是平常波动，出现这么多负面的可能不到万亿分之一）"), "{text}");
    assert!(text.contains("起火（本时段 25 条，前 7 天共 0 条）"), "{text}");
    // Crawled text cannot become a link: DingTalk documents no escape, so full-width forms.
    assert!(text.contains("［召回］（http://evil）（本时段 9 条，前 7 天共 1 条）"), "{text}");
    // The evidence: risk categories in words, top posts linked only when the link is a web link.
    assert!(text.contains("- 风险类别：质量安全 28 条、法律监管 9 条"), "{text}");
    assert!(text.contains("1. [Mate 60 充电时起火了](https://m.weibo.cn/detail/1)（weibo，互动 1200）"), "{text}");
    assert!(text.contains("2. ＜script＞alert（1）＜/script＞（tieba"), "{text}");
    assert!(!text.contains("javascript:") && !text.contains('\\'), "{text}");
    let wecom = body("wecom")["markdown"]["content"].as_str().unwrap().to_string();
    assert!(wecom.contains("［召回］（http://evil）") && wecom.contains("1. [Mate 60 充电时起火了]("), "{wecom}");
    let feishu = body("feishu");
    assert_eq!(feishu["msg_type"], "interactive");
    assert_eq!(feishu["card"]["header"]["title"]["content"], "【舆情严重】华为：负面声量激增 31 条（平时约 3.2 条）");
    let lark = &feishu["card"]["elements"][0]["text"];
    assert_eq!(lark["tag"], "lark_md");
    let lark = lark["content"].as_str().unwrap();
    assert!(lark.starts_with("- 时段：") && !lark.contains("###"), "the title is the card's header: {lark}");
    assert!(lark.contains("&#91;召回&#93;&#40;http&#58;//evil&#41;") && lark.contains("&#60;script&#62;"), "{lark}");
    assert!(lark.contains("1. [Mate 60 充电时起火了](https://m.weibo.cn/detail/1)"), "{lark}");
    let slack = body("slack");
    let section = &slack["blocks"][0]["text"];
    assert_eq!((section["type"].as_str(), section["verbatim"].as_bool()), (Some("mrkdwn"), Some(true)));
    let mrkdwn = section["text"].as_str().unwrap();
    assert!(mrkdwn.starts_with("*【舆情严重】华为") && mrkdwn.contains("• 罕见程度：极罕见"), "{mrkdwn}");
    assert!(mrkdwn.contains("1. <https://m.weibo.cn/detail/1|Mate 60 充电时起火了>"), "{mrkdwn}");
    assert!(mrkdwn.contains("2. &lt;script&gt;alert(1)&lt;/script&gt;") && !mrkdwn.contains("<script"), "{mrkdwn}");
    let hook = body("webhook");
    assert_eq!((hook["alert"]["watch"].as_str(), hook["alert"]["observed"].as_u64()), (Some("华为"), Some(31)));
    assert_eq!(hook["alert"]["severity"], "critical");
    // The webhook: CommonMark (backslash escapes), plain text, and the numbers themselves.
    assert!(hook["markdown"].as_str().unwrap().contains("\\[召回\\]\\(http://evil\\)"), "{hook}");
    let plain = hook["text"].as_str().unwrap();
    assert!(plain.contains("• 上升词（含该词的提及）：起火（本时段 25 条") && !plain.contains('\\'), "{plain}");
    assert_eq!(hook["alert"]["p_value"], 1e-12);
}

/// Called from the test above: the environment is set from one thread only.
fn email_goes_out_over_smtp_with_credentials_from_the_environment() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (url, mails) = runtime.block_on(common::smtp_receiver());
    let email = |url_env: &str| ChannelConfig {
        kind: ChannelKind::Email,
        from: Some("舆情监测 <alerts@example.com>".into()),
        to: vec!["pr@example.com".into(), "ceo@example.com".into()],
        ..config(ChannelKind::Email, url_env, None)
    };
    // SAFETY: this binary's only test runs this; no other thread reads the environment.
    unsafe {
        std::env::set_var("T_SMTP_URL", &url);
        std::env::set_var("T_SMTP_PLAIN_REMOTE", "smtp://u:secret@smtp.example.com:25");
    }
    let channel = Channel::new(email("T_SMTP_URL")).unwrap();
    let delivery = runtime.block_on(channel.send(&reqwest::Client::new(), &Notice::alert(&alert())));
    assert!(delivery.delivered, "{delivery:?}");
    let mails = mails.lock().unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["<pr@example.com>", "<ceo@example.com>"]);
    assert!(mails[0].from.contains("alerts@example.com"));
    // The subject is the alert's title (encoded), the body its Markdown.
    assert!(mails[0].data.contains("Subject: =?utf-8?"), "{}", mails[0].data);
    assert!(mails[0].data.to_lowercase().contains("content-type: text/plain"), "{}", mails[0].data);

    // A password over plain SMTP to another machine is refused, naming the variable.
    let err = Channel::new(email("T_SMTP_PLAIN_REMOTE")).err().unwrap().to_string();
    assert!(err.contains("T_SMTP_PLAIN_REMOTE sends a password without encryption"), "{err}");
    // An address that is not one is named.
    let bad = ChannelConfig { to: vec!["not an address".into()], ..email("T_SMTP_URL") };
    let err = Channel::new(bad).err().unwrap().to_string();
    assert!(err.contains("to \"not an address\" is not an e-mail address"), "{err}");
}

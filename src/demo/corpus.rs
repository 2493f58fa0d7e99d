//! The demo's mentions: four weeks of three (fictional) phone brands on a shop, a social feed
//! and a Q&A forum, written from sentence templates and phrase lists of our own, with a daily
//! rhythm (times on whole minutes, as the pages print them), and a scripted crisis in the last 30 hours: 极光 X5 batteries catching fire (起火,
//! 爆炸, 召回, 维权), with reposts. Deterministic for a given start time, so a test can count
//! what the demo site serves.

use jiff::{SignedDuration, Timestamp};

/// The brands: name, models, mentions an hour at the daily mean.
pub const BRANDS: [(&str, &[&str], f64); 3] = [
    ("极光", &["X5", "X5 Pro", "Note 12", "Air 3"], 2.0),
    ("星河", &["S3", "S3 Ultra", "Lite 2"], 1.5),
    ("青橙", &["Pro 8", "Pro 8 mini", "Z1"], 1.0),
];
/// The brand in crisis and its model.
pub const CRISIS_BRAND: &str = "极光";
pub const CRISIS_MODEL: &str = "X5";
/// Hours of history before the current hour.
pub const HISTORY_HOURS: i64 = 28 * 24;
/// The crisis starts this many hours before the current hour.
pub const CRISIS_HOURS_AGO: i64 = 30;
/// Negative crisis posts per hour from its first hour on.
const CRISIS_CURVE: [u32; 30] =
    [14, 26, 34, 28, 22, 18, 12, 9, 6, 4, 3, 3, 4, 6, 9, 12, 15, 16, 14, 12, 10, 9, 8, 8, 9, 10, 12, 11, 9, 8];

const POSITIVE: [&str; 14] = [
    "拍照清晰",
    "夜景拍得很干净",
    "续航给力",
    "一天一充没问题",
    "系统流畅不卡顿",
    "屏幕显示细腻",
    "手感很好",
    "外观漂亮",
    "充电速度快",
    "信号稳定",
    "做工扎实",
    "音质不错",
    "性价比很高",
    "散热做得好",
];
const NEGATIVE: [&str; 10] = [
    "发热有点严重",
    "续航一般",
    "系统偶尔卡顿",
    "屏幕有划痕",
    "信号不太稳定",
    "充电有点慢",
    "价格偏贵",
    "广告太多",
    "摄像头进灰",
    "指纹解锁不灵敏",
];
const SERVICE_GOOD: [&str; 4] = ["客服态度很好", "物流很快", "包装完好", "售后处理及时"];
const SERVICE_BAD: [&str; 4] = ["客服回复太慢", "物流太慢了", "包装破损", "售后推来推去"];
const OPENERS: [&str; 8] =
    ["", "用了一周，", "入手半个月了，", "给老妈买的，", "第二次买了，", "刚拿到手，", "换机一个月，", "双十一买的，"];
const GOOD_ENDS: [&str; 6] = ["很满意", "推荐购买", "五星好评", "会回购", "值得入手", "超出预期"];
const BAD_ENDS: [&str; 6] = ["有点失望", "不太推荐", "差评", "后悔买了", "希望改进", "体验很差"];
const NEWS: [&str; 6] = [
    "{b}新品发布会定在下周三晚上",
    "{b}{m}今天开始预售",
    "{b}{m}官方降价{n}元",
    "{b}线下门店周末有活动",
    "{b}{m}新配色上架了",
    "{b}公布了新的系统更新计划",
];
const QUESTIONS: [&str; 5] =
    ["{b}{m}值得买吗？", "{b}{m}续航怎么样？", "{b}{m}和{o}怎么选？", "{b}{m}拍照效果如何？", "{b}{m}发热严重吗？"];
const CRISIS: [&str; 8] = [
    "{b}{m}充电的时候起火了！{d}，要求召回",
    "刚刷到{b}{m}电池爆炸的视频，太吓人了，{d}",
    "{b}{m}起火事件已经第{n}起了，官方还不召回？",
    "买了{b}{m}的赶紧看看，我的充电时也发烫冒烟，不敢用了，怕起火爆炸",
    "{b}{m}起火维权群已建，受害者一起维权，已投诉12315",
    "{b}客服对{m}起火问题推来推去，必须给个说法，要求召回",
    "转发：{b}{m}电池起火爆炸，请大家注意安全，{d}",
    "还好买的不是{b}{m}，起火爆炸太可怕了，坐等召回",
];
const CRISIS_OPENERS: [&str; 8] =
    ["", "天哪，", "求扩散！", "急！", "真的后怕，", "说个真事，", "朋友圈都在传，", "昨晚的事，"];
const CRISIS_ENDS: [&str; 6] = ["", "[怒]", "大家小心", "太可怕了", "已经报警了", "等官方说法"];
const CRISIS_DETAILS: [&str; 8] = [
    "床单都烧了",
    "幸好人没事",
    "孩子差点受伤",
    "消防都来了",
    "家里一股焦味",
    "视频已经上热搜了",
    "手都烫伤了",
    "半夜被烟呛醒",
];
const USERS: [&str; 12] = [
    "数码小王",
    "j***9",
    "阿喵",
    "老李说机",
    "m***e",
    "风过无痕",
    "科技宅",
    "z***1",
    "橙子",
    "路人甲",
    "小鱼儿",
    "星辰",
];

/// Where a mention appears on the demo site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A product review on the shop (GBK pages with stars).
    Review,
    /// A post on the social feed.
    Post,
    /// An answer under a question on the Q&A forum.
    Answer,
}

/// One mention as the demo site serves it.
#[derive(Debug, Clone)]
pub struct DemoMention {
    pub id: String,
    pub place: Place,
    /// Index into [`BRANDS`].
    pub brand: usize,
    /// Shop product id, e.g. `jiguang-x5` (reviews).
    pub product: String,
    pub text: String,
    pub author: String,
    pub at: Timestamp,
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
    /// Shop stars, 1–5 (reviews).
    pub stars: u8,
    /// The question it answers (answers).
    pub question: usize,
    /// Part of the scripted crisis.
    pub crisis: bool,
}

/// A question on the Q&A forum.
#[derive(Debug, Clone)]
pub struct Question {
    pub id: usize,
    pub title: String,
    pub at: Timestamp,
}

/// Everything the demo site serves, newest first.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub mentions: Vec<DemoMention>,
    pub questions: Vec<Question>,
    /// The first hour of the crisis.
    pub crisis_start: Timestamp,
    /// Where the timeline ends: the start of the hour the demo was started in.
    pub end: Timestamp,
}

/// A product id for the shop's URLs: brand pinyin and model.
pub fn product_id(brand: usize, model: &str) -> String {
    let pinyin = ["jiguang", "xinghe", "qingcheng"][brand];
    format!("{pinyin}-{}", model.to_lowercase().replace(' ', "-"))
}

/// Every shop product id.
pub fn products() -> Vec<String> {
    BRANDS.iter().enumerate().flat_map(|(b, (_, models, _))| models.iter().map(move |m| product_id(b, m))).collect()
}

/// More mentions at evening hours, few at night (hour of day in Shanghai).
fn rhythm(local_hour: i64) -> f64 {
    match local_hour {
        0..=1 => 0.6,
        2..=6 => 0.25,
        7..=9 => 0.9,
        10..=18 => 1.1,
        19..=22 => 1.6,
        _ => 1.0,
    }
}

fn poisson(rng: &mut fastrand::Rng, mean: f64) -> u32 {
    let (limit, mut k, mut p) = ((-mean).exp(), 0, 1.0);
    loop {
        p *= rng.f64();
        if p <= limit {
            return k;
        }
        k += 1;
    }
}

fn pick<'a>(rng: &mut fastrand::Rng, list: &[&'a str]) -> &'a str {
    list[rng.usize(..list.len())]
}

fn fill(template: &str, brand: &str, model: &str, other: &str, n: u32, detail: &str) -> String {
    template
        .replace("{b}", brand)
        .replace("{m}", model)
        .replace("{o}", other)
        .replace("{n}", &n.to_string())
        .replace("{d}", detail)
}

/// An ordinary opinion of `brand model`: positive, negative, mixed or news-like.
fn opinion(rng: &mut fastrand::Rng, brand: &str, model: &str, place: Place) -> (String, u8) {
    let roll = rng.f64();
    let opener = pick(rng, &OPENERS);
    if roll < 0.55 {
        let (a, b) = (pick(rng, &POSITIVE), pick(rng, &SERVICE_GOOD));
        let text = format!("{opener}{brand}{model}{a}，{b}，{}", pick(rng, &GOOD_ENDS));
        (text, 4 + rng.u8(0..2))
    } else if roll < 0.72 {
        let (a, b) = (pick(rng, &NEGATIVE), pick(rng, &SERVICE_BAD));
        let text = format!("{opener}{brand}{model}{a}，{b}，{}", pick(rng, &BAD_ENDS));
        (text, 1 + rng.u8(0..2))
    } else if roll < 0.85 || place == Place::Review {
        let text = format!("{opener}{brand}{model}{}，但是{}，总体还行", pick(rng, &POSITIVE), pick(rng, &NEGATIVE));
        (text, 3)
    } else {
        let other = BRANDS[rng.usize(..BRANDS.len())].0;
        (fill(pick(rng, &NEWS), brand, model, other, 100 * rng.u32(1..6), ""), 3)
    }
}

/// The demo's mentions for a site started at `now`.
pub fn generate(now: Timestamp) -> Corpus {
    let hour = SignedDuration::from_hours(1);
    let current = Timestamp::from_second(now.as_second().div_euclid(3600) * 3600).expect("an hour start");
    let crisis_start = current - hour * CRISIS_HOURS_AGO as i32;
    let mut g = Generator {
        rng: fastrand::Rng::with_seed(20261123),
        crng: fastrand::Rng::with_seed(119),
        crisis_question: None,
        mentions: Vec::new(),
        questions: Vec::new(),
        open: [None; 3],
        next_id: 0,
        seen: Default::default(),
    };
    for k in (1..=HISTORY_HOURS).rev() {
        let start = current - hour * k as i32;
        g.ordinary_hour(start);
        // The crisis: 极光 X5 catching fire, mostly on the social feed; its own random stream, so
        // that it reads the same whatever hour the demo starts at.
        let since_crisis = (start.as_second() - crisis_start.as_second()) / 3600;
        if (0..CRISIS_CURVE.len() as i64).contains(&since_crisis) {
            g.crisis_hour(start, since_crisis as usize);
        }
    }
    let Generator { mut mentions, mut questions, .. } = g;
    mentions.sort_by(|a, b| b.at.cmp(&a.at).then(a.id.cmp(&b.id)));
    questions.sort_by_key(|q| std::cmp::Reverse(q.at));
    Corpus { mentions, questions, crisis_start, end: current }
}

/// What [`generate`] builds up, hour by hour.
struct Generator {
    /// The ordinary mentions' random stream.
    rng: fastrand::Rng,
    /// The crisis's own random stream.
    crng: fastrand::Rng,
    crisis_question: Option<usize>,
    mentions: Vec<DemoMention>,
    questions: Vec<Question>,
    /// The open question per brand, replaced each local day.
    open: [Option<(usize, i64)>; 3],
    next_id: usize,
    /// Every text so far, normalized.
    seen: std::collections::HashSet<String>,
}

impl Generator {
    /// The three brands' ordinary mentions of the hour starting at `start`.
    fn ordinary_hour(&mut self, start: Timestamp) {
        let local_hour = (start.as_second() / 3600 + 8).rem_euclid(24);
        let day = (start.as_second() + 8 * 3600).div_euclid(86_400);
        let rng = &mut self.rng;
        for (b, (brand, models, rate)) in BRANDS.iter().enumerate() {
            let n = poisson(rng, rate * rhythm(local_hour));
            for _ in 0..n {
                let model = pick(rng, models);
                let place = match rng.f64() {
                    r if r < 0.4 => Place::Review,
                    r if r < 0.8 => Place::Post,
                    _ => Place::Answer,
                };
                let (text, stars) = unique(&mut self.seen, rng, |rng| opinion(rng, brand, model, place));
                let at = start + SignedDuration::from_mins(rng.i64(0..60));
                self.next_id += 1;
                let question = if place == Place::Answer {
                    ask(rng, &mut self.seen, &mut self.open, &mut self.questions, b, model, day, at)
                } else {
                    0
                };
                self.mentions.push(DemoMention {
                    id: format!("{}{}", prefix(place), self.next_id),
                    place,
                    brand: b,
                    product: product_id(b, model),
                    text,
                    author: pick(rng, &USERS).to_string(),
                    at,
                    likes: rng.u64(0..40),
                    reposts: if place == Place::Post { rng.u64(0..10) } else { 0 },
                    replies: rng.u64(0..8),
                    stars,
                    question,
                    crisis: false,
                });
            }
        }
    }

    /// The crisis posts of its `since_crisis`-th hour, starting at `start`.
    fn crisis_hour(&mut self, start: Timestamp, since_crisis: usize) {
        let b = BRANDS.iter().position(|(name, _, _)| *name == CRISIS_BRAND).expect("the crisis brand");
        let crng = &mut self.crng;
        for _ in 0..CRISIS_CURVE[since_crisis] {
            let place = match crng.f64() {
                r if r < 0.7 => Place::Post,
                r if r < 0.85 => Place::Review,
                _ => Place::Answer,
            };
            let (text, _) = unique(&mut self.seen, crng, |rng| {
                let detail = pick(rng, &CRISIS_DETAILS);
                let core = fill(pick(rng, &CRISIS), CRISIS_BRAND, CRISIS_MODEL, "", rng.u32(2..30), detail);
                let (opener, end) = (pick(rng, &CRISIS_OPENERS), pick(rng, &CRISIS_ENDS));
                let bare = end.is_empty() || end.starts_with('[') || core.ends_with(['？', '！']);
                (format!("{opener}{core}{}{end}", if bare { "" } else { "，" }), 1)
            });
            // The first hours' posts spread widely.
            let heat = if since_crisis < 4 { 40 } else { 8 };
            let at = start + SignedDuration::from_mins(crng.i64(0..60));
            self.next_id += 1;
            // One crisis question gathers the answers (its own slot, so the brand's daily
            // questions do not interleave with it).
            let question = if place == Place::Answer {
                let (seen, questions) = (&mut self.seen, &mut self.questions);
                *self.crisis_question.get_or_insert_with(|| {
                    let mut slot = [None; 3];
                    ask(crng, seen, &mut slot, questions, b, CRISIS_MODEL, -1, at)
                })
            } else {
                0
            };
            self.mentions.push(DemoMention {
                id: format!("{}{}", prefix(place), self.next_id),
                place,
                brand: b,
                product: product_id(b, CRISIS_MODEL),
                text,
                author: format!("{}{}", pick(crng, &USERS), crng.u32(1..999)),
                at,
                likes: crng.u64(0..heat * 30),
                reposts: if place == Place::Post { crng.u64(0..heat * 10) } else { 0 },
                replies: crng.u64(0..heat * 3),
                stars: 1,
                question,
                crisis: true,
            });
        }
    }
}

/// A text no earlier mention has (the index keeps one of exact copies, so every demo mention is
/// distinct and the counts stay countable): tries again, then adds how long it has been used.
fn unique(
    seen: &mut std::collections::HashSet<String>,
    rng: &mut fastrand::Rng,
    mut make: impl FnMut(&mut fastrand::Rng) -> (String, u8),
) -> (String, u8) {
    for attempt in 0.. {
        let (mut text, stars) = make(rng);
        if attempt >= 12 {
            text.push_str(&format!("（已用{}天）", rng.u32(2..400)));
        }
        if seen.insert(crate::text::normalize(&text)) {
            return (text, stars);
        }
    }
    unreachable!("the loop returns")
}

fn prefix(place: Place) -> &'static str {
    match place {
        Place::Review => "r",
        Place::Post => "s",
        Place::Answer => "a",
    }
}

/// The question an answer at `at` goes under: the brand's question of the local day (a new one
/// each day, or for the crisis, `day` -1: one crisis question).
#[allow(clippy::too_many_arguments)]
fn ask(
    rng: &mut fastrand::Rng,
    seen: &mut std::collections::HashSet<String>,
    open: &mut [Option<(usize, i64)>; 3],
    questions: &mut Vec<Question>,
    brand: usize,
    model: &str,
    day: i64,
    at: Timestamp,
) -> usize {
    if let Some((id, d)) = open[brand]
        && d == day
    {
        return id;
    }
    let (name, _, _) = BRANDS[brand];
    let other = BRANDS[(brand + 1) % BRANDS.len()].0;
    let (title, _) = unique(seen, rng, |rng| {
        let title = if day < 0 {
            format!("{name}{model}起火了怎么办？维权找哪里？")
        } else {
            fill(pick(rng, &QUESTIONS), name, model, other, 0, "")
        };
        (title, 0)
    });
    let id = questions.len() + 1;
    questions.push(Question { id, title, at: at - SignedDuration::from_mins(rng.i64(5..50)) });
    open[brand] = Some((id, day));
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_weeks_with_a_crisis_at_the_end() {
        let now: Timestamp = "2026-11-23T06:20:00Z".parse().unwrap();
        let c = generate(now);
        assert_eq!(generate(now).mentions.len(), c.mentions.len(), "deterministic");
        let crisis = c.mentions.iter().filter(|m| m.crisis).count();
        assert_eq!(crisis, CRISIS_CURVE.iter().sum::<u32>() as usize);
        assert!(c.mentions.len() > 2500 && c.mentions.len() < 5000, "{}", c.mentions.len());
        assert!(c.mentions.iter().all(|m| m.at < now && m.at >= now - SignedDuration::from_hours(HISTORY_HOURS + 1)));
        for place in [Place::Review, Place::Post, Place::Answer] {
            assert!(c.mentions.iter().filter(|m| m.place == place).count() > 300);
        }
        let texts: std::collections::HashSet<String> =
            c.mentions.iter().map(|m| crate::text::normalize(&m.text)).collect();
        assert_eq!(texts.len(), c.mentions.len(), "every text distinct after normalization");
    }

    #[test]
    fn the_crisis_reads_the_same_whatever_hour_the_demo_starts() {
        // (hour of the crisis, text), in a stable order.
        let crisis = |now: &str| -> Vec<(i64, String)> {
            let c = generate(now.parse().unwrap());
            let mut v: Vec<(i64, String)> = c
                .mentions
                .into_iter()
                .filter(|m| m.crisis)
                .map(|m| ((m.at.as_second() - c.crisis_start.as_second()) / 3600, m.text))
                .collect();
            v.sort();
            v
        };
        let morning = crisis("2026-11-23T01:20:00Z");
        assert_eq!(morning, crisis("2026-11-23T13:45:00Z"));
        let morning: Vec<String> = morning.into_iter().map(|(_, t)| t).collect();
        assert!(morning.iter().filter(|t| t.contains("爆炸")).count() > morning.len() / 5);
    }
}

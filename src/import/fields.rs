//! Recognising single fields in the text of a letter, as real letters print them: 文号, dates, reply
//! classes, committees and sessions, proposal numbers and titles, salutations, contact, 抄送, 印发 and
//! disclosure lines. Every function is pure, over one line or one paragraph of plain text (no
//! Markdown), and returns `None` rather than a guess.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid built-in pattern")
}

/// Full-width digits, Latin letters and the punctuation that appears inside dates and numbers
/// (`．－／`) as their ASCII forms; the ideographic space as a space. Everything else is kept.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '．' | '－' | '／' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '\u{3000}' | '\u{00A0}' => ' ',
            c => c,
        })
        .collect()
}

/// Han ideographs (and the CJK punctuation block) for "is this Chinese text" tests.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FF60}' | '\u{20000}'..='\u{3134F}')
}

/// Removes whitespace next to Chinese text (`提案的 答复函` → `提案的答复函`), keeping single spaces
/// between Latin words and digits.
pub fn close_cjk_gaps(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            let start = i;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            let before = start.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i).copied();
            if !(before.is_some_and(is_cjk) || after.is_some_and(is_cjk)) {
                out.push(' ');
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// 文号

/// A 文号 found in a line, in the standard form `温科提复〔2023〕98号`, and what else the line held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocNumber {
    pub value: String,
    /// The 文号 as printed, when it differs from `value`.
    pub printed: Option<String>,
    /// A reply class printed after it (`…98号（A类）`).
    pub class: Option<String>,
    /// A signer printed on the same line (`签发人：张三`).
    pub signer: Option<String>,
}

static DOC_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?P<prefix>[\p{Han}A-Za-z]{1,16})\s*[〔\[【［(（]\s*(?P<year>(?:19|20)\d{2})\s*[〕\]】］)）]\s*第?\s*(?P<serial>\d{1,5})\s*(?P<hao>号)?",
    )
});
static SIGNER: LazyLock<Regex> =
    LazyLock::new(|| re(r"签\s*发\s*人\s*[：:]\s*(?P<name>[\p{Han}·]{2,6})"));
static CLASS_AFTER: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[\s,，;；]*[（(【\[]?\s*(?P<class>[A-Da-d])\s*类?\s*[）)】\]]?\s*$"));

/// A line that is a 文号, possibly labelled (`文号：`), with a reply class or a signer beside it.
/// The line must hold nothing else, so a 文号 quoted in a sentence is not taken for the letter's own.
pub fn doc_number_line(line: &str) -> Option<DocNumber> {
    let line = fold(line);
    let m = DOC_NUMBER.captures(&line)?;
    let whole = m.get(0)?;
    let before = line[..whole.start()].trim();
    let before = before
        .trim_start_matches(['（', '('])
        .trim_start_matches("文号")
        .trim_start_matches([':', '：'])
        .trim();
    if !before.is_empty() {
        return None;
    }
    let mut rest = line[whole.end()..].to_owned();
    let found = SIGNER
        .captures(&rest)
        .map(|s| (s["name"].to_owned(), s.get(0).map_or(0..0, |g| g.range())));
    let signer = found.map(|(name, span)| {
        rest.replace_range(span, "");
        name
    });
    let class = if rest.trim().is_empty() {
        None
    } else {
        Some(CLASS_AFTER.captures(&rest)?["class"].to_ascii_uppercase())
    };
    let prefix = m["prefix"].trim_start_matches("文号");
    if prefix.is_empty() {
        return None;
    }
    let value = format!("{prefix}〔{}〕{}号", &m["year"], &m["serial"]);
    let printed = whole.as_str().trim().to_owned();
    Some(DocNumber {
        printed: (printed != value).then_some(printed),
        value,
        class,
        signer,
    })
}

// ---------------------------------------------------------------------------------------------
// Reply class (答复类别)

static CLASS_LINE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"^[（(【\[]\s*(?P<class>[A-Da-d])\s*类?\s*[）)】\]]\s*类?$"),
        re(r"^(?P<class>[A-Da-d])\s*类$"),
        re(
            r"^[（(]?\s*(?:答复|办理|办复)?(?:类别|类型|结果)\s*[：:]\s*[（(]?\s*(?P<class>[A-Da-d])\s*[）)]?\s*类?\s*[）)]?$",
        ),
    ]
});

/// A line that only states the reply class: `(A)类`, `（A类）`, `A类`, `答复类别：A类`. A bare `A` is
/// accepted only as the very first line of a letter (`first_line`).
pub fn class_line(line: &str, first_line: bool) -> Option<String> {
    let line = fold(line);
    let line = line.trim();
    if first_line && line.len() == 1 && matches!(line, "A" | "B" | "C" | "D") {
        return Some(line.to_owned());
    }
    CLASS_LINE
        .iter()
        .find_map(|r| r.captures(line))
        .map(|c| c["class"].to_ascii_uppercase())
}

// ---------------------------------------------------------------------------------------------
// Dates

/// A date as printed: a real calendar day, or one that does not exist (`2023年2月30日`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintedDate {
    Valid(NaiveDate),
    Impossible(String),
}

const ZH_DIGITS: &str = "〇零○OОo0一二三四五六七八九";
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?P<y>(?:19|20)\d{{2}}|[{ZH_DIGITS}]{{4}})\s*(?:年|[.\-/,，、])?\s*(?P<m>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*(?:月|[.\-/,，、])\s*(?P<d>\d{{1,2}}|[一二三四五六七八九十廿卅]{{1,4}})\s*[日号]?\s*[.。]?$"
    ))
});

/// A whole line (or line part) that is a date: `2023年6月28日`, `二〇二三年六月二十八日`,
/// `2023.6.28`, `2023-06-28`, and the malformed ones real letters contain (`2023年6月28`,
/// `2023 年 6 月 28 日`, `2023年06月28号`, `二0二三年六月廿八日`).
pub fn date(text: &str) -> Option<PrintedDate> {
    let text = fold(text);
    let text = text.trim();
    let c = DATE.captures(text)?;
    let year = zh_year(&c["y"])?;
    let month = zh_number(&c["m"])?;
    let day = zh_number(&c["d"])?;
    Some(match NaiveDate::from_ymd_opt(year as i32, month, day) {
        Some(d) => PrintedDate::Valid(d),
        None => PrintedDate::Impossible(text.to_owned()),
    })
}

fn zh_year(s: &str) -> Option<u32> {
    s.chars().try_fold(0u32, |acc, c| {
        let digit = match c {
            '0'..='9' => c.to_digit(10)?,
            '〇' | '零' | '○' | 'O' | 'О' | 'o' => 0,
            c => "一二三四五六七八九".chars().position(|d| d == c)? as u32 + 1,
        };
        Some(acc * 10 + digit)
    })
}

/// `28`, `二十八`, `十一`, `廿八`, `卅一` → the number.
fn zh_number(s: &str) -> Option<u32> {
    if let Ok(n) = s.parse::<u32>() {
        return Some(n);
    }
    let digit = |c: char| {
        "一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u32 + 1)
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', u] => Some(10 + digit(*u)?),
        ['廿', rest @ ..] => Some(20 + if rest.is_empty() { 0 } else { digit(rest[0])? }),
        ['卅', rest @ ..] => Some(30 + if rest.is_empty() { 0 } else { digit(rest[0])? }),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// A line ending in a date: `温州市科学技术局 2023年6月28日` → (`温州市科学技术局`, date).
pub fn text_then_date(line: &str) -> Option<(String, PrintedDate)> {
    let folded = fold(line);
    let folded = folded.trim();
    if folded.chars().count() > 80 {
        return None;
    }
    // The date is the longest tail that reads as one, behind some text.
    folded.char_indices().skip(1).find_map(|(at, _)| {
        let (head, tail) = folded.split_at(at);
        let d = date(tail)?;
        let head = head.trim();
        (!head.is_empty()).then(|| (head.to_owned(), d))
    })
}

// ---------------------------------------------------------------------------------------------
// Committee and session

/// The body a proposal came from and the session it was made at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committee {
    /// `市政协`, `区人大`, `县政协` …: the level of the place, then 政协 or 人大.
    pub committee: String,
    /// `十二届二次会议`, `十八届第四次会议`, `第十届五次会议`, as printed without the body's name.
    pub session: Option<String>,
}

const N: &str = r"(?:[一二三四五六七八九十]{1,4}|\d{1,2})";
static COMMITTEE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    let place = r"(?P<place>\p{Han}{0,10}?(?:自治区|自治州|自治县|省|市|区|县|州|旗|盟))";
    vec![
        // 市政协十二届二次会议 · 区人大十八届第四次会议 · 市政协第十二届委员会第二次会议
        re(&format!(
            r"{place}?(?P<body>政协|人大)(?P<ord>第?{N}届)(?:委员会|代表大会)?(?P<times>第?{N}次(?:全体)?会议)"
        )),
        // 政协盐池县第十届委员会五次会议
        re(&format!(
            r"(?P<body>政协){place}(?P<ord>第?{N}届)委员会(?P<times>第?{N}次(?:全体)?会议)"
        )),
        // 政协第十二届温州市委员会第二次会议
        re(&format!(
            r"(?P<body>政协)(?P<ord>第?{N}届){place}委员会(?P<times>第?{N}次(?:全体)?会议)"
        )),
        // 市十五届人大三次会议
        re(&format!(
            r"{place}(?P<ord>第?{N}届)(?P<body>人大|政协)(?P<times>第?{N}次(?:全体)?会议)"
        )),
        // 市第十二届人民代表大会第二次会议 · 县第十八届人民代表大会第三次会议
        re(&format!(
            r"{place}(?P<ord>第?{N}届)(?P<body>人民代表大会)(?:常务委员会)?(?P<times>第?{N}次(?:全体)?会议)"
        )),
        // 市政协 / 区人大 without a session (e.g. in a title)
        re(r"(?P<place>(?:自治区|自治州|自治县|省|市|区|县|州|旗|盟))(?P<body>政协|人大)"),
    ]
});

/// Finds the committee and session (`市政协十二届二次会议`) in a title or paragraph; with
/// `without_session`, also a committee named alone (`关于区人大第12号建议的答复函`).
pub fn committee(text: &str, without_session: bool) -> Option<Committee> {
    let text = fold(text);
    let shapes = if without_session {
        &COMMITTEE[..]
    } else {
        &COMMITTEE[..COMMITTEE.len() - 1]
    };
    shapes.iter().find_map(|r| {
        let c = r.captures(&text)?;
        let body = match &c["body"] {
            "人民代表大会" => "人大",
            b => b,
        };
        let level = c.name("place").map_or("", |p| level_of(p.as_str()));
        let session = match (c.name("ord"), c.name("times")) {
            (Some(o), Some(t)) => Some(format!("{}{}", o.as_str(), t.as_str())),
            _ => None,
        };
        Some(Committee {
            committee: format!("{level}{body}"),
            session,
        })
    })
}

/// `温州市` → `市`, `盐池县` → `县`, `宁夏回族自治区` → `自治区`.
fn level_of(place: &str) -> &str {
    for long in ["自治区", "自治州", "自治县"] {
        if place.ends_with(long) {
            return if long == "自治区" {
                long
            } else {
                &long[6..]
            };
        }
    }
    place.char_indices().last().map_or("", |(i, _)| &place[i..])
}

// ---------------------------------------------------------------------------------------------
// Proposal number and kind

/// A proposal's own number as printed (`494`, `0043`, `DH0271`), and the kind the text names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalNumber {
    pub number: String,
    pub kind: Option<&'static str>,
}

static NUMBER: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    let n = r"(?P<n>[A-Za-z]{0,4}\d{1,10}[A-Za-z]?)";
    vec![
        re(&format!(
            r"第\s*{n}\s*号\s*(?:代表|委员)?(?P<kind>提案|建议|议案)"
        )),
        re(&format!(
            r"(?P<kind>提案|建议|议案)\s*(?:编号|号)?\s*[：:]?\s*第?\s*{n}\s*号"
        )),
        re(&format!(
            r"(?P<kind>提案|建议|议案)(?:编号|号)\s*[：:]\s*{n}"
        )),
    ]
});

pub fn proposal_number(text: &str) -> Option<ProposalNumber> {
    let text = fold(text);
    NUMBER.iter().find_map(|r| {
        let c = r.captures(&text)?;
        Some(ProposalNumber {
            number: c["n"].to_owned(),
            kind: match &c["kind"] {
                "提案" => Some("提案"),
                "建议" => Some("建议"),
                "议案" => Some("议案"),
                _ => None,
            },
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Proposal title

/// The contents of every 《…》 in `text`, outermost only (nested 《》 stay inside).
fn book_titles(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '《' => {
                if depth == 0 {
                    start = i + c.len_utf8();
                }
                depth += 1;
            }
            '》' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push((start, text[start..i].to_owned()));
                }
            }
            _ => {}
        }
    }
    out
}

/// The proposal's title: the first 《…》 that names a 提案, 建议 or 议案, or else the 《…》 right after
/// `提出的`/`所提的`.
pub fn proposal_title(text: &str) -> Option<String> {
    let titles = book_titles(text);
    let clean = |t: &str| close_cjk_gaps(t);
    if let Some((_, t)) = titles.iter().find(|(_, t)| {
        ["提案", "建议", "议案"]
            .iter()
            .any(|k| t.trim_end().ends_with(k))
    }) {
        return Some(clean(t));
    }
    titles
        .iter()
        .find(|(start, _)| {
            let before = &text[..start.saturating_sub('《'.len_utf8())];
            ["提出的", "所提的", "提的", "提交的", "领衔的"]
                .iter()
                .any(|p| before.trim_end().ends_with(p))
        })
        .map(|(_, t)| clean(t))
}

// ---------------------------------------------------------------------------------------------
// Salutation and proposers

static ENUMERATOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:\*\*)?\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]|\d{1,2}\s*[、.．)）]|[①-⑳]|第[一二三四五六七八九十]{1,3}[，、,条章节部分是]|[一二三四五六七八九十]{1,2}是|首先|其次|再次|此外|另外|附件)",
    )
});

/// Whether a paragraph starts like an item or heading of the letter's structure: `一、`, `（二）`,
/// `3.`, `①`, `一是`, `首先` ….
pub fn starts_with_enumerator(text: &str) -> bool {
    ENUMERATOR.is_match(text.trim_start())
}

/// Labels of lines that end in a colon but are not salutations.
const LABELS: &[&str] = &[
    "联系人",
    "经办人",
    "承办人",
    "联系电话",
    "电话",
    "抄送",
    "抄报",
    "文号",
    "签发人",
    "答复类别",
    "类别",
    "主题词",
    "附件",
    "公开方式",
    "公开属性",
    "现答复如下",
    "答复如下",
    "具体如下",
    "报告如下",
    "说明如下",
];

/// A salutation: a short line ending in a colon, such as `项奕豪委员：` or `市发展改革委：`.
/// Returns the addressee (without `尊敬的`).
pub fn salutation(line: &str) -> Option<String> {
    let line = line.trim();
    let head = line
        .strip_suffix('：')
        .or_else(|| line.strip_suffix(':'))?
        .trim();
    let head = head.strip_prefix("尊敬的").unwrap_or(head).trim();
    let len = head.chars().count();
    if !(2..=40).contains(&len) || head.contains(['。', '，', ',', '；', ';', '：', ':']) {
        return None;
    }
    if LABELS
        .iter()
        .any(|l| head.starts_with(l) || head.ends_with(l))
    {
        return None;
    }
    if !head.chars().next().is_some_and(is_cjk) || starts_with_enumerator(head) {
        return None;
    }
    Some(head.to_owned())
}

static PROPOSERS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?P<names>[\p{Han}·、，,\s]+?)\s*(?:等\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*(?:位|名|人)?)?\s*(?:委员|代表|同志|先生|女士)(?:们)?$",
    )
});
const NOT_NAMES: &[&str] = &[
    "各位",
    "全体",
    "广大",
    "政协",
    "人大",
    "委员会",
    "局",
    "办公室",
    "政府",
    "单位",
    "部门",
    "公司",
];

/// Names in an addressee such as `项奕豪委员`, `张三、李四委员`, `王五等5位代表`. Organisations
/// (`市发展改革委`) give none.
pub fn proposers(addressee: &str) -> Vec<String> {
    let addressee = strip_parentheticals(addressee);
    let Some(c) = PROPOSERS.captures(addressee.trim()) else {
        return Vec::new();
    };
    let names: Vec<String> = c["names"]
        .split(['、', '，', ',', ' '])
        .map(|n| {
            n.trim()
                .trim_end_matches("委员")
                .trim_end_matches("代表")
                .to_owned()
        })
        .filter(|n| !n.is_empty())
        .collect();
    let valid = |n: &String| {
        let len = n.chars().count();
        let max = if n.contains('·') { 12 } else { 5 };
        (2..=max).contains(&len) && !NOT_NAMES.iter().any(|x| n.contains(x))
    };
    if names.iter().all(valid) {
        names
    } else {
        Vec::new()
    }
}

fn strip_parentheticals(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

static PROPOSERS_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?P<who>[\p{Han}·]{2,6}(?:[、，,][\p{Han}·]{2,6})*(?:等\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*(?:位|名)?)?(?:委员|代表))(?:在|于|领衔|提出|所提|联名)",
    )
});

/// Proposers named at the start of a paragraph, as 协办 letters to a lead bureau do:
/// `郑海峰委员在市政协十三届一次会议期间提出的…`.
pub fn proposers_in_text(paragraph: &str) -> Vec<String> {
    PROPOSERS_IN_TEXT
        .captures(paragraph.trim())
        .map(|c| proposers(&c["who"]))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Contact, 抄送, 印发, disclosure, issuer

/// A member of staff named at the end of a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactLine {
    pub role: String,
    pub name: String,
    pub phone: String,
}

static CONTACT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[（(]?\s*(?P<role>联\s*系\s*人|经\s*办\s*人|承\s*办\s*人)(?:及(?:联系)?电话)?\s*[：:]\s*(?P<rest>.*)$",
    )
});
static PHONE_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:联系)?(?:电\s*话|手\s*机|座\s*机|Tel|TEL|tel)\s*[：:]?"));
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[\s，,；;:：]*(?P<phone>[\d(（][\d\-—()（）\s，,、/转]*\d)"));

/// `联系人：刘焕斌 联系电话：88962078，13750908558`, `经办人：张三（电话：0577-88962078）`.
pub fn contact_line(line: &str) -> Option<ContactLine> {
    let line = fold(line);
    let c = CONTACT.captures(line.trim())?;
    let role: String = c["role"].chars().filter(|c| !c.is_whitespace()).collect();
    let rest = c["rest"].trim();
    // The name is the leading run of Han characters, up to a phone label or a separator.
    let mut name: String = rest.chars().take_while(|c| is_name_char(*c)).collect();
    for label in ["联系电话", "电话", "手机", "座机"] {
        if let Some(at) = name.find(label) {
            name.truncate(at);
        }
    }
    let name_len = name.chars().count();
    if !(2..=12).contains(&name_len) {
        return None;
    }
    let after = &rest[name.len()..];
    let phone_part = match PHONE_LABEL.find(after) {
        Some(m) => &after[m.end()..],
        None => after,
    };
    let phone = PHONE
        .captures(phone_part)
        .map(|p| tidy_phone(&p["phone"]))
        .unwrap_or_default();
    Some(ContactLine { role, name, phone })
}

fn is_name_char(c: char) -> bool {
    (is_cjk(c) && !matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FF60}'))
        || c == '·'
        || c == '、'
}

fn tidy_phone(s: &str) -> String {
    s.trim().to_owned()
}

/// A line holding only a phone number (`联系电话：88962078`), following a contact line.
pub fn phone_line(line: &str) -> Option<String> {
    let line = fold(line);
    let line = line
        .trim()
        .trim_start_matches(['（', '('])
        .trim_end_matches(['）', ')']);
    let m = PHONE_LABEL.find(line)?;
    if m.start() != 0 {
        return None;
    }
    let p = PHONE.captures(&line[m.end()..])?;
    let phone = tidy_phone(&p["phone"]);
    (line[m.end()..].trim().len() == p.get(0)?.as_str().trim().len()).then_some(phone)
}

static CC: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?P<label>抄\s*送|抄\s*报)\s*[：:]\s*(?P<list>.*)$"));

/// `抄送：市府办，市政协提案委` → the names, and whether the list goes on on the next line (it ends
/// with a separator, or is empty after the label).
pub fn cc_line(line: &str) -> Option<(Vec<String>, bool)> {
    let c = CC.captures(line.trim())?;
    Some(cc_items(&c["list"]))
}

/// The items of a 抄送 list or its continuation line.
pub fn cc_items(list: &str) -> (Vec<String>, bool) {
    let list = list.trim();
    let open = list.is_empty() || list.ends_with(['，', ',', '、', '；', ';']);
    let items = list
        .trim_end_matches(['。', '.'])
        .split(['，', ',', '、', '；', ';', ' ', '\u{3000}', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    (items, open)
}

/// A 印发 line: `温州市科学技术局办公室 2023年6月28日印发` or `2023年6月28日印发`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    pub by: Option<String>,
    pub date: PrintedDate,
}

pub fn printed_line(line: &str) -> Option<Printed> {
    let line = line.trim();
    let before = line.strip_suffix("印发")?.trim();
    if let Some(d) = date(before) {
        return Some(Printed { by: None, date: d });
    }
    let (by, d) = text_then_date(before)?;
    Some(Printed {
        by: Some(by),
        date: d,
    })
}

/// How a disclosure note reads: `此件公开发布`, `（此件主动公开）`, `公开方式：主动公开`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisclosureNote {
    /// Proactively published: 全文公开.
    Public,
    /// Published on request only, or not at all.
    NotPublic,
    /// Published after cuts: needs a 摘要公开 summary written by an editor.
    Reduced,
}

static DISCLOSURE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[（(【\[]?\s*(?:此件|本件|本文)?\s*(?:(?:信息)?公开(?:方式|属性|类型)\s*[：:]\s*)?(?P<what>主动公开|公开发布|同意公开|依申请公开|不予公开|不公开|不宜公开|删减后公开|部分公开)\s*[。.]?\s*[）)】\]]?$",
    )
});

pub fn disclosure_line(line: &str) -> Option<(DisclosureNote, String)> {
    let line = line.trim();
    let c = DISCLOSURE.captures(line)?;
    let note = match &c["what"] {
        "主动公开" | "公开发布" | "同意公开" => DisclosureNote::Public,
        "删减后公开" | "部分公开" => DisclosureNote::Reduced,
        _ => DisclosureNote::NotPublic,
    };
    Some((note, line.to_owned()))
}

/// `温州市科学技术局文件` → `温州市科学技术局`.
pub fn issuer_header(line: &str) -> Option<String> {
    let line = close_cjk_gaps(line);
    let org = line.strip_suffix("文件")?;
    let org = close_cjk_gaps(org);
    (org.chars().count() >= 2 && organisation(&org)).then_some(org)
}

const ORG_ENDINGS: &[&str] = &[
    "局",
    "委",
    "委员会",
    "办",
    "办公室",
    "办公厅",
    "厅",
    "院",
    "府",
    "政府",
    "会",
    "中心",
    "部",
    "处",
    "所",
    "公司",
    "社",
    "署",
    "馆",
    "队",
    "行",
    "司",
    "室",
    "组",
    "站",
    "集团",
];

/// A name that reads as an organisation (`温州市科学技术局`), as in a signature.
pub fn organisation(line: &str) -> bool {
    let line = line.trim();
    let len = line.chars().count();
    (2..=60).contains(&len)
        && line.chars().all(|c| {
            (is_cjk(c) && !matches!(c, '，' | '。' | '：' | '；' | '！' | '？' | '、'))
                || c.is_whitespace()
                || matches!(c, '（' | '）' | '(' | ')' | '·')
        })
        && line
            .split_whitespace()
            .all(|part| ORG_ENDINGS.iter().any(|e| part.ends_with(e)))
}

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:[-—–－‒―]+\s*\d{1,3}\s*[-—–－‒―]+|第\s*\d{1,3}\s*页(?:\s*[，,/]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})$",
    )
});

/// Page furniture left by copying from a paginated document: `- 3 -`, `— 3 —`, `第3页 共5页`,
/// `（此页无正文）`.
pub fn page_debris(line: &str) -> bool {
    let line = fold(line);
    let line = line.trim();
    PAGE_NUMBER.is_match(line) || matches!(line, "（此页无正文）" | "(此页无正文)" | "此页无正文")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> PrintedDate {
        PrintedDate::Valid(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn doc_numbers_in_every_bracket_with_or_without_hao() {
        for printed in [
            "温科提复〔2023〕98号",
            "温科提复[2023]98号",
            "温科提复(2023)98号",
            "温科提复（2023）98号",
            "温科提复【2023】98号",
            "温科提复〔2023〕98",
            "温科提复〔2023〕第98号",
            "温科提复 〔 2023 〕 98 号",
            "文号：温科提复〔2023〕98号",
            "温科提复［２０２３］９８号",
        ] {
            let d = doc_number_line(printed).unwrap_or_else(|| panic!("{printed}"));
            assert_eq!(d.value, "温科提复〔2023〕98号", "{printed}");
        }
        assert_eq!(
            doc_number_line("温科提复〔2023〕98号").unwrap().printed,
            None
        );
        assert_eq!(
            doc_number_line("温科提复[2023]98")
                .unwrap()
                .printed
                .as_deref(),
            Some("温科提复[2023]98")
        );
    }

    #[test]
    fn doc_number_line_with_class_or_signer() {
        let d = doc_number_line("东科建复〔2024〕7号（A类）").unwrap();
        assert_eq!(
            (d.value.as_str(), d.class.as_deref()),
            ("东科建复〔2024〕7号", Some("A"))
        );
        let d = doc_number_line("东科建复〔2024〕7号 B").unwrap();
        assert_eq!(d.class.as_deref(), Some("B"));
        let d = doc_number_line("东科建复〔2024〕7号        签发人：王建国").unwrap();
        assert_eq!((d.signer.as_deref(), d.class), (Some("王建国"), None));
    }

    #[test]
    fn doc_number_in_a_sentence_is_not_the_letter_s() {
        assert_eq!(
            doc_number_line("根据温制高办〔2022〕1号文件精神，我们…"),
            None
        );
        assert_eq!(doc_number_line("（温制高办〔2022〕1号）已印发"), None);
    }

    #[test]
    fn reply_class_lines() {
        for line in [
            "(A)类",
            "（A）类",
            "（A类）",
            "A类",
            "【A】",
            "答复类别：A类",
            "答复类别:A",
            "类别：(A)",
            "ａ类",
        ] {
            assert_eq!(class_line(line, false).as_deref(), Some("A"), "{line}");
        }
        assert_eq!(class_line("A", true).as_deref(), Some("A"));
        assert_eq!(class_line("A", false), None);
        assert_eq!(class_line("A类企业享受政策", false), None);
    }

    #[test]
    fn dates_as_printed() {
        let june28 = ymd(2023, 6, 28);
        for printed in [
            "2023年6月28日",
            "2023年06月28日",
            "2023 年 6 月 28 日",
            "2023年6月28",
            "2023年6月28号",
            "2023.6.28",
            "2023.06.28.",
            "2023-06-28",
            "2023/6/28",
            "20236月28日",
            "２０２３年６月２８日",
            "二〇二三年六月二十八日",
            "二0二三年六月二十八日",
            "二○二三年六月廿八日",
            "2023年六月二十八日",
        ] {
            assert_eq!(date(printed), Some(june28.clone()), "{printed}");
        }
        assert_eq!(date("二〇二三年十二月十日"), Some(ymd(2023, 12, 10)));
        assert_eq!(date("二〇二三年十月三十一日"), Some(ymd(2023, 10, 31)));
        assert_eq!(
            date("2023年2月30日"),
            Some(PrintedDate::Impossible("2023年2月30日".into()))
        );
        assert_eq!(date("2023年，我局共立项"), None);
        assert_eq!(date("6月28日"), None);
    }

    #[test]
    fn signature_and_date_on_one_line() {
        assert_eq!(
            text_then_date("温州市科学技术局    2023年6月28日"),
            Some(("温州市科学技术局".to_owned(), ymd(2023, 6, 28)))
        );
        assert_eq!(text_then_date("2023年6月28日"), None);
    }

    #[test]
    fn committees_and_sessions_in_many_shapes() {
        let cases = [
            (
                "关于市政协十二届二次会议第494号提案的答复函",
                "市政协",
                Some("十二届二次会议"),
            ),
            (
                "区人大十八届第四次会议第12号建议",
                "区人大",
                Some("十八届第四次会议"),
            ),
            (
                "政协盐池县第十届委员会五次会议第0043号提案",
                "县政协",
                Some("第十届五次会议"),
            ),
            (
                "您在市十五届人大三次会议上提出的",
                "市人大",
                Some("十五届三次会议"),
            ),
            (
                "市政协第十二届委员会第二次会议",
                "市政协",
                Some("第十二届第二次会议"),
            ),
            (
                "政协第十二届温州市委员会第二次会议",
                "市政协",
                Some("第十二届第二次会议"),
            ),
            (
                "县第十八届人民代表大会第三次会议",
                "县人大",
                Some("第十八届第三次会议"),
            ),
            ("东湖区政协四届二次会议", "区政协", Some("四届二次会议")),
            (
                "宁夏回族自治区政协十二届一次会议",
                "自治区政协",
                Some("十二届一次会议"),
            ),
            ("关于区人大第DH0271号建议的答复函", "区人大", None),
        ];
        for (text, committee_name, session) in cases {
            let c = committee(text, true).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(c.committee, committee_name, "{text}");
            assert_eq!(c.session.as_deref(), session, "{text}");
        }
        assert_eq!(committee("感谢您对科技工作的关心", true), None);
        assert_eq!(committee("关于区人大第DH0271号建议的答复函", false), None);
    }

    #[test]
    fn proposal_numbers_as_strings() {
        let cases = [
            ("第494号提案", "494", "提案"),
            ("第0043号建议", "0043", "建议"),
            ("第DH0271号建议", "DH0271", "建议"),
            ("第 20240076 号代表建议", "20240076", "建议"),
            ("第3号议案", "3", "议案"),
            ("（政协建议494号）", "494", "建议"),
            ("提案号：0158", "0158", "提案"),
            ("第０２０７号提案", "0207", "提案"),
        ];
        for (text, number, kind) in cases {
            let n = proposal_number(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!((n.number.as_str(), n.kind), (number, Some(kind)), "{text}");
        }
        assert_eq!(proposal_number("温科提复〔2023〕98号"), None);
    }

    #[test]
    fn proposal_title_is_the_book_title_naming_a_proposal() {
        let text = "您在会议期间所提的《关于打造先进制造业基地的提案》（政协建议494号）收悉。依据《科技进步法》…";
        assert_eq!(
            proposal_title(text).as_deref(),
            Some("关于打造先进制造业基地的提案")
        );
        let nested = "您提出的《关于落实〈人才新政〉的建议》收悉";
        assert_eq!(
            proposal_title(nested).as_deref(),
            Some("关于落实〈人才新政〉的建议")
        );
        let unusual = "您提出的《加快数字乡村建设》收悉，现答复如下：依据《条例》";
        assert_eq!(proposal_title(unusual).as_deref(), Some("加快数字乡村建设"));
        assert_eq!(proposal_title("依据《温州市人才新政》，我局…"), None);
    }

    #[test]
    fn salutations_and_their_proposers() {
        assert_eq!(salutation("项奕豪委员：").as_deref(), Some("项奕豪委员"));
        assert_eq!(
            salutation("尊敬的冯志刚代表:").as_deref(),
            Some("冯志刚代表")
        );
        assert_eq!(
            salutation("市发展改革委：").as_deref(),
            Some("市发展改革委")
        );
        assert_eq!(salutation("联系人：张三"), None);
        assert_eq!(salutation("现答复如下："), None);
        assert_eq!(salutation("抄送："), None);
        assert_eq!(salutation("一是加强攻关，二是培育人才："), None);

        assert_eq!(proposers("项奕豪委员"), vec!["项奕豪"]);
        assert_eq!(proposers("张三、李四委员"), vec!["张三", "李四"]);
        assert_eq!(proposers("张三委员、李四委员"), vec!["张三", "李四"]);
        assert_eq!(proposers("王五等5位代表"), vec!["王五"]);
        assert_eq!(proposers("黄子墨等五位代表"), vec!["黄子墨"]);
        assert_eq!(proposers("欧阳明月代表（领衔）"), vec!["欧阳明月"]);
        assert_eq!(proposers("热依拉·买买提代表"), vec!["热依拉·买买提"]);
        assert!(proposers("市发展改革委").is_empty());
        assert!(proposers("各位委员").is_empty());
        assert!(proposers("市政协提案委员会").is_empty());
    }

    #[test]
    fn proposers_named_in_a_co_handling_letter() {
        assert_eq!(
            proposers_in_text("郑海峰委员在市政协十三届一次会议期间提出的第207号提案收悉。"),
            vec!["郑海峰"]
        );
        assert_eq!(
            proposers_in_text("陈立、周敏等3位代表领衔提出的建议"),
            vec!["陈立", "周敏"]
        );
        assert!(proposers_in_text("您在会议期间提出的提案收悉").is_empty());
    }

    #[test]
    fn contact_lines() {
        let c = contact_line("联系人：刘明远 联系电话：88961234，13800001111").unwrap();
        assert_eq!(
            (c.role.as_str(), c.name.as_str(), c.phone.as_str()),
            ("联系人", "刘明远", "88961234，13800001111")
        );
        let c = contact_line("经办人：张晓东（电话：0577-86051234）").unwrap();
        assert_eq!(
            (c.role.as_str(), c.name.as_str(), c.phone.as_str()),
            ("经办人", "张晓东", "0577-86051234")
        );
        let c = contact_line("（承办人：陈晨，电话：86051240）").unwrap();
        assert_eq!((c.name.as_str(), c.phone.as_str()), ("陈晨", "86051240"));
        let c = contact_line("联系人:王芳联系电话:13905550456").unwrap();
        assert_eq!((c.name.as_str(), c.phone.as_str()), ("王芳", "13905550456"));
        let c = contact_line("联 系 人：李华").unwrap();
        assert_eq!(
            (c.role.as_str(), c.name.as_str(), c.phone.as_str()),
            ("联系人", "李华", "")
        );
        let c = contact_line("联系人及电话：赵磊 86051236").unwrap();
        assert_eq!((c.name.as_str(), c.phone.as_str()), ("赵磊", "86051236"));
        assert_eq!(contact_line("联系人：。"), None);
        assert_eq!(
            phone_line("联系电话：88962078").as_deref(),
            Some("88962078")
        );
        assert_eq!(
            phone_line("电话：（0577）88962078").as_deref(),
            Some("（0577）88962078")
        );
        assert_eq!(phone_line("电话费补贴政策"), None);
    }

    #[test]
    fn cc_lists_with_any_separator() {
        for line in [
            "抄送：市府办，市政协提案委",
            "抄送：市府办、市政协提案委。",
            "抄送:市府办 市政协提案委",
            "抄  送：市府办；市政协提案委",
            "抄报：市府办，市政协提案委",
        ] {
            let (items, open) = cc_line(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(items, vec!["市府办", "市政协提案委"], "{line}");
            assert!(!open);
        }
        assert_eq!(
            cc_line("抄送：市府办，"),
            Some((vec!["市府办".to_owned()], true))
        );
        assert_eq!(cc_line("抄送："), Some((vec![], true)));
    }

    #[test]
    fn printing_lines() {
        assert_eq!(
            printed_line("温州市科学技术局办公室  2023年6月28日印发"),
            Some(Printed {
                by: Some("温州市科学技术局办公室".into()),
                date: ymd(2023, 6, 28)
            })
        );
        assert_eq!(
            printed_line("2023年6月28日印发"),
            Some(Printed {
                by: None,
                date: ymd(2023, 6, 28)
            })
        );
        assert_eq!(printed_line("方案已印发"), None);
    }

    #[test]
    fn disclosure_notes() {
        for line in [
            "此件公开发布",
            "（此件公开发布）",
            "此件主动公开",
            "公开方式：主动公开",
            "(主动公开)",
        ] {
            assert_eq!(
                disclosure_line(line).map(|d| d.0),
                Some(DisclosureNote::Public),
                "{line}"
            );
        }
        assert_eq!(
            disclosure_line("（此件不公开）").map(|d| d.0),
            Some(DisclosureNote::NotPublic)
        );
        assert_eq!(
            disclosure_line("公开方式：依申请公开").map(|d| d.0),
            Some(DisclosureNote::NotPublic)
        );
        assert_eq!(
            disclosure_line("此件删减后公开").map(|d| d.0),
            Some(DisclosureNote::Reduced)
        );
        assert_eq!(disclosure_line("我局主动公开了办理结果"), None);
    }

    #[test]
    fn organisations_and_page_debris() {
        assert!(organisation("温州市科学技术局"));
        assert!(organisation("温州市科学技术局办公室"));
        assert!(organisation("示例市科学技术局  示例市财政局"));
        assert!(!organisation("感谢您对科技工作的支持。"));
        assert!(!organisation("最后"));
        assert_eq!(
            issuer_header("温州市科学技术局文件").as_deref(),
            Some("温州市科学技术局")
        );
        assert_eq!(issuer_header("红头文件"), None);
        for line in [
            "- 3 -",
            "—3—",
            "－ 12 －",
            "第3页",
            "第 3 页 共 5 页",
            "3/5",
            "（此页无正文）",
        ] {
            assert!(page_debris(line), "{line}");
        }
        assert!(!page_debris("2023"));
        assert!(!page_debris("一、关于人才"));
    }

    #[test]
    fn gaps_next_to_chinese_are_closed() {
        assert_eq!(
            close_cjk_gaps("关于第494号提案的 答复函"),
            "关于第494号提案的答复函"
        );
        assert_eq!(close_cjk_gaps(" 关于 AI 产业 "), "关于AI产业");
        assert_eq!(close_cjk_gaps("open source  AI"), "open source AI");
    }
}

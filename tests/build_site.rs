//! A good site: what the build writes, what it never writes, and that it writes the same every time.

mod common;

use common::Site;

fn built() -> Site {
    let site = Site::fixture("basic");
    site.build().success();
    site
}

#[test]
fn writes_every_kind_of_page() {
    let site = built();
    for page in [
        "index.html",
        "404.html",
        "search/index.html",
        "feed.xml",
        "sitemap.xml",
        "2023/ti-101/index.html",
        "2023/jian-0007/index.html",
        "years/index.html",
        "years/2023/index.html",
        "committees/index.html",
        "committees/shi-zheng-xie/index.html",
        "committees/shi-zheng-xie/feed.xml",
        "topics/index.html",
        "topics/ke-ji-fu-hua/index.html",
        "topics/ke-ji-fu-hua/feed.xml",
        "topics/wei-fen-lei/index.html",
        "style.css",
    ] {
        assert!(site.exists(page), "missing {page}");
    }
}

#[test]
fn letter_page_shows_metadata_and_the_letter() {
    let page = built().page("2023/ti-101/index.html");
    for expected in [
        "测试市科学技术局",
        "2023年5月20日",
        "2023-06-01",
        "测科提复〔2023〕11号",
        "十三届一次会议",
        "周文澜、顾一鸣",
        "已解决或采纳",
        "全文公开",
        "林晓",
        "0577-88000001",
        "市府办",
        "<table",
    ] {
        assert!(page.contains(expected), "letter page lacks {expected}");
    }
    assert!(
        page.contains("<strong>一是扩大孵化空间。</strong>今年"),
        "CJK bold lead-in not rendered"
    );
    assert!(
        page.contains("提供创业辅导"),
        "line break inside Chinese text"
    );
    assert!(
        !page.contains("团队， 提供"),
        "a line break between Chinese characters became a space"
    );
    assert!(!page.contains("**"), "literal asterisks left");
}

#[test]
fn withheld_letter_leaves_no_trace() {
    let site = built();
    for (path, bytes) in site.output() {
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["绝密演练", "孙默然", "测科提复〔2022〕99号", "withheld"] {
            assert!(
                !text.contains(secret),
                "{path} mentions the 不予公开 letter ({secret})"
            );
        }
    }
    assert!(!site.exists("2022/withheld/index.html"));
}

#[test]
fn summary_only_letter_publishes_only_its_summary() {
    let site = built();
    let page = site.page("2023/summary-only/index.html");
    assert!(page.contains("我局已将提案中关于实验室共享的意见纳入年度工作计划。"));
    for (path, bytes) in site.output() {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("内部评估细节七号"),
            "{path} leaks the body"
        );
    }
}

#[test]
fn drafts_only_with_the_drafts_flag() {
    let site = built();
    assert!(!site.exists("2022/draft/index.html"));
    assert!(!site.page("index.html").contains("草稿测试"));
    site.run(&["build", "--drafts"]).success();
    assert!(site.page("2022/draft/index.html").contains("草稿"));
}

#[test]
fn term_pages_are_paginated_newest_first_with_only_their_slice() {
    let site = built();
    // 2023 has three published letters; paginate_by is 2.
    let first = site.page("years/2023/index.html");
    let second = site.page("years/2023/page/2/index.html");
    let pos = |page: &str, title: &str| page.find(title);
    let (a, b) = (
        pos(&first, "第101号提案").unwrap(),
        pos(&first, "第0007号建议").unwrap(),
    );
    assert!(a < b, "newest first");
    assert!(
        pos(&first, "第33号提案").is_none(),
        "page 1 holds only its slice"
    );
    assert!(pos(&second, "第33号提案").is_some());
    assert!(pos(&second, "第101号提案").is_none());
    assert!(!site.exists("years/2023/page/3/index.html"));
}

#[test]
fn overview_pages_list_every_term_with_its_count() {
    let site = built();
    let topics = site.page("topics/index.html");
    assert!(
        topics.contains("科技孵化") && topics.contains("人才引育") && topics.contains("未分类")
    );
    assert!(topics.contains("topics/ke-ji-fu-hua/"));
}

/// The style sheet's published name, `style.<hash>.css`.
fn fingerprinted_style_sheet(site: &Site) -> String {
    let names: Vec<String> = site
        .output()
        .into_keys()
        .filter(|p| p.starts_with("style.") && p.ends_with(".css") && p != "style.css")
        .collect();
    assert_eq!(names.len(), 1, "one fingerprinted style sheet: {names:?}");
    names[0].clone()
}

#[test]
fn assets_are_fingerprinted_by_their_content() {
    let site = built();
    let css = fingerprinted_style_sheet(&site);
    let output = site.output();
    assert_eq!(
        output[&css], output["style.css"],
        "the plain name is a copy"
    );
    let hash = css.trim_start_matches("style.").trim_end_matches(".css");
    assert!(hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(site.page("index.html").contains(&format!("href=\"{css}\"")));
    // A site's own style sheet replaces the default one and gets its own name.
    site.write("themes/default/static/style.css", "body{color:#000}");
    site.build().success();
    let changed = fingerprinted_style_sheet(&site);
    assert_ne!(changed, css);
    assert_eq!(site.page(&changed), "body{color:#000}");
}

#[test]
fn links_are_relative_so_the_site_works_under_a_sub_path() {
    let site = built();
    let page = site.page("2023/ti-101/index.html");
    let css = fingerprinted_style_sheet(&site);
    assert!(
        page.contains(&format!("href=\"../../{css}\"")),
        "assets relative to the page"
    );
    assert!(
        page.contains("href=\"../../topics/ke-ji-fu-hua/\""),
        "term links relative to the page"
    );
    assert!(
        !page.contains("href=\"/"),
        "no root-absolute links in a page"
    );
    // 404.html is served at any depth: it uses the base path from base_url.
    assert!(
        site.page("404.html")
            .contains(&format!("href=\"/jyta/{css}\""))
    );
    assert!(
        site.page("sitemap.xml")
            .contains("<loc>https://kjj.example.gov.cn/jyta/2023/ti-101/</loc>")
    );
}

#[test]
fn every_relative_link_resolves_to_a_file() {
    let site = built();
    let output = site.output();
    for (path, bytes) in &output {
        if !path.ends_with(".html") || path == "404.html" {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        let dir = std::path::Path::new(path).parent().unwrap().to_path_buf();
        for href in html
            .split("href=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap())
        {
            if href.starts_with("http")
                || href.starts_with('#')
                || href.starts_with("mailto:")
                || href.starts_with("data:")
            {
                continue;
            }
            let target = href.split(['#', '?']).next().unwrap();
            let mut resolved = dir.clone();
            for part in target.split('/') {
                match part {
                    "" | "." => {}
                    ".." => assert!(resolved.pop(), "{path}: {href} climbs above the site root"),
                    p => resolved.push(p),
                }
            }
            let mut file = resolved.to_string_lossy().replace('\\', "/");
            if target.is_empty() || target.ends_with('/') {
                file = if file.is_empty() {
                    "index.html".into()
                } else {
                    format!("{file}/index.html")
                };
            }
            assert!(
                output.contains_key(&file),
                "{path}: link {href} leads nowhere ({file})"
            );
        }
    }
}

#[test]
fn feeds_are_valid_atom_with_absolute_links() {
    let feed = built().page("feed.xml");
    assert!(feed.starts_with("<?xml"));
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert!(feed.contains("https://kjj.example.gov.cn/jyta/2023/ti-101/"));
    assert!(
        feed.contains("<updated>2023-06-01T00:00:00+08:00</updated>"),
        "feed updated = newest letter, no build time"
    );
}

#[test]
fn same_input_gives_identical_output() {
    let site = built();
    let first = site.output();
    site.build().success();
    assert_eq!(site.output(), first);
    let other = built();
    assert_eq!(
        other.output(),
        first,
        "a second copy of the site builds to the same bytes"
    );
}

#[test]
fn stale_files_are_removed() {
    let site = built();
    assert!(site.exists("2022/ti-202/index.html"));
    site.remove("content/2022/ti-202.md");
    site.write("public/leftover.txt", "old");
    site.build().success();
    assert!(!site.exists("2022/ti-202/index.html"));
    assert!(!site.exists("leftover.txt"));
}

#[test]
fn builds_with_only_site_yaml_and_content() {
    let site = built();
    assert!(
        !site.path("themes").exists(),
        "the fixture has no theme folder"
    );
    assert!(site.page("index.html").contains("测试答复档案"));
}

#[test]
fn site_template_replaces_one_block_of_the_default() {
    let site = Site::fixture("basic");
    site.write(
        "themes/default/templates/letter.html",
        "{% extends \"default/letter.html\" %}{% block title %}自定义：{{ letter.title }}{% endblock title %}",
    );
    site.build().success();
    let page = site.page("2023/ti-101/index.html");
    assert!(
        page.contains("<title>自定义：关于市政协十三届一次会议第101号提案的答复函"),
        "override block used"
    );
    assert!(
        page.contains("测科提复〔2023〕11号"),
        "the rest of the default template kept"
    );
    assert!(
        !site
            .page("2023/jian-0007/index.html")
            .contains("<title>关于"),
        "every letter uses the override"
    );
}

#[test]
fn site_template_replaces_a_whole_default_template() {
    let site = Site::fixture("basic");
    site.write(
        "themes/default/templates/404.html",
        "<p>找不到：{{ site.title }}</p>",
    );
    site.build().success();
    assert_eq!(site.page("404.html"), "<p>找不到：测试答复档案</p>");
}

#[test]
fn script_in_content_is_escaped_everywhere() {
    let site = Site::fixture("basic");
    site.write(
        "content/2023/xss.md",
        "---\ntitle: \"<script>alert(1)</script>答复\"\ndate: 2023-08-01\ncommittee: \"市政协<b>\"\nproposers: [\"<img src=x onerror=alert(1)>\"]\ntopics: [\"<i>主题</i>\"]\n---\n委员：\n\n<script>alert(2)</script>正文\n",
    );
    site.build().success();
    for (path, bytes) in site.output() {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("<script>alert"),
            "{path} has an unescaped script"
        );
        assert!(!text.contains("<img src=x"), "{path} has an unescaped tag");
        assert!(!text.contains("<i>主题"), "{path} has an unescaped tag");
    }
    assert!(
        site.page("2023/xss/index.html")
            .contains("&lt;script&gt;alert(2)"),
        "raw HTML in a body is shown as text"
    );
}

#[test]
fn raw_html_allowed_when_the_site_says_so() {
    let site = Site::fixture("basic");
    let config = std::fs::read_to_string(site.path("site.yaml")).unwrap();
    site.write("site.yaml", format!("{config}allow_html: true\n"));
    site.write("content/2023/html.md", "---\ntitle: 关于答复函\ndate: 2023-08-01\ncommittee: 市政协\n---\n委员：\n\n<span class=\"note\">注</span>\n");
    site.build().success();
    assert!(
        site.page("2023/html/index.html")
            .contains("<span class=\"note\">注</span>")
    );
}

#[test]
fn refuses_an_output_folder_holding_sources() {
    let site = built();
    let run = site.run(&["build", "--out", "."]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("holds the site's sources"),
        "{}",
        run.stderr()
    );
    assert!(site.path("content/2023/ti-101.md").exists());
}

#[test]
fn letter_is_laid_out_as_an_official_document() {
    let page = built().page("2023/ti-101/index.html");
    let letter = &page[page.find("<article class=\"letter\"").unwrap()..];
    let order = [
        "<p class=\"issuer-mark\">测试市科学技术局</p>",
        "A类</span>",
        "测科提复〔2023〕11号</span>",
        "<h1 id=\"letter-title\" class=\"letter-title\">",
        "<p>周文澜委员：</p>",
        "<p class=\"gw-1\" role=\"heading\" aria-level=\"2\">一、关于孵化器建设</p>",
        "<div class=\"table-scroll\" role=\"region\" aria-label=\"表格\" tabindex=\"0\"><table>",
        "<p class=\"signature-issuer\">测试市科学技术局</p>",
        "2023年5月20日</time>",
        "<p class=\"contact\">（联系人：林晓，联系电话：0577-88000001）</p>",
        "<span class=\"cc-label\">抄送：</span>市府办，市政协提案委。",
    ];
    let mut at = 0;
    for part in order {
        let found = letter[at..]
            .find(part)
            .unwrap_or_else(|| panic!("missing or out of order: {part}"));
        at += found + part.len();
    }
    assert_eq!(page.matches("<h1").count(), 1, "one h1: the letter's title");
}

#[test]
fn links_to_other_hosts_are_marked_and_own_absolute_links_are_not() {
    let page = built().page("2023/ti-101/index.html");
    assert!(page.contains(
        "<a class=\"external\" rel=\"external noopener\" href=\"https://www.most.gov.cn/\">科学技术部网站<span class=\"visually-hidden\">（外部链接，将离开本站）</span></a>"
    ));
    assert!(page.contains("<a href=\"https://kjj.example.gov.cn/jyta/stats/\">本站统计</a>"));
    // The footer's ICP record link leaves the site too.
    assert!(page.contains("<a class=\"external\" rel=\"external noopener\" href=\"https://beian.miit.gov.cn/\">测ICP备00000001号<span class=\"visually-hidden\">"));
}

#[test]
fn footer_shows_the_portal_fields_that_are_set() {
    let site = built();
    let page = site.page("index.html");
    for expected in [
        "主办单位：测试市科学技术局",
        "网站标识码：1234567890",
        "ICP备案号：",
        "<meta name=\"SiteIDCode\" content=\"1234567890\">",
    ] {
        assert!(page.contains(expected), "footer lacks {expected}");
    }
    assert!(!page.contains("公安备案号"), "an empty field is left out");
    site.write(
        "site.yaml",
        std::fs::read_to_string(site.path("site.yaml"))
            .unwrap()
            .replace("police: \"\"", "police: 测公网安备33000002000001号"),
    );
    site.build().success();
    assert!(site.page("index.html").contains(
        "公安备案号：<a class=\"external\" rel=\"external noopener\" href=\"https://beian.mps.gov.cn/#/query/webSearch?code=33000002000001\">测公网安备33000002000001号"
    ));
}

#[test]
fn every_page_offers_large_print_before_first_paint_and_loads_nothing_from_other_hosts() {
    let site = built();
    for (path, bytes) in site.output() {
        if !path.ends_with(".html") {
            continue;
        }
        let page = String::from_utf8_lossy(&bytes);
        let script = page
            .find("localStorage.getItem(\"dafu-large\")")
            .unwrap_or_else(|| panic!("{path}: no large-print script"));
        let css = page.find("rel=\"stylesheet\"").unwrap();
        assert!(
            script < css,
            "{path}: large print applied after the style sheet loads"
        );
        assert!(
            page.contains("data-large-toggle aria-pressed=\"false\">长者模式</button>"),
            "{path}"
        );
        assert!(page.contains("<html lang=\"zh-CN\">"), "{path}");
        assert!(
            page.contains("<a class=\"skip-link\" href=\"#main\">"),
            "{path}"
        );
        for attr in ["src=\"", "<link rel=\"stylesheet\" href=\""] {
            for (i, _) in page.match_indices(attr) {
                let url = &page[i + attr.len()..];
                assert!(
                    !url.starts_with("http") && !url.starts_with("//"),
                    "{path} loads from another host: {}",
                    &url[..url.find('"').unwrap_or(url.len())]
                );
            }
        }
    }
}

#[test]
fn stats_count_withheld_letters_without_naming_them() {
    let site = built();
    let stats = site.page("stats/index.html");
    assert!(stats.contains("<h1>办理情况统计</h1>"));
    assert!(stats.contains("<dt>不予公开</dt><dd>1<span class=\"unit\">件</span></dd>"));
    assert!(stats.contains("<dt>办理答复</dt><dd>6<span class=\"unit\">件</span></dd>"));
    // The year table counts 2022's withheld letter; the SVG is hidden from screen readers.
    assert!(
        stats.contains("<tr><th scope=\"row\">2022年</th><td>2</td><td>1</td><td>3</td></tr>"),
        "{stats}"
    );
    assert!(stats.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart-svg\""));
    assert!(stats.contains("aria-hidden=\"true\" focusable=\"false\""));
    for key in [
        "years",
        "committees",
        "kinds",
        "categories",
        "roles",
        "topics",
    ] {
        assert!(
            stats.contains(&format!("id=\"chart-{key}\"")),
            "no {key} chart"
        );
    }
    assert!(
        site.page("index.html").contains("href=\"stats/\""),
        "stats in the nav"
    );
    assert!(site.page("sitemap.xml").contains("/jyta/stats/</loc>"));
}

#[test]
fn first_page_of_a_year_shows_that_years_statistics() {
    let site = built();
    let year = site.page("years/2022/index.html");
    assert!(year.contains("<h2 id=\"year-stats-heading\">2022年办理情况</h2>"));
    assert!(year.contains("<dt>不予公开</dt><dd>1<span class=\"unit\">件</span></dd>"));
    assert!(year.contains("id=\"year-committees\""));
    assert!(
        !year.contains("id=\"year-years\""),
        "no by-year chart inside a year"
    );
    let second = site.page("years/2023/page/2/index.html");
    assert!(
        !second.contains("year-stats-heading"),
        "only on the first page"
    );
    assert!(
        !site
            .page("committees/shi-zheng-xie/index.html")
            .contains("year-stats")
    );
}
/// The search files are compressed, so the scan above cannot see into them: inflate and look.
#[test]
fn search_index_holds_only_what_is_published() {
    let site = built();
    let search: Vec<(String, String)> = site
        .output()
        .into_iter()
        .filter(|(path, _)| path.starts_with("search/") && path.ends_with(".z"))
        .map(|(path, bytes)| {
            let text = search_file_text(&path, &bytes);
            (path, text)
        })
        .collect();
    assert!(
        search.len() > 3,
        "manifest, facets, chunks and letter files"
    );
    for (path, text) in &search {
        for secret in [
            "绝密演练",
            "孙默然",
            "测科提复〔2022〕99号",
            "内部评估细节七号",
            "草稿测试",
        ] {
            assert!(!text.contains(secret), "{path} holds {secret}");
        }
    }
    assert!(
        search
            .iter()
            .any(|(_, t)| t.contains("我局已将提案中关于实验室共享的意见纳入年度工作计划。")),
        "a 摘要公开 letter is searchable by its summary"
    );
    // With --drafts the preview shows drafts, but its search index still leaves them out.
    site.run(&["build", "--drafts"]).success();
    for (path, bytes) in site.output() {
        if path.starts_with("search/") && path.ends_with(".z") {
            assert!(
                !search_file_text(&path, &bytes).contains("草稿测试"),
                "{path}"
            );
        }
    }
}

#[test]
fn full_width_brackets_in_a_title_do_not_break_the_search_index() {
    // Normalising `【】` to `[]` shortens the text: the index once cut it at a byte offset of the
    // original and panicked.
    let site = Site::fixture("basic");
    site.write(
        "content/2023/bracket.md",
        "---\ntitle: 【修订】关于市政协第九号提案的答复函\ndate: 2023-09-09\ncommittee: 市政协\ndoc_number: 测科提复【2023】9号\n---\n某委员：\n\n正文。\n",
    );
    site.build().success();
    assert!(site.exists("2023/bracket/index.html"));
}

/// The text of a search index file: inflated, and decoded from GB18030 for the letter files
/// (`search/l/`), from UTF-8 for the others.
fn search_file_text(path: &str, bytes: &[u8]) -> String {
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(bytes)
        .unwrap_or_else(|e| panic!("{path}: {e:?}"));
    if path.starts_with("search/l/") {
        let (text, errors) = encoding_rs::GB18030.decode_without_bom_handling(&raw);
        assert!(!errors, "{path}: not GB18030");
        text.into_owned()
    } else {
        String::from_utf8_lossy(&raw).into_owned()
    }
}

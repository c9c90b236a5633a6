"""Each school's page (学校达标情况表, issue 13): one printable HTML file per evaluated school.

A small county made by hand, under a profile that merges teaching points into their central
school. Every expected figure below is worked out by hand in the comments, not by junheng.

- P1 城关小学, primary, 200 pupils, with teaching point TP1 (20 pupils) merged in: 220 pupils;
  11 qualified teachers (10 + 1) → 5.00 per 100; 3 backbone → 1.36; 2 PE → 0.91; teaching
  area 1000 + 100 = 1100 m² → 5 m²/pupil; sports 1600 + 160 → 8; equipment 500,000 + 50,000 →
  2,500 元; multimedia 5 + 1 = 6 rooms → 2.73 per 100. All 7 met. TP1's only teacher has no
  certificate: the county's 100 % certified share fails, and the task lands on P1's page.
- P2 河西小学/分校, primary, 100 pupils: equipment 180,000 元 → 1,800 of 2,000 (90 %, above the
  85 % floor); the other six met, so it meets the rule. Largest class 52 > 45 with 2 classes:
  ceil(100 / 45) − 2 = 1 class to add.
- P3 东山小学, primary, 100 pupils: teaching area 446 m² → 4.46 of 4.5 (99.1 %) and 2 multimedia
  rooms → 2.00 of 2.3 (87 %): 5 met, 2 missed above the floor → fails on the count. The rule
  lets the one nearest its threshold stay (teaching area); rooms must reach 2.3 per 100 pupils:
  2.3 rooms → 3, so 1 room to add. 4.46 is shown 4.4: it misses 4.5.
- P4 山区小学 (with markup in its name), primary, 50 pupils: equipment 75,000 元 → 1,500 of 2,000
  (75 %, below the floor) → fails; (2,000 − 1,500) × 50 = 25,000 元 to add (2.50 万元). No music
  or art room for 2 classes: ceil(2 / 12) = 1 of each, so 2 rooms to add.
- N1 九年一贯制学校, primary 300 + junior 200 pupils, everything met at both stages.
- N2 二中九年一贯制, primary 100 + junior 100 pupils: the junior stage meets everything; the
  primary stage's equipment is 100,000 元 → 1,000 of 2,000 (50 %, below the floor), so
  (2,000 − 1,000) × 100 = 100,000 元 (10.00 万元) to add there.
"""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

import junheng
from conftest import school_row, stage_row, teachers, write_xlsx
from junheng.report._school_pages import write_school_pages

ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts" / "school-pages"
P4_NAME = "山区<script>alert(1)</script>小学"
CITED = "《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）"


def staff(school_id: str, stage: str, qualified: int, backbone: int, pe: int,
          certified: str = "是") -> list[dict]:
    """``qualified`` teachers with a bachelor's degree: the first ``backbone`` county backbone
    teachers, the next ``pe`` PE teachers."""
    out = teachers(school_id, stage, qualified, education="bachelor", certified=certified)
    for i, t in enumerate(out):
        if i < backbone:
            t["backbone"] = "county"
        elif i < backbone + pe:
            t["subject"] = "pe"
    return out


def county_input(folder: Path) -> tuple[Path, Path]:
    schools = [school_row("P1", name="城关小学"),
               school_row("TP1", school_type="teaching_point", name="石门教学点",
                          location="rural", parent_school_id="P1"),
               school_row("P2", name="河西小学/分校"),
               school_row("P3", name="东山小学"),
               school_row("P4", name=P4_NAME, location="rural"),
               school_row("N1", school_type="nine_year", name="九年一贯制学校"),
               school_row("N2", school_type="nine_year", name="二中九年一贯制")]
    rooms = {"music_rooms": 1, "art_rooms": 1}
    stages = [
        stage_row("P1", "primary", 200, teaching_area_m2=1000, sports_area_m2=1600,
                  equipment_value_yuan=500_000, multimedia_rooms=5, classes=5,
                  largest_class=42, **rooms),
        stage_row("TP1", "primary", 20, teaching_area_m2=100, sports_area_m2=160,
                  equipment_value_yuan=50_000, multimedia_rooms=1, classes=1,
                  largest_class=20, music_rooms=0, art_rooms=0),
        stage_row("P2", "primary", 100, teaching_area_m2=500, sports_area_m2=800,
                  equipment_value_yuan=180_000, multimedia_rooms=3, classes=2,
                  largest_class=52, **rooms),
        stage_row("P3", "primary", 100, teaching_area_m2=446, sports_area_m2=800,
                  equipment_value_yuan=250_000, multimedia_rooms=2, classes=3,
                  largest_class=40, **rooms),
        stage_row("P4", "primary", 50, teaching_area_m2=250, sports_area_m2=400,
                  equipment_value_yuan=75_000, multimedia_rooms=2, classes=2,
                  largest_class=30, music_rooms=0, art_rooms=0),
        stage_row("N1", "primary", 300, teaching_area_m2=1500, sports_area_m2=2400,
                  equipment_value_yuan=750_000, multimedia_rooms=8, classes=7,
                  largest_class=44, **rooms),
        stage_row("N1", "junior", 200, teaching_area_m2=1200, sports_area_m2=2100,
                  equipment_value_yuan=600_000, multimedia_rooms=5, classes=5,
                  largest_class=45, music_rooms=0, art_rooms=0),
        stage_row("N2", "primary", 100, teaching_area_m2=500, sports_area_m2=800,
                  equipment_value_yuan=100_000, multimedia_rooms=3, classes=3,
                  largest_class=40, **rooms),
        stage_row("N2", "junior", 100, teaching_area_m2=600, sports_area_m2=1100,
                  equipment_value_yuan=300_000, multimedia_rooms=3, classes=3,
                  largest_class=40, music_rooms=0, art_rooms=0),
    ]
    people = (staff("P1", "primary", 10, 3, 2) + staff("TP1", "primary", 1, 0, 0, "否")
              + staff("P2", "primary", 6, 2, 1) + staff("P3", "primary", 6, 2, 1)
              + staff("P4", "primary", 3, 1, 1) + staff("N1", "primary", 15, 4, 3)
              + staff("N1", "junior", 12, 3, 2) + staff("N2", "primary", 6, 2, 1)
              + staff("N2", "junior", 6, 2, 1))
    profile = folder / "merge.yaml"
    profile.write_text("extends: quality-2017\nid: merge-teaching-points\n"
                       "units:\n  merge_teaching_points_into_parent: true\n", encoding="utf-8")
    book = write_xlsx(folder / "county.xlsx", {"schools": schools, "stages": stages,
                                                "teachers": people})
    return book, profile


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory):
    book, profile = county_input(tmp_path_factory.mktemp("county"))
    return junheng.evaluate(junheng.load(book), str(profile))


@pytest.fixture(scope="module")
def pages(evaluation, tmp_path_factory):
    """Both languages' files, by language and school id."""
    out = {}
    for lang in ("zh", "en"):
        paths = write_school_pages(evaluation, tmp_path_factory.mktemp(lang), lang)
        out[lang] = {re.search(r"-(\w+)\.html$", p.name)[1]: p for p in paths}
        out[lang]["_paths"] = paths
    return out


def doc(path: Path):
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def select(node, css: str) -> list:
    """``tag.class`` and ``tag.class tag`` selectors, by XPath (lxml without cssselect)."""
    path = "."
    for step in css.split():
        tag, _, cls = step.partition(".")
        test = f"[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]" if cls else ""
        path += f"//{tag or '*'}{test}"
    return node.xpath(path)


def text(node) -> str:
    return " ".join(node.text_content().split())


def indicator_rows(page) -> list[dict[str, dict[str, str]]]:
    """Per stage table: indicator name → the row's cells by heading."""
    tables = []
    for table in select(page, "table.ind"):
        heads = [text(th) for th in select(table, "thead th")]
        tables.append({text(tr[0]): dict(zip(heads, (text(td) for td in tr), strict=True))
                       for tr in select(table, "tbody tr")})
    return tables


def list_rows(page, css: str) -> list[dict[str, str]]:
    table = select(page, f"table.{css}")
    if not table:
        return []
    heads = [text(th) for th in select(table[0], "thead th")]
    return [dict(zip(heads, (text(td) for td in tr), strict=True))
            for tr in select(table[0], "tbody tr")]


def verdicts(page) -> list[str]:
    return [text(p) for p in select(page, "p.verdict")]


QUALIFIED = "每百名学生拥有高于规定学历教师数"
BACKBONE = "每百名学生拥有县级及以上骨干教师数"
PE_ART = "每百名学生拥有体育、艺术（美术、音乐）专任教师数"
TEACHING = "生均教学及辅助用房面积"
SPORTS = "生均体育运动场馆面积"
EQUIPMENT = "生均教学仪器设备值"
MULTIMEDIA = "每百名学生拥有网络多媒体教室数"


# -- files --------------------------------------------------------------------------------------

def test_one_file_per_evaluated_school_named_by_name_and_id(pages):
    for lang in ("zh", "en"):
        names = sorted(p.name for p in pages[lang]["_paths"])
        # TP1 is evaluated with P1: no page of its own. "/" and markup are cleaned away.
        assert names == sorted(["城关小学-P1.html", "河西小学_分校-P2.html", "东山小学-P3.html",
                                "山区_script_alert(1)__script_小学-P4.html",
                                "九年一贯制学校-N1.html", "二中九年一贯制-N2.html"])
    html = pages["zh"]["P4"].read_text(encoding="utf-8")
    assert "<script" not in html.lower()  # the name is text, and the page needs no script
    assert P4_NAME in text(select(doc(pages["zh"]["P4"]), "table.head")[0])


# -- what a page says ---------------------------------------------------------------------------

def test_passing_school_shows_its_values_thresholds_and_marks(pages):
    page = doc(pages["zh"]["P1"])
    header = {text(th): text(th.getnext()) for th in select(page, "table.head th")}
    assert header == {"县区": "测试县", "学校名称": "城关小学", "学校标识码": "P1",
                      "办学类型": "小学", "评估学年": header["评估学年"], "在校生": "220 人",
                      "评估依据": CITED, "并入的教学点": "TP1"}
    assert re.fullmatch(r"(\d{4})–(\d{4}) 学年", header["评估学年"])
    [table] = indicator_rows(page)
    got = {name: (r["本校数量"], r["单位"], r["本校值"], r["标准值"], r["达标率"], r["达标"])
           for name, r in table.items()}
    assert got == {
        QUALIFIED: ("11 名", "人/百生", "5.00", "4.20", "119%", "是"),  # 11/220·100; 5/4.2
        BACKBONE: ("3 名", "人/百生", "1.36", "1.00", "136.4%", "是"),  # 3/2.2 = 1.3636
        PE_ART: ("2 名", "人/百生", "0.91", "0.90", "101%", "是"),  # 0.9091 / 0.9 = 1.0101
        TEACHING: ("1,100 m²", "m²/生", "5", "4.5", "111.1%", "是"),
        SPORTS: ("1,760 m²", "m²/生", "8", "7.5", "106.7%", "是"),
        EQUIPMENT: ("55.00 万元", "元/生", "2,500", "2,000", "125%", "是"),
        MULTIMEDIA: ("6 间", "间/百生", "2.73", "2.30", "118.6%", "是"),  # 2.7273 / 2.3
    }
    assert verdicts(page) == ["7 项指标全部达标：达到学校达标要求。"]
    assert text(select(page, "p.result")[0]) == \
        "结论：资源配置达到学校达标要求；另有其他问题 1 项需整改"
    # The merged teaching point's teacher without a certificate is this page's task.
    [problem] = list_rows(page, "breaches")
    assert problem["存在问题"] == "教师未持证上岗"
    assert problem["现状"] == "石门教学点（TP1）：1 名专任教师无教师资格证"
    assert problem["整改任务"] == "1 名教师取得教师资格证或调整岗位"
    assert not list_rows(page, "gaps")
    assert "石门教学点（TP1）并入中心校 P1 评估" in text(select(page, "section.notes")[0])
    sign = text(select(page, "section.sign")[0])
    for label in ("校长（签字）", "学校（盖章）", "日期", "县教育局审核意见"):
        assert label in sign


def test_a_miss_the_rule_allows_is_marked_and_kept(pages):
    page = doc(pages["zh"]["P2"])
    [table] = indicator_rows(page)
    assert [r["达标"] for r in table.values()] == ["是"] * 5 + ["否", "是"]
    assert (table[EQUIPMENT]["本校值"], table[EQUIPMENT]["标准值"],
            table[EQUIPMENT]["达标率"]) == ("1,800", "2,000", "90%")
    assert verdicts(page) == ["达标 6 项，未达标 1 项且不低于标准值的 85%：达到学校达标要求。"]
    assert not list_rows(page, "gaps")
    assert "可暂不补足：「生均教学仪器设备值」" in text(page)
    [problem] = list_rows(page, "breaches")
    assert problem["现状"] == "最大班额 52 人，超过 45 人"
    assert problem["整改任务"] == "增设教学班 1 个，化解大班额"


def test_failing_on_the_count_shows_the_gap_to_close(pages):
    page = doc(pages["zh"]["P3"])
    [table] = indicator_rows(page)
    marks = {name: r["达标"] for name, r in table.items() if r["达标"] != "是"}
    assert marks == {TEACHING: "否", MULTIMEDIA: "否"}
    # 4.46 misses 4.5: shown 4.4, never 4.5; 4.46 / 4.5 = 99.1 %.
    assert (table[TEACHING]["本校值"], table[TEACHING]["达标率"]) == ("4.4", "99.1%")
    assert (table[MULTIMEDIA]["本校值"], table[MULTIMEDIA]["达标率"]) == ("2.00", "87%")
    assert verdicts(page) == ["达标 5 项，未达标 2 项且均不低于标准值的 85%："
                              "达标项少于 6 项，未达到学校达标要求。"]
    [gap] = list_rows(page, "gaps")
    assert gap == {"指标": MULTIMEDIA, "本校值": "2.00 间/百生", "标准值": "2.30 间/百生",
                   "需补足": "增加网络多媒体教室 1 间"}
    assert "可暂不补足：「生均教学及辅助用房面积」" in text(page)
    assert list_rows(page, "breaches") == []


def test_failing_below_the_floor_shows_the_amount_to_add(pages):
    page = doc(pages["zh"]["P4"])
    [table] = indicator_rows(page)
    assert table[EQUIPMENT]["达标"] == "否（低于85%）"
    assert (table[EQUIPMENT]["本校值"], table[EQUIPMENT]["达标率"]) == ("1,500", "75%")
    assert verdicts(page) == ["达标 6 项，未达标 1 项，其中 1 项低于标准值的 85%：未达到学校达标要求。"]
    [gap] = list_rows(page, "gaps")
    assert gap["需补足"] == "增加教学仪器设备 2.50 万元"  # (2000 − 1500) × 50 元
    [rooms] = list_rows(page, "breaches")
    assert rooms["整改任务"] == "增加音乐、美术专用教室 2 间"
    assert text(select(page, "p.result")[0]) == \
        "结论：资源配置未达到学校达标要求；另有其他问题 1 项需整改"


def test_a_nine_year_school_has_a_table_per_stage(pages):
    page = doc(pages["zh"]["N1"])
    stages = [text(h) for h in select(page, "section.stage h2")]
    assert stages == ["一、小学（在校生 300 人）", "二、初中（在校生 200 人）"]
    primary, junior = indicator_rows(page)
    assert (primary[QUALIFIED]["本校值"], primary[QUALIFIED]["标准值"]) == ("5.00", "4.20")
    assert (junior[QUALIFIED]["本校值"], junior[QUALIFIED]["标准值"]) == ("6.00", "5.30")
    assert (junior[SPORTS]["本校值"], junior[SPORTS]["标准值"]) == ("10.5", "10.2")
    assert verdicts(page) == ["7 项指标全部达标：达到学校达标要求。"] * 2


def test_stages_that_differ_are_each_named_and_the_gap_has_its_stage(pages):
    page = doc(pages["zh"]["N2"])
    assert text(select(page, "p.result")[0]) == \
        "结论：小学：未达到学校达标要求；初中：达到学校达标要求；无其他问题"
    assert verdicts(page) == ["达标 6 项，未达标 1 项，其中 1 项低于标准值的 85%：未达到学校达标要求。",
                              "7 项指标全部达标：达到学校达标要求。"]
    assert list_rows(page, "gaps") == [{
        "学段": "小学", "指标": EQUIPMENT, "本校值": "1,000 元/生", "标准值": "2,000 元/生",
        "需补足": "增加教学仪器设备 10.00 万元"}]  # (2000 − 1000) × 100 元


def test_english_pages_read_as_english(pages):
    for sid in ("P1", "P2", "P3", "P4", "N1", "N2"):
        body = text(select(doc(pages["en"][sid]), "article")[0])
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", body), sid  # no column keys
        assert not re.search(r"[\u4e00-\u9fff]", body.replace("测试县", "").replace(
            "城关小学", "").replace("石门教学点", "").replace("河西小学/分校", "").replace(
            "东山小学", "").replace(P4_NAME, "").replace("九年一贯制学校", "").replace(
            "二中九年一贯制", "")), sid
    p3 = doc(pages["en"]["P3"])
    assert verdicts(p3) == ["5 of 7 met, 2 missed, each at least 85% of its threshold: "
                            "fewer than 6 met, so it does not meet the per-school rule."]
    [gap] = list_rows(p3, "gaps")
    assert gap["To add"] == "add 1 multimedia classroom"  # one room: singular
    p4 = doc(pages["en"]["P4"])
    [table] = indicator_rows(p4)
    assert table["Teaching equipment value per pupil"]["Met"] == "no (below 85%)"
    assert verdicts(p4) == ["6 of 7 met, 1 missed, below 85% of its threshold: "
                            "does not meet the per-school rule."]
    assert list_rows(p4, "gaps")[0]["To add"] == "add 25,000 yuan of teaching equipment"
    p1 = doc(pages["en"]["P1"])
    header = {text(th): text(th.getnext()) for th in select(p1, "table.head th")}
    assert (header["Type"], header["Pupils"]) == ("primary school", "220 pupils")
    assert verdicts(p1) == ["All 7 indicators met: meets the per-school rule."]


# -- printed ------------------------------------------------------------------------------------

def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def test_each_page_prints_on_one_a4_sheet(pages, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for lang, sid in (("zh", "P1"), ("zh", "P3"), ("zh", "P4"), ("zh", "N1"), ("en", "P4")):
        page = browser.new_page()
        requests = []
        page.on("request", lambda r, seen=requests: seen.append(r.url))
        page.goto(pages[lang][sid].as_uri())
        page.wait_for_load_state("load")
        assert [u for u in requests if not u.startswith("file:")] == []  # nothing fetched
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        (ARTIFACTS / f"{sid}-{lang}.pdf").write_bytes(pdf)
        if (lang, sid) == ("zh", "P4"):
            page.emulate_media(media="print")
            page.screenshot(path=str(ARTIFACTS / f"{sid}-{lang}.png"), full_page=True)
        page.close()
        assert pdf.startswith(b"%PDF")
        # A4 portrait: 210 × 297 mm = 595.3 × 841.9 points, on every page.
        boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
        assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1
                             for w, h in boxes), (lang, sid, boxes)
        assert pdf_pages(pdf) == 1, (lang, sid)


def test_a_standard_without_a_per_school_rule_shows_values_only(tmp_path):
    # basic-2012 judges CVs only: no threshold, share, mark, gap or school-level item.
    junheng.write_sample(tmp_path / "county.xlsx", schools=8, seed=2)
    ev = junheng.evaluate(junheng.load(tmp_path / "county.xlsx"), "basic-2012")
    paths = write_school_pages(ev, tmp_path / "pages")
    assert len(paths) == 8
    page = doc(paths[0])
    for table in select(page, "table.ind"):
        assert [text(th) for th in select(table, "thead th")] == ["指标", "本校数量", "单位", "本校值"]
        assert {len(tr) for tr in select(table, "tbody tr")} == {4}
    assert "需补足的指标缺口" not in text(page) and "其他问题" not in text(page)
    assert text(select(page, "p.result")[0]) == "结论：本评估标准没有学校达标要求"
    assert "《县域义务教育均衡发展督导评估暂行办法》（教督〔2012〕3号）" in text(page)

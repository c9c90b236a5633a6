"""A school's teacher rows (issue 16): real teacher ids for the county bureau and the school
itself; pseudonyms for the inspector, the province/city office and the administrator — the
CLI's pseudonyms (``T-`` + 10 hex digits of SHA-256 over ``key:id``, computed here by hand
under the server's key) — with no birth month; not found for anyone else."""

from __future__ import annotations

import hashlib
import re

import pytest

import junheng
from junheng.io import Pseudonyms
from test_web_years import ROLES, build_world, cells

KNOWN_KEY = "0123456789abcdef" * 2
# the contract's words for what the sample holds, written out here
SUBJECTS = {"chinese": "语文", "math": "数学", "english": "英语", "pe": "体育", "music": "音乐",
            "art": "美术", "science": "科学", "it": "信息技术", "politics": "道德与法治", "other": "其他",
            "physics": "物理", "chemistry": "化学", "biology": "生物", "history": "历史",
            "geography": "地理"}
EDUCATION = {"below_secondary": "高中以下", "secondary": "高中/中专", "associate": "专科",
             "bachelor": "本科", "master": "硕士", "doctor": "博士"}
ROLE = {"teacher": "教师", "principal": "校长", "vice_principal": "副校长", "middle_manager": "中层"}


def by_hand(teacher_id: str) -> str:
    return "T-" + hashlib.sha256(f"{KNOWN_KEY}:{teacher_id}".encode()).hexdigest()[:10]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = build_world(tmp_path_factory.mktemp("web-teachers"))
    hide = Pseudonyms()
    hide._key = KNOWN_KEY  # the server's key made known, so the test can compute by hand
    w.app.state.web.pseudonyms = hide
    w.teachers = junheng.load(w.files["a2025"]).teachers
    return w


def rows_of(text: str) -> list[list[str]]:
    body = text[text.index("<tbody>"):text.index("</tbody>")]
    return [cells(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def heads_of(text: str) -> list[str]:
    head = text[text.index("<thead>"):text.index("</thead>")]
    return re.findall(r"<th[^>]*>([^<]+)<br>", head)


def expected_cells(t: dict, names: bool) -> list[str]:
    """One teacher's row as the page should show it, from the workbook, by hand."""
    yes = {True: "是", False: "否", None: "—"}
    out = [t["teacher_id"] if names else by_hand(t["teacher_id"]),
           {"primary": "小学", "junior": "初中"}[t["stage"]], SUBJECTS[t["subject"]],
           yes[t["full_time"]], EDUCATION[t["education"]],
           {"none": "无", "county": "县级", "city": "市级", "province": "省级",
            "national": "国家级"}[t["backbone"]],
           {"male": "男", "female": "女", None: "—"}[t["gender"]], str(t["birth_year"])]
    if names:
        out.append(str(t["birth_month"]))
    out += [str(t["school_since"]), str(t["schools_served"]),
            {"none": "未定级", "third": "三级", "second": "二级", "first": "一级", "senior": "高级",
             "full_senior": "正高级"}[t["title"]], yes[t["certified"]], ROLE[t["role"]],
            str(t["career_start"]), f"{t['training_hours_5y']:,.1f}".removesuffix(".0")]
    return out


def page(world, role: str, school: str = "S"):
    return world.clients[role].get(f"/counties/{world.ids['A']}/schools/{world.ids[school]}"
                                   "/teachers")


@pytest.mark.parametrize("role", ["county_a", "school"])
def test_the_bureau_and_the_school_see_the_real_ids(world, role):
    answer = page(world, role)
    assert answer.status_code == 200
    mine = world.teachers.filter(school_id=world.ids["S"]).sort("teacher_id").to_dicts()
    assert len(mine) > 5
    rows = rows_of(answer.text)
    assert rows == [expected_cells(t, names=True) for t in mine]
    assert "含个人信息" in answer.text and "已脱敏" not in answer.text
    assert not re.search(r"T-[0-9a-f]{10}", answer.text)
    heads = heads_of(answer.text)
    assert heads[:4] == ["教师编号", "任教学段", "任教学科", "专任教师"] and "出生月份" in heads
    assert "学校标识码" not in heads  # the page's own school
    # another school's teachers are not on this page
    others = world.teachers.filter(school_id=world.ids["S2"])["teacher_id"].to_list()
    assert others and not any(t in answer.text for t in others)


@pytest.mark.parametrize("role", ["inspector", "province", "admin"])
def test_the_others_see_the_clis_pseudonyms_and_no_birth_month(world, role):
    answer = page(world, role, "S2")
    assert answer.status_code == 200
    theirs = world.teachers.filter(school_id=world.ids["S2"]).to_dicts()
    rows = rows_of(answer.text)
    assert sorted(rows) == sorted(expected_cells(t, names=False) for t in theirs)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # in pseudonym order
    for t in theirs:
        assert t["teacher_id"] not in answer.text
    assert not re.search(r"T\d{8}", answer.text)  # no real id of any teacher
    assert "已脱敏" in answer.text and "pseudonymised" in answer.text.lower()
    heads = heads_of(answer.text)
    assert heads[0] == "教师编号（化名）" and "出生月份" not in heads
    # the same key and prefix as the CLI's --pseudonymise: the same pseudonyms for these rows
    cli = Pseudonyms()
    cli._key = KNOWN_KEY
    shown = {r[0] for r in rows}
    assert shown == set(cli.frame(world.teachers.filter(school_id=world.ids["S2"]),
                                  ["teacher_id"], "T-")["teacher_id"].to_list())


def test_a_pseudonym_is_stable_from_page_to_page(world):
    first = rows_of(page(world, "inspector").text)
    again = rows_of(page(world, "province").text)
    assert first == again and len(first) > 5


OK, LOGIN, NF = (200, None), (303, "/login"), (404, None)
ACCESS = [  # path, then anon admin province county_a school inspector county_b
    ("/counties/{A}/schools/{S}/teachers", (LOGIN, OK, OK, OK, OK, OK, NF)),
    ("/counties/{A}/schools/{S2}/teachers", (LOGIN, OK, OK, OK, NF, OK, NF)),
    ("/counties/{B}/schools/{S}/teachers", (LOGIN, OK, NF, NF, NF, NF, OK)),
    ("/counties/{A}/schools/9999999999/teachers", (LOGIN, NF, NF, NF, NF, NF, NF)),
    ("/counties/9999/schools/{S}/teachers", (LOGIN, NF, NF, NF, NF, NF, NF)),
    ("/counties/{C}/schools/{S}/teachers", (LOGIN, NF, NF, NF, NF, NF, NF)),  # no data yet
]


@pytest.mark.parametrize(("path", "outcomes"), ACCESS)
def test_who_may_read_the_teacher_rows(world, path, outcomes):
    real = set(world.teachers["teacher_id"].to_list())
    for role, (status, location) in zip(ROLES, outcomes, strict=True):
        answer = world.clients[role].get(path.format(**world.ids))
        assert answer.status_code == status, (role, path)
        if location:
            assert answer.headers["location"] == location
        if status != 200:
            assert not any(t in answer.text for t in real)
        # county B's bureau sees its own county's real ids; everyone else's view is checked above
        if status == 200 and role == "county_b":
            assert "含个人信息" in answer.text


def test_the_evaluation_api_pseudonymises_teachers_for_those_without_names(world):
    """The JSON names the teachers behind some findings: real ids for the bureau, the same
    pseudonyms as the teachers page for the inspector, the city office and the admin."""
    ids = set(world.teachers["teacher_id"].to_list())
    path = f"/api/counties/{world.ids['A']}/evaluation"
    bureau = world.clients["county_a"].get(path)
    assert bureau.status_code == 200
    named = {i for i in ids if f'"{i}"' in bureau.text}
    assert named  # the sample's findings do name teachers
    for role in ("inspector", "province", "admin"):
        text = world.clients[role].get(path).text
        assert not {i for i in ids if f'"{i}"' in text}, role
        assert all(f'"{by_hand(i)}"' in text for i in named), role

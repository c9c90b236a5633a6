"""The school-groups map (集团分布图, issue 17): every school at its coordinates, a line from each
group's leader to each of its members, one self-contained HTML page that opens offline.

plotly.js is inlined from the ``plotly`` wheel (as in the HTML report), the figure data sits in
``<script type="application/json">`` blocks, and nothing is fetched when the page is viewed.
Longitude is x and latitude y, drawn to one scale (a degree of longitude is cos(latitude) of a
degree of latitude), so the county is not stretched; a scale bar gives the kilometres. Schools
without coordinates are listed under the map, never dropped silently. Printed (A4 landscape),
each county's map is redrawn at the paper's width, one county per page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from junheng.plan import GroupPlan
from junheng.plan.groups.types import group_types
from junheng.report._format import fixed, number
from junheng.report._html import FONTS, PRINT_HOOKS, _e, figure_blocks, page_head
from junheng.report._text import Lang, plural

__all__ = ["PALETTE", "groups_map_html"]

# Twelve colours that stay apart on white paper and from the grey of schools in no group and
# the red of unmatched members; groups beyond twelve reuse them, told apart by their numbers.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#a6a614", "#1a237e", "#b8860b", "#00796b", "#ad1457")
GREY, RED, INK = "#b4b4b4", "#d62728", "#333333"
KM_PER_DEGREE = 6371.0 * math.pi / 180  # the planners' Earth radius (plan._geo)
# The map's height on screen (px): as tall as the county's shape asks at a 1280-px window's
# width, within these bounds; printed, under its caption on an A4 landscape page.
SCREEN_HEIGHT, PRINT_HEIGHT = (520, 760), 500
MARGINS = 112  # px above and below the plot area (legend, axis)
# The plot area (px) on screen in a 1280-px window, at its least height, and on A4 landscape
# (277 mm at 96 px per inch): labels are placed at the smaller scale of the two.
PLOT_PX = ((1108, SCREEN_HEIGHT[0] - MARGINS), (965, PRINT_HEIGHT - MARGINS))
STAR, LABEL_PX = 16, 12  # a leader's star and its number (px)
DETAIL_LEAST = 2  # unlabelled leaders that earn the crowded centre a map of its own

WORDS: dict[str, tuple[str, str]] = {
    "title": ("集团化办学分布图", "School groups map"),
    "counties": ("{n} 个县区", "{n} counties"),
    "leader": ("牵头学校", "leader"),
    "member": ("成员学校", "member school"),
    "none": ("未入集团", "in no group"),
    "unmatched": ("未入集团的成员学校（红圈）", "member school in no group (red ring)"),
    "lines": ("连线：牵头学校—成员学校", "line: leader to member"),
    "kept": ("原有集团", "kept"),
    "new": ("新建集团", "new"),
    "th_type": ("集团类型", "Type"),
    "th_name": ("集团名称", "Name"),
    "th_leader": ("牵头学校", "Leader"),
    "group_no": ("集团编号", "Group id"),
    "group_head": ("集团 {n}", "group {n}"),  # a group as the hover names it
    "members_n": ("成员学校 {n} 所", "member schools: {n}"),
    "km": ("牵头学校：{leader}，相距 {km} km", "leader: {leader}, {km} km away"),
    "km_unknown": ("牵头学校：{leader}（无坐标，距离未计）",
                   "leader: {leader} (no coordinates, distance not counted)"),
    "pupils": ("在校生 {n}", "{n}"),
    "unmatched_role": ("未入集团（成员学校，未找到牵头学校）",
                       "in no group (a member school left without a leader)"),
    "lon": ("经度", "longitude"),
    "lat": ("纬度", "latitude"),
    "n_groups": ("{n} 个集团", "{n} groups"),
    "kept_new": ("（原有 {kept} 个，新建 {new} 个）", " ({kept} kept, {new} new)"),
    "towns": ("覆盖乡镇（街道）{inside} / {towns} 个", "townships reached: {inside} of {towns}"),
    "coverage": ("{groups}；入集团学校 {inside} / {schools} 所；覆盖学生 {pupils_in} / "
                 "{pupils} 人（{share}）",
                 "{groups}; schools in groups: {inside} of {schools}; pupils in groups: "
                 "{pupils_in} of {pupils} ({share})"),
    "target": ("覆盖目标 {target}：{met}", "coverage target {target}: {met}"),
    "met": ("已达到", "met"),
    "not_met": ("未达到", "not met"),
    "short": ("未达到，还差 {n} 名学生", "not met, {n} short"),
    # {n}: a count in Chinese ("3"), the count with its noun in English ("3 schools")
    "unmatched_n": ("{n} 所成员学校未入集团（图中红圈）",
                    "{n} in no group (red rings on the map)"),
    "no_coords": ("{n} 所学校没有坐标，未画出：", "{n} without coordinates, not drawn: "),
    "no_coords_county": ("本县区的学校都没有坐标（纬度、经度），无法画出分布图；请在“学校”表中填写坐标。",
                         "no school of this county has coordinates (latitude, longitude), so "
                         "there is no map; fill them in on the schools sheet."),
    "no_coords_page": ("所有学校都没有坐标（纬度、经度），无法画出分布图；请在“学校”表中填写坐标。"
                       "集团名单见下。",
                       "no school has coordinates (latitude, longitude), so there is no map; "
                       "fill them in on the schools sheet. The groups are listed below."),
    "detail": ("中心区域放大图", "The crowded centre, closer"),
    "detail_hint": ("总图中编号重叠、未能标出的集团在此标出（比例尺见图左下）。",
                    "the groups whose numbers did not fit on the whole map are numbered here "
                    "(scale bar lower left)."),
    "table": ("集团名单", "The groups"),
    "th_members": ("成员学校（距离 km）", "Members (km)"),
    "no_groups": ("本县区没有组成集团。", "no group was formed in this county."),
    "how": ("图中标注为集团编号（与工作簿、网页相同），标在牵头学校（★）旁；同一集团的连线与标记同色，"
            "颜色按 {n} 种循环使用，同色的集团以编号区分。悬停可查看学校、角色、集团、距离和在校生；拖动鼠标框选可放大，双击复原。"
            "横轴为经度、纵轴为纬度，按同一比例绘制。",
            "Each label is a group's id (as in the workbook and the web page), beside its "
            "leader (★); a group's lines and markers share "
            "a colour, {n} colours in turn, so groups of one colour are told apart by id. "
            "Hover for the school, its role, group, distance and pupils; drag a box to zoom in, "
            "double-click to zoom out. Longitude across, latitude up, drawn to one scale."),
}


def _w(key: str, lang: Lang, **kwargs: object) -> str:
    zh, en = WORDS[key]
    return (zh if lang == "zh" else en).format(**kwargs)


@dataclass(frozen=True)
class _School:
    school_id: str
    name: str
    lon: float | None
    lat: float | None
    role: str  # leader · member · none · unmatched
    group: int | None  # its group's number: the colour and the order, never shown
    label: str | None  # its group's id as users read it everywhere (G001, a kept id)
    about: str | None  # its group as the hover names it: id, name, type
    leader: str | None  # its group's leader, by name
    members: int  # a leader's: its members
    km: float | None
    pupils: int | None
    why: str | None  # an unmatched member: why it has no leader


def groups_map_html(plan: GroupPlan, schools: pl.DataFrame, lang: Lang = "zh",
                    words: Mapping[str, tuple[str, str]] | None = None) -> str:
    """The groups as a map: one self-contained HTML page, a section per county.

    Every school of ``schools`` (the dataset's schools table: ``school_id``, ``name``,
    ``county``, ``latitude``, ``longitude``; other columns are ignored) is a marker at its
    coordinates: a group's leader a large star, its members circles in the group's colour,
    each joined to the leader by a line; schools in no group small and grey, the member
    schools the plan could not place (``plan.unmatched``) ringed red. Each group's number
    stands beside its leader where it does not overlap another (placed for the printed page);
    when some find no room, a second map shows the crowded centre closer. Hovering a school
    gives its name, role, group (number, and name, type, kept or new when the plan has them),
    its leader and the distance to it, and its pupils. Above each map the coverage figures;
    under it the schools without coordinates by name, and the groups as a table. A county
    with no coordinates at all gets a sentence saying so instead of an empty plot.
    ``lang="en"`` gives the English page. The plan's tables are read by column name, so
    columns added to them change nothing; a ``groups`` row without a member (null
    ``member_id``) stands for a group of its leader alone. ``words`` replaces entries of
    ``WORDS`` (zh, en) — the school-districts map calls its groups 学区 this way.

    Examples
    --------
    >>> import junheng
    >>> from junheng.plan import plan_groups
    >>> data = junheng.generate_sample(schools=12, seed=1)
    >>> page = groups_map_html(plan_groups(data, year=2026, time_limit=10), data.schools)
    >>> page.startswith("<!DOCTYPE html>"), "集团化办学分布图" in page, "<script src=" in page
    (True, True, False)
    """
    return _Page(plan, schools, lang, words or {}).render()


class _Page:
    def __init__(self, plan: GroupPlan, schools: pl.DataFrame, lang: Lang,
                 words: Mapping[str, tuple[str, str]]) -> None:
        self.plan, self.schools, self.lang, self.words = plan, schools, lang, words
        self.figures: list[tuple[str, dict[str, Any]]] = []
        self.groups = plan.groups if plan.groups is not None else pl.DataFrame()
        self.pupils = _pupils(plan)
        standard = getattr(getattr(plan, "before", None), "standard", None)
        self.types = group_types(standard) if standard is not None else {}

    def w(self, key: str, **kwargs: object) -> str:
        zh, en = self.words.get(key) or WORDS[key]
        return (zh if self.lang == "zh" else en).format(**kwargs)

    def counties(self) -> list[str]:
        """The plan's counties in its order, then any other county of the schools table."""
        seen: list[str] = []
        for frame in (self.plan.coverage, self.schools, self.groups):
            if frame is not None and "county" in frame.columns:
                for c in frame.get_column("county").to_list():
                    if c is not None and c not in seen:
                        seen.append(c)
        return seen

    def render(self) -> str:
        from junheng import __version__

        counties = self.counties()
        where = counties[0] if len(counties) == 1 else self.w("counties", n=len(counties))
        title = f"{self.w('title')} · {where}"
        sections = [self.county(c, i) for i, c in enumerate(counties)]
        nobody = "" if self.figures or not counties else \
            f"<p class='warn'>{_e(self.w('no_coords_page'))}</p>"
        nav = "".join(f'<a href="#c{i}">{_e(c)}</a>' for i, c in enumerate(counties)) \
            if len(counties) > 1 else ""
        figures = figure_blocks(self.figures)
        # No map, no script: the page is a short note and the groups' table.
        script = f"<script>{JS.replace('PRINT_HEIGHT', str(PRINT_HEIGHT))}</script>" \
            if self.figures else ""
        return page_head(title, self.lang, CSS, plotly=bool(self.figures)) + f"""<header><h1>{_e(title)}</h1>
<p class="meta">{_e(self.plan.year)}–{_e(self.plan.year + 1)} · junheng {__version__}</p>
{f"<nav>{nav}</nav>" if nav else ""}</header>
<main>
{nobody}
{"".join(sections)}
</main>
{figures}
{script}
</body>
</html>
"""

    # -- one county ------------------------------------------------------------------------
    def points(self, county: str) -> list[_School]:
        """Every school of the county, with its role in the plan (read from the plan's tables
        by column name, so added columns change nothing)."""
        g = self.groups.filter(pl.col("county") == county) if self.groups.height else self.groups
        leads: dict[str, int] = {}
        member: dict[str, dict] = {}
        about: dict[int, str] = {}
        labels: dict[int, str] = {}
        leader_names: dict[int, str] = {}
        size: dict[int, int] = {}
        for r in g.iter_rows(named=True):
            leads[r["leader_id"]] = r["group"]
            about[r["group"]] = self.about(r)
            labels[r["group"]] = _label(r)
            leader_names[r["group"]] = r["leader_name"]
            size.setdefault(r["group"], 0)
            if r["member_id"] is not None:  # else a group of its leader alone
                size[r["group"]] += 1
                member[r["member_id"]] = r

        def school(sid: str, name: str, lon: float | None, lat: float | None, role: str,
                   group: int | None, km: float | None) -> _School:
            return _School(sid, name, lon, lat, role, group,
                           label=None if group is None else labels[group],
                           about=None if group is None else about[group],
                           leader=None if group is None else leader_names[group],
                           members=size[group] if role == "leader" else 0,  # type: ignore[index]
                           km=km, pupils=self.pupils.get(sid), why=unmatched.get(sid))
        unmatched = {}
        if self.plan.unmatched is not None and self.plan.unmatched.height:
            for r in self.plan.unmatched.filter(pl.col("county") == county).iter_rows(named=True):
                unmatched[r["school_id"]] = r["why_zh" if self.lang == "zh" else "why_en"]
        rows = self.schools.filter(pl.col("county") == county).unique(
            "school_id", keep="first", maintain_order=True)
        out: list[_School] = []
        names: dict[str, str] = {}
        for r in rows.iter_rows(named=True):
            sid = r["school_id"]
            names[sid] = r["name"] or sid
            lon, lat = _coordinate(r.get("longitude")), _coordinate(r.get("latitude"))
            if lon is None or lat is None:
                lon = lat = None
            if sid in leads:
                role, group, km = "leader", leads[sid], None
            elif sid in member:
                role, group, km = "member", member[sid]["group"], member[sid]["km"]
            else:
                role, group, km = ("unmatched" if sid in unmatched else "none"), None, None
            out.append(school(sid, names[sid], lon, lat, role, group, km))
        # A school the plan names but the schools table lacks: listed as without coordinates.
        for sid, group in leads.items():
            if sid not in names:
                out.append(school(sid, leader_names[group], None, None, "leader", group, None))
        for sid, r in member.items():
            if sid not in names:
                out.append(school(sid, r["member_name"], None, None, "member", r["group"],
                                  r["km"]))
        return out

    def about(self, row: dict[str, Any]) -> str:
        """A group as the hover names it, from one of its rows: number, then its name, type
        and whether it was kept when the plan's tables say so."""
        zh = self.lang == "zh"
        name = row.get("group_name")
        head = self.w("group_head", n=_label(row)) + (
            (f"「{name}」" if zh else f" “{name}”") if name else "")
        said = [w for w in (self.type_words(row.get("group_type")),
                            _status(row.get("group_status"), self.lang)) if w]
        if not said:
            return head
        return f"{head}（{'，'.join(said)}）" if zh else f"{head} ({', '.join(said)})"

    def type_words(self, code: str | None) -> str | None:
        """A group type's name (its code when the plan carries no standard to name it)."""
        if not code:
            return None
        kind = self.types.get(code)
        return code if kind is None else kind.words(self.lang)

    def county(self, county: str, index: int) -> str:
        points = self.points(county)
        missing = [p for p in points if p.lon is None]
        out = [f"<section class='county' id='c{index}'><h2>{_e(county)}</h2>",
               self.caption(county)]
        if len(missing) < len(points):
            out += self.maps(points, f"map{index}")
        elif points:
            out.append(f"<p class='warn'>{_e(self.w('no_coords_county'))}</p>")
        out += [self.table(county), "</section>"]
        return "\n".join(out)

    def maps(self, points: list[_School], fid: str) -> list[str]:
        """The county's map, the schools it could not draw by name, and, when leaders' numbers
        found no room on it, the crowded centre closer."""
        drawn = [p for p in points if p.lon is not None]
        missing = [p for p in points if p.lon is None]
        flat = _Flat(sum(p.lon for p in drawn) / len(drawn),  # type: ignore[misc]
                     sum(p.lat for p in drawn) / len(drawn))  # type: ignore[misc]
        whole = _Window.around([flat.at(p) for p in drawn])
        fig, dropped = self.figure(points, flat, whole)
        self.figures.append((fid, fig))
        out = [f"<p class='hint'>{_e(self.w('how', n=len(PALETTE)))}</p>",
               f"<div class='map' id='{fid}'></div>"]
        if missing:
            names = ("、" if self.lang == "zh" else ", ").join(p.name for p in missing)
            n = self.schools_n(len(missing), "school", "schools")
            out.append(f"<p class='missing'>{_e(self.w('no_coords', n=n))}"
                       f"{_e(names)}</p>")
        if len(dropped) >= DETAIL_LEAST:
            near = _detail([flat.at(p) for p in dropped], whole)
            fig, _ = self.figure(points, flat, near)
            self.figures.append((f"{fid}-detail", fig))
            out.append(f"<div class='detail'><h3>{_e(self.w('detail'))}</h3>"
                       f"<p class='hint'>{_e(self.w('detail_hint'))}</p>"
                       f"<div class='map' id='{fid}-detail'></div></div>")
        return out

    def schools_n(self, n: int, one: str, many: str) -> str:
        """A count of schools: the number in Chinese (the sentence has 所), with its noun in
        agreement in English."""
        return number(n, "count", self.lang) if self.lang == "zh" else plural(n, one, many)

    def caption(self, county: str) -> str:
        cov = self.plan.coverage
        rows = cov.filter(pl.col("county") == county).to_dicts() if cov is not None and \
            cov.height else []
        if not rows:
            return ""
        r, lang = rows[0], self.lang
        groups = self.w("n_groups", n=number(r["groups"], "count", lang))
        if r.get("groups_kept"):  # with kept groups, how many of each
            groups += self.w("kept_new", kept=number(r["groups_kept"], "count", lang),
                             new=number(r.get("groups_new"), "count", lang))
        parts = [self.w("coverage", groups=groups,
                        inside=number(r["schools_in_groups"], "count", lang),
                        schools=number(r["schools"], "count", lang),
                        pupils_in=number(r["pupils_in_groups"], "count", lang),
                        pupils=number(r["pupils"], "count", lang),
                        share=number(r["pupils_share"], "rate", lang))]
        if r.get("towns"):
            parts.append(self.w("towns", inside=number(r.get("towns_in_groups"), "count", lang),
                                towns=number(r["towns"], "count", lang)))
        if r.get("target") is not None:
            parts.append(self.w("target", target=number(r["target"], "rate", lang),
                                met=self.w("met") if r.get("target_met") else self.w(
                                    "short", n=self.schools_n(r["pupils_short"], "pupil",
                                                              "pupils"))
                                if r.get("pupils_short") else self.w("not_met")))
        if r.get("members_unmatched"):
            parts.append(self.w("unmatched_n", n=self.schools_n(
                r["members_unmatched"], "member school", "member schools")))
        return f"<p class='caption'>{_e(('；' if lang == 'zh' else '; ').join(parts))}</p>"

    def table(self, county: str) -> str:
        """The groups by number, with their colour, leader and members (km); their type and
        name when the plan gives them."""
        g = self.groups.filter(pl.col("county") == county) if self.groups.height else self.groups
        if g.height == 0:
            return f"<p>{_e(self.w('no_groups'))}</p>"
        extra = [c for c in ("group_type", "group_name")
                 if c in g.columns and g.get_column(c).drop_nulls().len()]
        sep = "、" if self.lang == "zh" else ", "
        body = []
        for (number_,), rows in g.sort("group", "member_id").group_by(["group"],
                                                                      maintain_order=True):
            first = rows.row(0, named=True)
            members = sep.join(
                f"{r['member_name']}（{_km(r['km'])}）" if self.lang == "zh" else
                f"{r['member_name']} ({_km(r['km'])})" for r in rows.iter_rows(named=True)
                if r["member_id"] is not None) or "—"
            cells = [self.type_words(first[c]) if c == "group_type" else first[c] for c in extra]
            body.append(f"<tr><td class='num'><span class='swatch' style='background:"
                        f"{colour(number_)}'></span>{_e(_label(first))}</td>"
                        + "".join(f"<td class='nowrap'>{_e(c or '')}</td>" for c in cells)
                        + f"<td class='nowrap'>{_e(first['leader_name'])}</td>"
                        f"<td>{_e(members)}</td></tr>")
        heads = ["group_no", *(f"th_{c.removeprefix('group_')}" for c in extra), "th_leader",
                 "th_members"]
        return (f"<h3 class='table'>{_e(self.w('table'))}</h3><table class='groups'><thead><tr>"
                + "".join(f"<th>{_e(self.w(h))}</th>" for h in heads)
                + f"</tr></thead><tbody>{''.join(body)}</tbody></table>")

    # -- the figure ------------------------------------------------------------------------
    def hover(self, p: _School) -> str:
        lines = [f"<b>{_e(p.name)}</b>"]
        group = _e(p.about)
        if p.role == "leader":
            lines.append(f"{self.w('leader')} · {group}")
            lines.append(self.w("members_n", n=number(p.members, "count", self.lang)))
        elif p.role == "member":
            lines.append(f"{self.w('member')} · {group}")
            lines.append(self.w("km_unknown", leader=_e(p.leader)) if p.km is None else
                         self.w("km", leader=_e(p.leader), km=_km(p.km)))
        elif p.role == "unmatched":
            lines.append(self.w("unmatched_role"))
            if p.why:
                lines.append(_e(p.why))
        else:
            lines.append(self.w("none"))
        lines.append(self.w("pupils", n=number(p.pupils, "pupils", self.lang)))
        return "<br>".join(lines)

    def figure(self, points: list[_School], flat: _Flat,
               window: _Window) -> tuple[dict[str, Any], list[_School]]:
        """The map of ``points`` seen through ``window``, and the leaders whose number found
        no free place beside their star at that scale."""
        drawn = [p for p in points if p.lon is not None]
        at = {p.school_id for p in drawn}
        data: list[dict[str, Any]] = []
        # One line trace per group, a segment per member (None between segments): lines first,
        # so the markers are drawn over them.
        leader_at = {p.group: p for p in drawn if p.role == "leader"}
        members: dict[int, list[_School]] = {}
        for p in points:
            if p.role == "member" and p.group is not None:
                members.setdefault(p.group, []).append(p)
        for group, those in sorted(members.items()):
            lead = leader_at.get(group)
            xs: list[float | None] = []
            ys: list[float | None] = []
            for m in those:
                if lead is None or m.school_id not in at:
                    continue  # an end without coordinates: nothing to draw
                xs += [lead.lon, m.lon, None]
                ys += [lead.lat, m.lat, None]
            if xs:
                data.append({"type": "scatter", "mode": "lines", "x": xs[:-1], "y": ys[:-1],
                             "name": f"{_e(lead.about)} · {_e(lead.leader)}",
                             "line": {"color": colour(group), "width": 1.5},
                             "hoverinfo": "skip", "showlegend": False, "legendgroup": "lines"})
        leaders = [p for p in drawn if p.role == "leader"]
        places = _place_labels(leaders, flat, window, STAR)
        legend: list[dict[str, Any]] = []
        # name, symbol, size, colour (None: the group's), outline; drawn in this order.
        styles = [("none", "circle", 6, GREY, {"width": 0}),
                  ("unmatched", "circle", 9, GREY, {"width": 2.5, "color": RED}),
                  ("member", "circle", 8, None, {"width": 1, "color": "white"}),
                  ("leader", "star", STAR, None, {"width": 1, "color": INK})]
        for role, symbol, size, fill, line in styles:
            chosen = [p for p in drawn if p.role == role]
            if not chosen:
                continue
            trace: dict[str, Any] = {
                "type": "scatter", "mode": "markers", "name": self.w(role),
                "x": [p.lon for p in chosen], "y": [p.lat for p in chosen],
                "hovertext": [self.hover(p) for p in chosen], "hoverinfo": "text",
                "marker": {"symbol": symbol, "size": size, "line": line,
                           "color": fill or [colour(p.group) for p in chosen]},
                "showlegend": False, "legendgroup": role}
            if role == "leader":  # each group's number beside its leader, where it fits
                trace["mode"] = "markers+text"
                trace["text"] = [p.label if places[p.school_id] else "" for p in chosen]
                trace["textposition"] = [places[p.school_id] or "top right" for p in chosen]
                trace["textfont"] = {"size": LABEL_PX, "weight": "bold",
                                     "color": [colour(p.group) for p in chosen]}
            data.append(trace)
            legend.append({"type": "scatter", "mode": "markers", "x": [None], "y": [None],
                           "name": trace["name"], "legendgroup": role, "hoverinfo": "skip",
                           "marker": {"symbol": symbol, "size": max(size, 10), "line": line,
                                      "color": fill or INK}})
        if any(t["mode"] == "lines" for t in data):
            legend.append({"type": "scatter", "mode": "lines", "x": [None], "y": [None],
                           "name": self.w("lines"), "legendgroup": "lines",
                           "hoverinfo": "skip", "line": {"color": INK, "width": 2}})
        order = ["leader", "member", "none", "unmatched", "lines"]
        legend.sort(key=lambda t: order.index(t["legendgroup"]))
        dropped = [p for p in leaders if places[p.school_id] is None]
        return {"data": data + legend, "layout": self.layout(flat, window)}, dropped

    def layout(self, flat: _Flat, window: _Window) -> dict[str, Any]:
        (lon0, lat0), (lon1, lat1) = flat.degrees(window.x0, window.y0), \
            flat.degrees(window.x1, window.y1)
        km = _nice((window.x1 - window.x0) / 5)
        # The scale bar in the lower left, in the room the window leaves below the schools.
        bx = window.x0 + 0.03 * (window.x1 - window.x0)
        by = window.y0 + 0.035 * (window.y1 - window.y0)
        (b0, y), (b1, _) = flat.degrees(bx, by), flat.degrees(bx + km, by)
        tall = PLOT_PX[0][0] * (window.y1 - window.y0) / (window.x1 - window.x0) + MARGINS
        # Enough decimals that about six ticks read apart (2 on a county, 3 on a town).
        ticks = f".{max(2, -math.floor(math.log10((lat1 - lat0) / 6)))}f"
        return {
            "height": round(min(max(tall, SCREEN_HEIGHT[0]), SCREEN_HEIGHT[1])),
            "margin": {"l": 60, "r": 20, "t": 36, "b": 46},
            "font": {"family": FONTS, "size": 13}, "hovermode": "closest",
            "plot_bgcolor": "#fbfcfd", "paper_bgcolor": "white",
            "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom",
                       "font": {"size": 13}, "itemsizing": "constant"},
            "xaxis": {"title": {"text": self.w("lon"), "standoff": 6}, "range": [lon0, lon1],
                      "showgrid": True, "gridcolor": "#e6e9ee", "zeroline": False,
                      "tickformat": ticks, "constrain": "range"},
            # One degree of latitude is as long as 1/cos(latitude) degrees of longitude.
            "yaxis": {"title": {"text": self.w("lat"), "standoff": 6}, "range": [lat0, lat1],
                      "scaleanchor": "x", "scaleratio": 1 / flat.cos, "showgrid": True,
                      "gridcolor": "#e6e9ee", "zeroline": False, "tickformat": ticks,
                      "constrain": "range"},
            "shapes": [{"type": "line", "xref": "x", "yref": "y", "x0": b0, "x1": b1,
                        "y0": y, "y1": y, "line": {"color": INK, "width": 3}}],
            "annotations": [{"xref": "x", "yref": "y", "x": (b0 + b1) / 2, "y": y,
                             "yanchor": "bottom", "showarrow": False,
                             "text": f"{_km(km, 0 if km >= 1 else 1)} km",
                             "font": {"size": 12, "color": INK}}],
        }


@dataclass(frozen=True)
class _Flat:
    """Degrees to km east and north of a county's mean position (equirectangular: exact
    enough across a county, and what the map draws with ``scaleratio``)."""

    lon0: float
    lat0: float

    @property
    def cos(self) -> float:
        return math.cos(math.radians(self.lat0))

    def km(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * KM_PER_DEGREE * self.cos, (lat - self.lat0) * KM_PER_DEGREE

    def at(self, school: _School) -> tuple[float, float]:
        """A drawn school's position in km."""
        return self.km(school.lon, school.lat)  # type: ignore[arg-type]

    def degrees(self, x: float, y: float) -> tuple[float, float]:
        return self.lon0 + x / (KM_PER_DEGREE * self.cos), self.lat0 + y / KM_PER_DEGREE


@dataclass(frozen=True)
class _Window:
    """A map's extent in km (``_Flat``), and the pixels per km it is drawn at: the smaller of
    the screen's and the printed page's, so labels placed apart stay apart on paper."""

    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def scale(self) -> float:
        return min(min(w / (self.x1 - self.x0), h / (self.y1 - self.y0)) for w, h in PLOT_PX)

    def holds(self, x: float, y: float) -> bool:
        """Whether (x, y) is on the map: plotly widens the window to the plot's shape, on
        screen or on paper, around its centre."""
        cx, cy = (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2
        half_x = max((self.x1 - self.x0) / 2, *((self.y1 - self.y0) / 2 * w / h
                                                for w, h in PLOT_PX))
        half_y = max((self.y1 - self.y0) / 2, *((self.x1 - self.x0) / 2 * h / w
                                                for w, h in PLOT_PX))
        return abs(x - cx) <= half_x and abs(y - cy) <= half_y

    @classmethod
    def around(cls, xy: list[tuple[float, float]]) -> _Window:
        """The schools' extent, padded for the stars and labels at its edges and for the
        scale bar below; at least 2 km across (one school alone)."""
        xs, ys = [x for x, _ in xy], [y for _, y in xy]
        wx, wy = max(max(xs) - min(xs), 2.0), max(max(ys) - min(ys), 2.0)
        return cls(min(xs) - 0.05 * wx, max(xs) + 0.06 * wx, min(ys) - 0.12 * wy,
                   max(ys) + 0.05 * wy)


def _detail(dropped: list[tuple[float, float]], whole: _Window) -> _Window:
    """The crowded centre: the unlabelled leaders' extent, padded (at least 2 km across); when
    that is more than a third of ``whole``, the third of it around the unlabelled leader with
    the most unlabelled leaders near it.

    >>> w = _detail([(0.0, 0.0), (1.0, 2.0)], _Window(-30, 30, -30, 30))
    >>> (w.x0, w.x1, w.y0, w.y1)
    (-1.0, 2.0, -1.0, 3.0)
    """
    w, h = (whole.x1 - whole.x0) / 3, (whole.y1 - whole.y0) / 3
    xs, ys = [x for x, _ in dropped], [y for _, y in dropped]
    if max(xs) - min(xs) <= w and max(ys) - min(ys) <= h:
        pad = max(0.25 * max(max(xs) - min(xs), max(ys) - min(ys)), 1.0)
        return _Window(min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad)

    def inside(cx: float, cy: float) -> int:
        return sum(abs(x - cx) <= w / 2 and abs(y - cy) <= h / 2 for x, y in dropped)

    cx, cy = max(dropped, key=lambda c: inside(*c))
    cx = min(max(cx, whole.x0 + w / 2), whole.x1 - w / 2)
    cy = min(max(cy, whole.y0 + h / 2), whole.y1 - h / 2)
    return _Window(cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2)


def _place_labels(leaders: list[_School], flat: _Flat, window: _Window,
                  star: int) -> dict[str, str | None]:
    """Each leader's label position (a plotly ``textposition``), or None where none of the
    four corners beside its star is free of other labels and stars at ``window.scale``.

    Greedy, in group order: on a crowded centre the later numbers give way (the detail map
    and the table name them)."""
    s, r = window.scale, star / 2
    centre = {p.school_id: flat.at(p) for p in leaders}
    px = {sid: (x * s, y * s) for sid, (x, y) in centre.items()}
    # A star's body (its points reach further, but a label may cover a point's tip), so a
    # label beside one of two stars drawn on one spot stays clear of the other.
    body = r * 0.6
    stars = {sid: (x - body, y - body, x + body, y + body) for sid, (x, y) in px.items()}
    placed: list[tuple[float, float, float, float]] = []
    out: dict[str, str | None] = {}
    for p in sorted(leaders, key=lambda p: (p.group or 0, p.school_id)):
        out[p.school_id] = None
        if not window.holds(*centre[p.school_id]):
            continue
        x, y = px[p.school_id]
        w, h, gap = LABEL_PX * 0.62 * len(p.label or str(p.group)) + 2, LABEL_PX + 2, body
        for where, (dx, dy) in (("top right", (1, 1)), ("top left", (-1, 1)),
                                ("bottom right", (1, -1)), ("bottom left", (-1, -1))):
            bx = x + gap if dx > 0 else x - gap - w
            by = y + gap if dy > 0 else y - gap - h
            box = (bx, by, bx + w, by + h)
            others = [b for sid, b in stars.items() if sid != p.school_id]
            if not any(_overlap(box, b) for b in placed + others):
                placed.append(box)
                out[p.school_id] = where
                break
    return out


def _label(row: dict[str, Any]) -> str:
    """A group's name as users read it: its id (G001, a kept group's own) when the plan gives
    one, else its number (the districts map's rows carry none)."""
    return row.get("group_id") or str(row["group"])


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def colour(group: int | None) -> str:
    """A group's colour: the palette in turn by group number (group 1 the first colour).

    >>> colour(1), colour(1 + len(PALETTE)) == colour(1), colour(2) != colour(1)
    ('#1f77b4', True, True)
    """
    return GREY if group is None else PALETTE[(group - 1) % len(PALETTE)]


def _status(status: str | None, lang: Lang) -> str | None:
    """A group kept from today's groups or new (the planner's ``group_status``)."""
    return _w(status, lang) if status in ("kept", "new") else None


def _coordinate(value: object) -> float | None:
    if value is None:
        return None
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _km(value: float | None, digits: int = 1) -> str:
    return "—" if value is None or not math.isfinite(value) else fixed(value, digits)


def _nice(km: float) -> float:
    """The scale bar's length: 1, 2 or 5 × a power of ten, at most ``km`` (at least 0.1).

    >>> _nice(7.3), _nice(2.0), _nice(0.04), _nice(130)
    (5.0, 2.0, 0.1, 100.0)
    """
    if km <= 0.1:
        return 0.1
    power = 10 ** math.floor(math.log10(km))
    return float(max(step * power for step in (1, 2, 5) if step * power <= km))


def _pupils(plan: GroupPlan) -> dict[str, int]:
    """Each school's pupils: the evaluation's (every school), the plan's count where it has
    one (a member's row)."""
    out: dict[str, int] = {}
    before = getattr(plan, "before", None)
    if before is not None and "students" in before.schools.columns:
        per = before.schools.group_by("school_id").agg(pl.col("students").sum())
        out.update(zip(per["school_id"], per["students"], strict=True))
    for data in (getattr(plan, "inputs", None) or {}).values():
        out.update({s: x.pupils for s, x in data.schools.items()})
    groups = plan.groups
    if groups is not None and "member_pupils" in groups.columns:
        out.update({s: n for s, n in zip(groups["member_id"], groups["member_pupils"],
                                         strict=True) if n is not None})
    return out


CSS = """
body { font-family: FONTS; margin: 0; color: #222; background: #f6f7f9; }
header { background: #1f3a5f; color: white; padding: 14px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header .meta { margin: 0; opacity: .85; font-size: 13px; }
nav a { color: #cfe0ff; margin-right: 14px; font-size: 13px; }
main { max-width: 1280px; margin: 0 auto; padding: 12px 24px 40px; box-sizing: border-box; }
section { background: white; border-radius: 6px; padding: 10px 22px 18px; margin: 14px 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { border-bottom: 2px solid #1f3a5f; padding-bottom: 4px; margin: 6px 0 8px; }
h3 { color: #1f3a5f; margin: 18px 0 6px; }
p.caption { font-size: 15px; font-weight: 600; margin: 4px 0 6px; }
p.warn { color: #9a6400; font-weight: 600; }
p.missing { color: #b3261e; font-size: 14px; }
.hint { color: #666; font-size: 12px; }
.map { width: 100%; min-width: 0; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13px; width: 100%; }
th, td { border: 1px solid #d8dde5; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #e8edf4; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; width: 4em; }
td.nowrap { white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
          margin-right: 6px; vertical-align: baseline; }
@page { size: A4 landscape; margin: 10mm; }
body.printing main { width: 277mm; max-width: none; padding: 0; margin: 0; }
@media print {
  body { background: white; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  header { background: white; color: black; border-bottom: 2px solid black; padding: 0 0 4px; }
  header h1 { font-size: 18px; }
  nav { display: none; }
  main { max-width: none; padding: 0; margin: 0; }
  section { box-shadow: none; padding: 0; margin: 6px 0; }
  main > section.county:not(:first-of-type) { break-before: page; }
  .map, .detail, tr { break-inside: avoid; }
  .detail, h3.table { break-before: page; }
  h2, h3, p.caption { break-after: avoid; }
  thead { display: table-header-group; }
}
"""

JS = """
(function () {
  var config = {displayModeBar: false, displaylogo: false, responsive: true};
  document.querySelectorAll('script[data-figure]').forEach(function (block) {
    var fig = JSON.parse(block.textContent);
    Plotly.newPlot(block.getAttribute('data-figure'), fig.data, fig.layout, config);
  });
  // Printing: lay the page out at the paper's width (body.printing) and redraw each map at it,
  // a page's height under its caption; afterwards, back to the window.
  function maps() { return document.querySelectorAll('.map.js-plotly-plot'); }
  function beforePrint() {
    if (document.body.classList.contains('printing')) return;
    document.body.classList.add('printing');
    maps().forEach(function (el) {
      el.setAttribute('data-screen-height', el._fullLayout ? el._fullLayout.height : '');
      Plotly.relayout(el, {width: el.parentElement.clientWidth, height: PRINT_HEIGHT});
    });
  }
  function afterPrint() {
    if (!document.body.classList.contains('printing')) return;
    document.body.classList.remove('printing');
    maps().forEach(function (el) {
      var height = +el.getAttribute('data-screen-height') || null;
      Plotly.relayout(el, {width: null, height: height});
    });
  }
""" + PRINT_HOOKS

"""``junheng serve``: the web application on this machine (uvicorn), thin over
``junheng.web.create_app`` and ``junheng.store.open_store``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

DEMO_REGION = "示例市"


def add_serve_command(app: typer.Typer, out: Console, err: Console) -> None:
    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="监听地址 / address (127.0.0.1: this machine "
                                               "only)")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="端口 / port")] = 8000,
        db: Annotated[str | None, typer.Option(
            help="数据库地址，如 postgresql+psycopg://user@host/junheng；默认 --data 下的 SQLite / "
                 "database URL (default: SQLite in --data)")] = None,
        data: Annotated[Path, typer.Option(help="数据文件夹 / data folder")] = Path(
            "junheng-data"),
        demo: Annotated[bool, typer.Option("--demo", help="载入示例县和演示用户 / load the sample "
                                                          "county and demo users")] = False,
    ) -> None:
        """启动网页应用 / start the web application."""
        import uvicorn
        from sqlalchemy.exc import ArgumentError, OperationalError

        from junheng.store import open_store
        from junheng.web import create_app

        try:
            store = open_store(db, folder=data)
        except (ArgumentError, OperationalError) as exc:
            from sqlalchemy.engine import make_url

            try:  # the URL without its password
                shown = make_url(db).render_as_string(hide_password=True) if db else str(data)
            except ArgumentError:
                shown = "（无法解析 unreadable）"
            err.print(f"  无法打开数据库 {shown}：请检查地址、用户和服务器是否在运行", markup=False)
            err.print(f"  cannot open the database {shown}: check the URL, the user and that "
                      "the server is running", markup=False)
            err.print(f"  ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})",
                      markup=False)
            raise typer.Exit(2) from exc
        application = create_app(store)
        lines = first_users(store, demo, application.state.web)
        out.print(f"junheng 网页应用 web application: http://{host}:{port}", markup=False)
        for line in lines:
            out.print(line, markup=False)
        # the access log names paths and statuses only: no form data, no personal data
        uvicorn.run(application, host=host, port=port, log_level="warning")


def first_users(store, demo: bool, web=None) -> list[str]:
    """The first admin (its one-time password printed once) and, with ``demo``, the sample
    county with a bureau, a school, an inspector and a city office user (through ``web``, the
    application's ``junheng.web.context.Web``, the demo upload fills the 问题台账 like any)."""
    from junheng.store import ensure_first_admin

    lines = []
    password = ensure_first_admin(store)
    if password is not None:
        lines.append(f"首个管理员 first admin: admin / {password}（一次性密码，首次登录须修改 "
                     "one-time: change it at first sign-in）")
    if demo:
        lines += load_demo(store, web)
    return lines


def load_demo(store, web=None) -> list[str]:
    """The sample county of ``junheng sample`` as the county 示例县 with its first upload, and one
    user per role (one-time passwords, printed). Does nothing when 示例县 exists. With ``web``
    the upload is followed like any other (the 问题台账 opens its entries)."""
    import hashlib
    import tempfile

    from sqlalchemy import select

    from junheng.io import load, write_sample
    from junheng.store import County, Snapshot, audit, create_user, new_password

    with store.session() as s:
        if s.scalar(select(County).where(County.name == "示例县")) is not None:
            return ["示例县已存在 / the sample county is already loaded"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "sample-county.xlsx"
            write_sample(path, schools=60, seed=7)
            content = path.read_bytes()
            school_id = load(path).schools["school_id"].sort()[1]  # a primary school
        county = County(name="示例县", region=DEMO_REGION)
        s.add(county)
        s.flush()
        snapshot = Snapshot(county_id=county.id, school_year=2025, filename="sample-county.xlsx",
                            content=content, sha256=hashlib.sha256(content).hexdigest())
        s.add(snapshot)
        s.flush()
        if web is not None:
            web.snapshot_added(s, snapshot)
        users = [("bureau", "county", {"county_id": county.id}),
                 ("school", "school", {"county_id": county.id, "school_id": school_id}),
                 ("inspector", "inspector", {"county_id": county.id}),
                 ("city", "province", {"region": DEMO_REGION})]
        lines = []
        for name, role, scope in users:
            password = new_password()
            create_user(s, name, password, role, must_change_password=True, **scope)
            lines.append(f"演示用户 demo user: {name} / {password}（{role}）")
        audit(s, None, "demo_loaded", f"county:{county.id}")
        s.commit()
    return lines

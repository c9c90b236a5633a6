"""The bureau's work: school submissions, plan runs, the 问题台账 and its evidence; a
snapshot's source (an upload or an assembled school year).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users")


def _snapshot(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["snapshots.id"],
                                   name=f"fk_{table}_{column}_snapshots")


def _county(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["county_id"], ["counties.id"],
                                   name=f"fk_{table}_county_id_counties")


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.add_column(sa.Column("source", sa.String(16), server_default="upload",
                                   nullable=False))
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.String(32), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        _county("submissions"),
        _user("submitted_by", "submissions"),
        _user("reviewed_by", "submissions"),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
    )
    op.create_index("ix_submissions_county_id_school_year_school_id", "submissions",
                    ["county_id", "school_year", "school_id"])
    op.create_table(
        "plan_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.String(255), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("result_json", sa.Text(), nullable=True),
        sa.Column("files", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("adopted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("adopted_by", sa.Integer(), nullable=True),
        sa.Column("adopted_at", sa.DateTime(), nullable=True),
        _county("plan_runs"),
        _snapshot("snapshot_id", "plan_runs"),
        _user("created_by", "plan_runs"),
        _user("adopted_by", "plan_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_plan_runs"),
    )
    op.create_index("ix_plan_runs_county_id_created_at", "plan_runs",
                    ["county_id", "created_at"])
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("school_id", sa.String(32), nullable=True),
        sa.Column("stage", sa.String(16), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("office", sa.String(100), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("opened_snapshot_id", sa.Integer(), nullable=True),
        sa.Column("last_seen_snapshot_id", sa.Integer(), nullable=True),
        sa.Column("closed_by_snapshot_id", sa.Integer(), nullable=True),
        sa.Column("reopened", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _county("ledger_entries"),
        _snapshot("opened_snapshot_id", "ledger_entries"),
        _snapshot("last_seen_snapshot_id", "ledger_entries"),
        _snapshot("closed_by_snapshot_id", "ledger_entries"),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        sa.UniqueConstraint("county_id", "key", name="uq_ledger_entries_county_id_key"),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["ledger_entries.id"],
                                name="fk_evidence_entry_id_ledger_entries"),
        _user("uploaded_by", "evidence"),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
    )
    op.create_index("ix_evidence_entry_id", "evidence", ["entry_id"])


def downgrade() -> None:
    op.drop_index("ix_evidence_entry_id", table_name="evidence")
    op.drop_table("evidence")
    op.drop_table("ledger_entries")
    op.drop_index("ix_plan_runs_county_id_created_at", table_name="plan_runs")
    op.drop_table("plan_runs")
    op.drop_index("ix_submissions_county_id_school_year_school_id", table_name="submissions")
    op.drop_table("submissions")
    with op.batch_alter_table("snapshots") as batch:
        batch.drop_column("source")

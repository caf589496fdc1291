"""``trust_accounts.lang``: an account's preferred language (en/ru/kk; NULL = follow
the browser), set at ``users add --lang`` and by switching the language while
signed in to the commission workspace, restored at every sign-in.

It used to be ``commission_passwords.lang``: a fact of the account kept in its
password row, which an account without a workspace password lacks.  The values
move over and that column goes.  Not in the audit chain: it decides nothing about
seats (``audit verify`` reads only ``integrity.ACCOUNT_FIELDS``).  Created 2026-12-06.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_account_language"
down_revision = "0010_division_tree"


def upgrade() -> None:
    op.add_column("trust_accounts", sa.Column("lang", sa.String(8)))
    op.execute(
        "UPDATE trust_accounts SET lang = (SELECT p.lang FROM commission_passwords p"
        " WHERE p.account = trust_accounts.name)"
    )
    with op.batch_alter_table("commission_passwords") as batch:
        batch.drop_column("lang")


def downgrade() -> None:
    with op.batch_alter_table("commission_passwords") as batch:
        batch.add_column(sa.Column("lang", sa.String(8)))
    op.execute(
        "UPDATE commission_passwords SET lang = (SELECT a.lang FROM trust_accounts a"
        " WHERE a.name = commission_passwords.account)"
    )
    with op.batch_alter_table("trust_accounts") as batch:
        batch.drop_column("lang")

"""staff accounts: forced change of passwords set by others

Revision ID: 0002_staff
Revises: 0001
Create Date: 2026-12-05 13:00:00

One revision for the staff side of issue 25: ``staff_user.must_change_password`` (a printed or
admin-set password must be replaced at the first sign-in). Accounts that exist keep signing in as
before.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_staff'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')


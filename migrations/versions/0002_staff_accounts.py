"""staff accounts: campaign ownership and sharing, forced change of passwords set by others

Revision ID: 0002_staff
Revises: 0001
Create Date: 2026-12-05 13:00:00

One revision for the staff side of issue 25: ``campaign_access`` (a campaign's owner and the
designers it is shared with) and ``staff_user.must_change_password`` (a printed or admin-set
password must be replaced at the first sign-in). Accounts that exist keep signing in as before.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_staff'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaign_access',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_access_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_campaign_access_user_id_staff_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'user_id', name=op.f('pk_campaign_access'))
    )
    with op.batch_alter_table('campaign_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_access_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('campaign_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_access_user_id'))

    op.drop_table('campaign_access')

"""campaign.device_storage: answers in progress kept on the respondent's device

A campaign may let the respondent's page keep the answers in progress on the device (encrypted,
erased on sending) and open without a connection (issue 23); on by default, so campaigns that
exist get it too. Designers switch it off for campaigns answered on shared PCs.

Revision ID: 0007_device_storage
Revises: 0006_paper_entry
Create Date: 2026-12-15
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_device_storage'
down_revision = '0006_paper_entry'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_storage', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('device_storage')

"""import keys: the keyed hashes of submissions imported from KoboToolbox/ODK exports

Importing the same export twice adds nothing (issue 24): each imported submission leaves the
keyed hash of its submission id, and nothing else (no time, no row id on SQLite).

Revision ID: 0005_import
Revises: 0004_pool
Create Date: 2026-12-12
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_import'
down_revision = '0004_pool'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_key',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_import_key_campaign_id_campaign')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_import_key')),
    sqlite_with_rowid=False
    )


def downgrade():
    op.drop_table('import_key')

"""paper entry: boxes of sheets, keyings, agreed records, sheet keys, keyer statistics

Paper questionnaires keyed twice by staff (issue 21). The ``data_entry`` staff role needs no
schema change: roles are stored as text of at most 10 characters without a CHECK constraint.

Revision ID: 0006_paper_entry
Revises: 0005_import
Create Date: 2026-12-14
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_paper_entry'
down_revision = '0005_import'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('entry_settings',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('verify_percent', sa.Integer(), nullable=False),
    sa.Column('finished', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_entry_settings_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', name=op.f('pk_entry_settings'))
    )
    op.create_table('paper_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('keyed_once', sa.Integer(), nullable=False),
    sa.Column('keyed_twice', sa.Integer(), nullable=False),
    sa.Column('discordant', sa.Integer(), nullable=False),
    sa.Column('agreed', sa.Integer(), nullable=False),
    sa.Column('waiting', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_paper_batch_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_paper_batch_created_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_batch'))
    )
    with op.batch_alter_table('paper_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_batch_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('paper_sheet',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('verify', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['paper_batch.id'], name=op.f('fk_paper_sheet_batch_id_paper_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_paper_sheet_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_sheet')),
    sa.UniqueConstraint('campaign_id', 'reference', name='uq_paper_sheet_reference')
    )
    with op.batch_alter_table('paper_sheet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_sheet_batch_id'), ['batch_id'], unique=False)

    op.create_table('paper_keying',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('sheet_id', sa.String(length=32), nullable=False),
    sa.Column('pass_no', sa.Integer(), nullable=False),
    sa.Column('keyer_id', sa.Integer(), nullable=False),
    sa.Column('finished', sa.Boolean(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_keyed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['keyer_id'], ['staff_user.id'], name=op.f('fk_paper_keying_keyer_id_staff_user')),
    sa.ForeignKeyConstraint(['sheet_id'], ['paper_sheet.id'], name=op.f('fk_paper_keying_sheet_id_paper_sheet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_keying')),
    sa.UniqueConstraint('sheet_id', 'pass_no', name='uq_paper_keying_pass')
    )
    with op.batch_alter_table('paper_keying', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_keying_keyer_id'), ['keyer_id'], unique=False)

    op.create_table('paper_value',
    sa.Column('keying_id', sa.String(length=32), nullable=False),
    sa.Column('field', sa.String(length=80), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['keying_id'], ['paper_keying.id'], name=op.f('fk_paper_value_keying_id_paper_keying'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('keying_id', 'field', name=op.f('pk_paper_value')),
    sqlite_with_rowid=False
    )
    op.create_table('paper_agreed',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_paper_agreed_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['questionnaire_version.id'], name=op.f('fk_paper_agreed_version_id_questionnaire_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_agreed')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('paper_agreed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_agreed_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('paper_sheet_key',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_paper_sheet_key_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_paper_sheet_key')),
    sqlite_with_rowid=False
    )
    op.create_table('keyer_tally',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('keyer_id', sa.Integer(), nullable=False),
    sa.Column('sheets', sa.Integer(), nullable=False),
    sa.Column('fields', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('compared', sa.Integer(), nullable=False),
    sa.Column('discordant', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('adjudicated', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_keyer_tally_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['keyer_id'], ['staff_user.id'], name=op.f('fk_keyer_tally_keyer_id_staff_user')),
    sa.PrimaryKeyConstraint('campaign_id', 'keyer_id', name=op.f('pk_keyer_tally'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        # Stored as it is (like response_pool): what an attacker would read in the files.
        op.execute("ALTER TABLE paper_agreed ALTER COLUMN payload SET STORAGE EXTERNAL")


def downgrade():
    op.drop_table('keyer_tally')
    op.drop_table('paper_sheet_key')
    with op.batch_alter_table('paper_agreed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_agreed_campaign_id'))
    op.drop_table('paper_agreed')
    op.drop_table('paper_value')
    with op.batch_alter_table('paper_keying', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_keying_keyer_id'))
    op.drop_table('paper_keying')
    with op.batch_alter_table('paper_sheet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_sheet_batch_id'))
    op.drop_table('paper_sheet')
    with op.batch_alter_table('paper_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_batch_campaign_id'))
    op.drop_table('paper_batch')
    op.drop_table('entry_settings')

"""holding pool, sealed drafts, no batch on responses, response mode, code spend mark

Anonymity against whoever holds the server (issue 19): responses no longer carry their code
batch; submissions wait in ``response_pool`` and enter ``response`` in shuffled batches; drafts
keep their answers sealed with a key only the respondent's browser holds; a spent access code
records the hash of the spending draft's secret.

Drafts in progress cannot be sealed (the server never had their keys): they are deleted, so
respondents who were half-way start again. Upgrade between fieldwork waves where possible.

Revision ID: 0004_pool
Revises: 0003_coding
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_pool'
down_revision = '0003_coding'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('response_pool',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_response_pool_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['version_id'], ['questionnaire_version.id'], name=op.f('fk_response_pool_version_id_questionnaire_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_pool')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('response_pool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_pool_campaign_id'), ['campaign_id'], unique=False)

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=10), nullable=False, server_default='web'))
        batch_op.drop_constraint('fk_response_code_batch_id_access_code_batch', type_='foreignkey')
        batch_op.drop_column('code_batch_id')

    op.execute("DELETE FROM draft")
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_constraint('fk_draft_code_batch_id_access_code_batch', type_='foreignkey')
        batch_op.drop_column('code_batch_id')
        batch_op.drop_column('answers')
        batch_op.add_column(sa.Column('sealed', sa.LargeBinary(), nullable=False))
        batch_op.add_column(sa.Column('resume_key', sa.LargeBinary(), nullable=True))

    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('spent_with', sa.String(length=64), nullable=True))

    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE response_pool ALTER COLUMN payload SET STORAGE EXTERNAL")
        op.execute("ALTER TABLE draft SET (autovacuum_vacuum_scale_factor = 0, "
                   "autovacuum_vacuum_threshold = 200)")


def downgrade():
    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.drop_column('spent_with')

    op.execute("DELETE FROM draft")
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_column('resume_key')
        batch_op.drop_column('sealed')
        batch_op.add_column(sa.Column('answers', sa.JSON(), nullable=False))
        batch_op.add_column(sa.Column('code_batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_draft_code_batch_id_access_code_batch', 'access_code_batch', ['code_batch_id'], ['id'])

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_response_code_batch_id_access_code_batch', 'access_code_batch', ['code_batch_id'], ['id'])
        batch_op.drop_column('mode')

    with op.batch_alter_table('response_pool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_pool_campaign_id'))
    op.drop_table('response_pool')

"""coding open answers: the coding frame, codes given to answers, approved quotes

Revision ID: 0003_coding
Revises: 0002_staff
Create Date: 2026-12-05 18:00:00

Issue 20, point 4. Three tables for the analyst's coding of free-text answers (E5 and every
"other — specify"): ``coding_code`` (a campaign's coding frame per text variable),
``coding_assignment`` (a code given to a response's answer) and ``coding_quote`` (an answer
approved for quoting). Like ``response`` and ``answer``, the per-response tables have random ids,
no timestamps and no row ids on SQLite, so nothing orders them by arrival.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_coding'
down_revision = '0002_staff'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coding_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('variable', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_coding_code_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_code')),
    sa.UniqueConstraint('campaign_id', 'variable', 'label', name='uq_coding_code_label')
    )
    with op.batch_alter_table('coding_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coding_code_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('coding_assignment',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['coding_code.id'], name=op.f('fk_coding_assignment_code_id_coding_code'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_coding_assignment_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_assignment')),
    sa.UniqueConstraint('code_id', 'response_id', name='uq_coding_assignment_code_response'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('coding_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coding_assignment_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coding_assignment_response_id'), ['response_id'], unique=False)

    op.create_table('coding_quote',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('response_id', sa.String(length=32), nullable=False),
    sa.Column('variable', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_coding_quote_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_quote')),
    sa.UniqueConstraint('response_id', 'variable', name='uq_coding_quote_response_variable'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('coding_quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coding_quote_response_id'), ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('coding_quote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coding_quote_response_id'))
    op.drop_table('coding_quote')

    with op.batch_alter_table('coding_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coding_assignment_response_id'))
        batch_op.drop_index(batch_op.f('ix_coding_assignment_code_id'))
    op.drop_table('coding_assignment')

    with op.batch_alter_table('coding_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coding_code_campaign_id'))
    op.drop_table('coding_code')

"""Models grouped by aggregate: questionnaire, campaign, response, staff."""
from survey.models.base import Base
from survey.models.campaign import AccessCode, AccessCodeBatch, AccessMode, Campaign, CampaignTarget
from survey.models.coding import CodingAssignment, CodingCode, CodingQuote
from survey.models.entry import (EntrySettings, KeyedValue, KeyerTally, PaperAgreed, PaperBatch,
                                 PaperKeying, PaperSheet, PaperSheetKey)
from survey.models.questionnaire import Questionnaire, QuestionnaireVersion
from survey.models.response import (
    Answer,
    BannerTally,
    Draft,
    ImportKey,
    PageReach,
    Response,
    ResponsePool,
    ResponseStatus,
    SubmissionReceipt,
)
from survey.models.staff import AuditLog, LoginFailure, Role, StaffSession, StaffUser

__all__ = [
    "AccessCode", "AccessCodeBatch", "AccessMode", "Answer", "AuditLog", "BannerTally", "Base",
    "Campaign", "CampaignTarget", "CodingAssignment", "CodingCode", "CodingQuote", "Draft",
    "EntrySettings", "KeyedValue", "KeyerTally", "PaperAgreed", "PaperBatch", "PaperKeying",
    "PaperSheet", "PaperSheetKey", "ImportKey", "LoginFailure", "PageReach", "Questionnaire",
    "QuestionnaireVersion", "Response",
    "ResponsePool", "ResponseStatus", "Role", "StaffSession", "StaffUser", "SubmissionReceipt",
]

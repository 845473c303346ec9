"""Notices, SLA sentences, choices and errors exist in both Chinese scripts."""

import pytest
from django.utils import translation

from backoffice.notifications.services import render_message
from complaints.exceptions import IdempotencyKeyReused
from complaints.models import ComplaintCategory, ComplaintState, RootCause
from complaints.selectors import promise_sentence

TEMPLATES = [
    "complaint_received",
    "complaint_acknowledged",
    "complaint_info_requested",
    "complaint_resolution",
    "complaint_escalated",
    "complaint_rejected",
    "complaint_holding_reply",
    "complaint_auto_closed",
    "complaint_message",
]
CONTEXT = {
    "reference": "CMP-20261122-7KQ2MX",
    "customer_name": "Chan",
    "category_label": "Duplicate charge",
    "root_cause_label": "Merchant",
    "promises": [{"clock": "statutory", "when": "2026-12-07 23:59 (HKT)"}],
    "resolution_summary": "R",
    "follow_up_advice": "A",
    "compensation": [{"description": "D", "amount": "1.00", "currency": "HKD"}],
    "answer_days": 14,
    "days": 14,
    "regulator_name": "People's Bank of China",
    "regulator_contact": "People's Bank of China financial consumer protection hotline 12363",
    "reason": "R",
    "request": "R",
    "final_by": "2026-12-07",
}
EXPECTED = {
    "zh-hans": ("投诉", "中国人民银行", "重复扣款"),
    "zh-hant": ("投訴", "中國人民銀行", "重複扣款"),
}


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_notice_is_translated(template, language):
    subject, body = render_message(template, CONTEXT, language)
    word, regulator, category = EXPECTED[language]
    assert word in subject + body
    assert "We " not in body and "Dear" not in body
    if template == "complaint_resolution":
        assert regulator in body and category in body


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
def test_choices_sentences_and_errors_are_translated(language):
    with translation.override(language):
        labels = [str(c.label) for e in (ComplaintCategory, ComplaintState, RootCause) for c in e]
        labels += [promise_sentence("statutory", "X"), str(IdempotencyKeyReused.message)]
    english = {str(c.label) for e in (ComplaintCategory, ComplaintState, RootCause) for c in e}
    assert not english & set(labels)

"""Asking the employer about a draft: a mail in the original thread, and the answer back on the draft."""

from __future__ import annotations

import email
import email.policy

from sqlmodel import Session, select

from tests.dashboard.conftest import ATELIER, GARAGE, Dashboard, page_csrf
from tests.parsers.conftest import build_mail
from workflows.inbound import store_inbound
from workflows.models import AuditEvent, DraftRow, InboundMessage, OutboundMessage
from workflows.pipeline import run_pending


def ask(client, draft_id: int, question: str):  # type: ignore[no-untyped-def]
    return client.post(f"/drafts/{draft_id}/ask", data={"csrf_token": page_csrf(client, f"/drafts/{draft_id}"),
                                                        "question": question})


def sick_draft(dashboard: Dashboard) -> DraftRow:
    return next(dashboard.draft(i) for i in dashboard.drafts["garage-hoek"] if dashboard.draft(i).type == "sick")


def test_a_question_goes_to_the_sender_in_the_original_thread(dashboard: Dashboard):
    draft = sick_draft(dashboard)
    client = dashboard.login("bureau")
    assert ask(client, draft.id or 0, "Is Priya voor 100% ziek of werkt zij halve dagen?").status_code == 303
    with Session(dashboard.engine) as session:
        [question] = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "question")).all()
        original = session.get(InboundMessage, draft.inbound_id)
    assert original is not None and question.raw is not None
    sent = email.message_from_bytes(question.raw, policy=email.policy.default)
    assert sent["To"] == "ria@garagehoek.example"
    assert sent["In-Reply-To"] == original.message_id and original.message_id in sent["References"]
    assert sent["Subject"] == "Re: Mutaties"
    body = sent.get_content()
    assert "Is Priya voor 100% ziek" in body and f"LB-{original.id}" in body and "ziekmelding van Priya Ramdin" in body
    assert question.related_draft_id == draft.id and question.status == "pending"
    page = client.get(f"/drafts/{draft.id}").text
    # The question is on the draft (and in the outbox); its history says only that it was asked.
    assert "Reden: Is Priya voor 100% ziek" in page and "· vraag gesteld</li>" in page
    with Session(dashboard.engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "question_asked")).all()
    assert event.detail == {"message_id": question.message_id}


def test_the_answer_is_attached_to_the_draft_and_read_again(dashboard: Dashboard):
    draft = sick_draft(dashboard)
    client = dashboard.login("bureau")
    ask(client, draft.id or 0, "Per wanneer is Priya weer beter?")
    with Session(dashboard.engine) as session:
        question = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "question")).one()
    reply = build_mail("Priya is vanaf 23 maart weer volledig aan het werk.\n\nGroet, Ria", sender=GARAGE,
                       subject="Re: Mutaties", headers={"In-Reply-To": question.message_id,
                                                        "References": question.message_id})
    store_inbound(dashboard.engine, dashboard.data_dir, reply, channel="smtp")
    run_pending(dashboard.engine, dashboard.data_dir, "test")
    page = client.get(f"/drafts/{draft.id}").text
    assert "Antwoord van de werkgever" in page and "weer volledig aan het werk" in page
    with Session(dashboard.engine) as session:
        recovery = session.exec(select(DraftRow).where(DraftRow.type == "recovery")).one()
    assert f'href="/drafts/{recovery.id}">#{recovery.id} herstelmelding' in page
    assert "antwoord ontvangen" in page


def test_a_mail_from_another_employer_in_that_thread_is_no_answer(dashboard: Dashboard):
    draft = sick_draft(dashboard)
    client = dashboard.login("bureau")
    ask(client, draft.id or 0, "Per wanneer is Priya weer beter?")
    with Session(dashboard.engine) as session:
        question = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "question")).one()
    stray = build_mail("Daniel is better again.", sender=ATELIER, subject="Re: Mutaties",
                       headers={"In-Reply-To": question.message_id})
    store_inbound(dashboard.engine, dashboard.data_dir, stray, channel="smtp")
    run_pending(dashboard.engine, dashboard.data_dir, "test")
    assert "Antwoord van de werkgever" not in client.get(f"/drafts/{draft.id}").text


def test_only_the_bureau_asks_and_a_question_needs_words(dashboard: Dashboard):
    draft = sick_draft(dashboard)
    assert ask(dashboard.login("garage"), draft.id or 0, "Vraag?").status_code == 403
    client = dashboard.login("bureau")
    empty = ask(client, draft.id or 0, "   ")
    assert empty.status_code == 422 and "schrijf eerst de vraag" in empty.text
    with Session(dashboard.engine) as session:
        assert session.exec(select(OutboundMessage).where(OutboundMessage.kind == "question")).all() == []


def test_a_reply_is_matched_by_our_message_id_never_by_its_subject(dashboard: Dashboard):
    draft = sick_draft(dashboard)
    client = dashboard.login("bureau")
    ask(client, draft.id or 0, "Per wanneer is Priya weer beter?")
    with Session(dashboard.engine) as session:
        question = session.exec(select(OutboundMessage).where(OutboundMessage.kind == "question")).one()
    # The question's own subject, from the right employer, but no reference to our Message-ID: no answer.
    same_subject = build_mail("Priya is per 1 april weer beter.", subject=question.subject,
                              headers={"In-Reply-To": "<someone-elses@garagehoek.example>"})
    store_inbound(dashboard.engine, dashboard.data_dir, same_subject, channel="smtp")
    run_pending(dashboard.engine, dashboard.data_dir, "test")
    assert "Antwoord van de werkgever" not in client.get(f"/drafts/{draft.id}").text
    # Our Message-ID in References (a mail program that drops In-Reply-To) is the thread.
    threaded = build_mail("Priya is per 2 april weer beter.", subject="antwoord",
                          headers={"References": f"<x@garagehoek.example> {question.message_id}"})
    store_inbound(dashboard.engine, dashboard.data_dir, threaded, channel="smtp")
    run_pending(dashboard.engine, dashboard.data_dir, "test")
    assert "Antwoord van de werkgever" in client.get(f"/drafts/{draft.id}").text

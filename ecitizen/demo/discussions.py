"""Demo discussions, through discussions' own services:

- the council's board "Roads and parking" (opened by admin@council.example);
- Amina's question on it, answered officially by the council's caseworker and marked as the answer;
- Ben's topic with a reply by Lucía, and a comment by Lucía that the council's moderator hid as
  spam (it is in the public moderation log, without its text);
- Ben's comment on the first open consultation, when the consultations demo made one.

Idempotent: each item is made only if it is not there yet. Run after the consultations and
petitions demos (seed_demo does), which make what one can comment on.
"""

from __future__ import annotations

from ecitizen.accounts.models import User
from ecitizen.agencies.models import Agency
from ecitizen.engagement.discussions import services, subjects
from ecitizen.engagement.discussions.models import Board, Comment, CommentState, FlagReason, Thread

BOARD = "roads-and-parking"
QUESTION = "When will Elm Street be resurfaced?"
IDEA = "More bike parking near the library"
SPAM = "Cheap parking permits!!! Visit my website for a discount."


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _board(admin: User, agency: Agency) -> Board:
    board = Board.objects.filter(slug=BOARD).first()
    if board is None:
        board = services.board_save(
            actor=admin,
            agency=agency,
            slug=BOARD,
            title="Roads and parking",
            description=(
                "Ask the City Council about roads, pavements, street lights and parking. "
                "Staff of the council answer here; their replies are marked as official."
            ),
        )
    return board


def _topic(board: Board, title: str) -> Thread | None:
    return Thread.objects.filter(board=board, title=title).first()


def _consultation_key() -> str | None:
    try:
        from ecitizen.engagement.consultations.selectors import open_consultations
    except ImportError:  # the consultations app is not installed
        return None
    for consultation in open_consultations()[:5]:
        if subjects.resolve("consultation", consultation.slug) is not None:
            return consultation.slug
    return None


def demo_discussions_load() -> list[str]:
    agency = Agency.objects.filter(slug="city-council").first()
    admin = _user("admin@council.example")
    caseworker = _user("caseworker@council.example")
    moderator = _user("moderator@council.example")
    amina, ben, lucia = _user("amina@example.org"), _user("ben@example.org"), _user("lucia@example.org")
    if None in (agency, admin, caseworker, moderator, amina, ben, lucia):
        return ["Discussions: skipped (the demo agencies and citizens are missing)"]
    lines = []
    board = _board(admin, agency)
    lines.append(f"board “{board.title}” (/have-your-say/discussions/boards/{board.slug}/)")

    question = _topic(board, QUESTION)
    if question is None:
        question = services.topic_start(
            actor=amina,
            board=board,
            title=QUESTION,
            body="The potholes near number 40 are getting deeper. Is resurfacing planned this year?",
            is_question=True,
        )
        services.comment_post(
            actor=ben, kind="topic", key=question.key, body="The same near the bus stop. Cyclists swerve around them."
        )
    if question.answer_id is None:
        answer = question.comments.filter(official_agency=agency).first()
        if answer is None:
            answer = services.comment_post(
                actor=caseworker,
                kind="topic",
                key=question.key,
                body=(
                    "Elm Street is in this year's resurfacing programme. Work starts on 4 May and takes two weeks; "
                    "we will fill the worst potholes next week."
                ),
                as_official=True,
            )
        services.comment_mark_answer(actor=caseworker, comment=answer)
    lines.append(f"question answered officially (/have-your-say/discussions/on/topic/{question.key}/)")

    idea = _topic(board, IDEA)
    if idea is None:
        idea = services.topic_start(
            actor=ben,
            board=board,
            title=IDEA,
            body="The racks by the library are always full. Could the council add some on Market Street?",
        )
        first = idea.comments.order_by("pk").first()
        services.comment_post(
            actor=lucia, kind="topic", key=idea.key, body="Yes please, and covered ones.", parent=first
        )
    spam = Comment.objects.filter(thread=idea, body=SPAM).first()
    if spam is None:
        spam = services.comment_post(actor=lucia, kind="topic", key=idea.key, body=SPAM)
    if spam.state != CommentState.HIDDEN:
        services.comment_hide(
            actor=moderator,
            comment=spam,
            reason=FlagReason.SPAM,
            explanation="Advertising is not allowed in discussions.",
        )
    lines.append("a comment hidden as spam (/have-your-say/discussions/moderation-log/)")

    key = _consultation_key()
    if key is not None:
        thread = Thread.objects.filter(kind="consultation", key=key).first()
        if thread is None or not thread.comments.filter(author=ben).exists():
            services.comment_post(
                actor=ben,
                kind="consultation",
                key=key,
                body="I support this, but please publish the costs before deciding.",
            )
        lines.append(f"a comment on the consultation “{key}”")
    return lines

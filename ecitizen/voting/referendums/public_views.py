"""The public referendum pages: the list, a referendum, the vote form (encrypted in the browser by
the booth, or by the server on the assisted path without JavaScript), the confirmation with the
ballot tracker, the public ballot board (pages, tracker search, ``board.json``) and the result.

After a cast the confirmation is the answer to the POST itself, not a redirect: the tracker is
not put in the session or in an address (either would keep a link between the voter and their
ballot on the server), so it is shown once, and emailed.
"""

from __future__ import annotations

import math

from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from ecitizen.core import ratelimits
from ecitizen.core.i18n import pick
from ecitizen.voting.referendums import voter_conf
from ecitizen.voting.referendums.ballot_services import BALLOT, CREDENTIAL, BoardEntry, cast, cast_assisted
from ecitizen.voting.referendums.board_selectors import (
    VERIFY_COMMAND,
    board_chunks,
    board_digest,
    board_is_complete,
    board_is_public,
    board_page,
    board_totals,
    find_tracker,
    result_rows,
    trustee_rows,
    turnout_rows,
)
from ecitizen.voting.referendums.models import Referendum, Stage
from ecitizen.voting.referendums.public_forms import AssistedBallotForm, BoothBallotForm, TrackerForm
from ecitizen.voting.referendums.public_selectors import (
    election_document,
    phase_label,
    phase_of,
    public_referendum,
    questions_of,
    referendum_lists,
    rules_of,
    voter_status,
)

CAST_BUCKET_SALT = "ecitizen.voting.referendums.cast-rate"


def _base_context(referendum: Referendum) -> dict:
    phase = phase_of(referendum)
    return {
        "referendum": referendum,
        "title": pick(referendum.title),
        "phase": phase,
        "phase_label": phase_label(phase),
        "board_public": board_is_public(referendum),
        "published": referendum.stage == Stage.PUBLISHED,
    }


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "referendums/public/index.html", {"lists": referendum_lists()})


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    referendum = public_referendum(pk)
    context = _base_context(referendum)
    context.update(
        description=pick(referendum.description),
        questions=questions_of(referendum),
        rules=rules_of(referendum),
        verify_command=VERIFY_COMMAND,
    )
    return render(request, "referendums/public/detail.html", context)


@require_GET
def election_json(request: HttpRequest, pk: int) -> JsonResponse:
    referendum = public_referendum(pk)
    response = JsonResponse(election_document(referendum))
    patch_cache_control(response, public=True, max_age=300)
    return response


# --- voting --------------------------------------------------------------------------------------


def _cast_hit(request: HttpRequest) -> tuple[int, ratelimits.Hit | None]:
    """Count one cast against the account's limit (``REFERENDUMS_CAST_RATE``): ``(0, hit)`` when
    allowed, ``(seconds to wait, None)`` when refused.

    The bucket keeps the times of the account's casts for an hour, and the board's numbers follow
    the order of the casts: a bucket named after the account would tell anyone reading the table
    (a copy of the database) which ballots are whose. Its name is therefore a keyed hash of the
    account, which only the server's secret key opens."""
    if not ratelimits.enabled():
        return 0, None
    rate = ratelimits.Rate.parse(voter_conf.cast_rate())
    identity = salted_hmac(CAST_BUCKET_SALT, f"user:{request.user.pk}").hexdigest()
    return ratelimits.bucket_hit(ratelimits.bucket_name("referendum-cast", rate, identity), rate)


# Refusals that come after the ballot was read and checked (the work the limit is there to bound):
# they keep their hit. A refusal before that (voting closed, not on the register...) gives it back.
CHECKED = frozenset({"malformed", "wrong_election", "unknown_credential", "bad_proof", "bad_signature"})


def _give_back(hit: ratelimits.Hit | None, refused: ValidationError) -> None:
    codes = {error.code for errors in refused.error_dict.values() for error in errors}
    if hit is not None and not codes & CHECKED:
        ratelimits.bucket_release(hit)


def _too_many(wait: int) -> str:
    minutes = max(1, math.ceil(wait / 60))
    return ngettext(
        "You have sent a ballot too many times in a short time. Your last ballot is kept. "
        "Wait %(n)s minute, then try again.",
        "You have sent a ballot too many times in a short time. Your last ballot is kept. "
        "Wait %(n)s minutes, then try again.",
        minutes,
    ) % {"n": minutes}


def _merge(errors: dict[str, list[str]], found: dict, fields: set[str]) -> None:
    """Add *found* ({field: [messages]}) to *errors*, a field the page does not show going to the
    top of the form."""
    for field, messages in found.items():
        key = field if field in fields else NON_FIELD_ERRORS
        errors.setdefault(key, []).extend(str(m) for m in messages)


def _done(request: HttpRequest, referendum: Referendum, entry: BoardEntry, *, assisted: bool) -> HttpResponse:
    context = _base_context(referendum)
    context.update(entry=entry, assisted=assisted, tracker_groups=entry.tracker.split("-"))
    response = render(request, "referendums/public/done.html", context)
    # The page holds the tracker: not to be kept by a cache on the way.
    patch_cache_control(response, no_store=True, private=True)
    return response


def _error_links(errors: dict[str, list[str]], questions) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary, each linking to its field."""
    first = f"#{questions[0].name}-0" if questions else "#credential"
    anchors = {CREDENTIAL: "#credential", "assisted": "#assisted"}
    anchors.update({q.name: f"#{q.name}-0" for q in questions})
    links = [(first, message) for message in errors.get(NON_FIELD_ERRORS, [])]
    for field, messages in errors.items():
        if field != NON_FIELD_ERRORS:
            links.extend((anchors.get(field, first), message) for message in messages)
    return links


@sensitive_post_parameters(CREDENTIAL)  # an error report must not carry a credential code
@login_required
@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    referendum = public_referendum(pk)
    context = _base_context(referendum)
    from_booth = request.method == "POST" and bool(request.POST.get(BALLOT, "").strip())
    # A ballot from the booth goes straight to the service, which looks the voter up in the
    # register itself (once per cast, not twice); the form page and the assisted path ask first.
    status = None if from_booth else voter_status(referendum, request.user)
    if status is not None and not status.ok:
        return _cannot(request, context, status)
    questions = questions_of(referendum)
    fields = {CREDENTIAL, "assisted", *(q.name for q in questions)}
    errors: dict[str, list[str]] = {}
    marked: dict[str, list[int]] = {}
    retry_after = 0
    if request.method == "POST":
        if from_booth:
            # The booth: the encrypted ballot alone (no code, no marks).
            booth = BoothBallotForm(request.POST)
            if not booth.is_valid():
                _merge(errors, {NON_FIELD_ERRORS: [e for es in booth.errors.values() for e in es]}, fields)
            else:
                retry_after, hit = _cast_hit(request)
                if retry_after:
                    errors[NON_FIELD_ERRORS] = [_too_many(retry_after)]
                else:
                    try:
                        entry = cast(referendum, request.user, booth.cleaned_data[BALLOT])
                    except ValidationError as exc:
                        _give_back(hit, exc)
                        _merge(errors, exc.message_dict, fields)
                    else:
                        return _done(request, referendum, entry, assisted=False)
        else:
            form = AssistedBallotForm(request.POST, questions=questions, referendum=referendum)
            marked = {q.name: form.marked(q) for q in questions}
            if not referendum.assisted_voting:
                errors[NON_FIELD_ERRORS] = [_no_javascript_message()]
            elif not form.is_valid():
                _merge(errors, form.errors, fields)
            else:
                retry_after, hit = _cast_hit(request)
                if retry_after:
                    errors[NON_FIELD_ERRORS] = [_too_many(retry_after)]
                else:
                    try:
                        entry = cast_assisted(
                            referendum, request.user, form.cleaned_data[CREDENTIAL], form.cleaned_data["selections"]
                        )
                    except ValidationError as exc:
                        _give_back(hit, exc)
                        _merge(errors, exc.message_dict, fields)
                    else:
                        return _done(request, referendum, entry, assisted=True)
    if status is None:
        status = voter_status(referendum, request.user)
        if not status.ok:  # the reason the service refused the ballot, on its own page
            return _cannot(request, context, status)
    context.update(
        status=status,
        questions=[
            {"question": q, "marked": marked.get(q.name, []), "errors": errors.get(q.name, [])} for q in questions
        ],
        form_errors=errors.get(NON_FIELD_ERRORS, []),
        credential_errors=errors.get(CREDENTIAL, []),
        assisted_errors=errors.get("assisted", []),
        error_links=_error_links(errors, questions),
        error_count=sum(len(m) for m in errors.values()),
        no_javascript_message=_no_javascript_message(),
    )
    status_code = 429 if retry_after else (400 if errors else 200)
    response = render(request, "referendums/public/vote.html", context, status=status_code)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    patch_cache_control(response, no_store=True, private=True)
    return response


def _cannot(request: HttpRequest, context: dict, status) -> HttpResponse:
    context["status"] = status
    code = 400 if request.method == "POST" else 200
    return render(request, "referendums/public/vote_cannot.html", context, status=code)


def _no_javascript_message() -> str:
    return _(
        "This referendum can only be voted in online with JavaScript switched on, so that your ballot is "
        "encrypted on your device. Switch JavaScript on, or vote on paper at a service counter."
    )


# --- the board -----------------------------------------------------------------------------------


def _public_board(pk: int) -> Referendum:
    referendum = public_referendum(pk)
    if not board_is_public(referendum):
        raise Http404
    return referendum


@require_GET
def board(request: HttpRequest, pk: int) -> HttpResponse:
    referendum = _public_board(pk)
    context = _base_context(referendum)
    search = TrackerForm(request.GET if "tracker" in request.GET else None)
    found = None
    searched = False
    if search.is_bound and search.is_valid():
        searched = True
        found = find_tracker(referendum, search.cleaned_data["tracker"])
    context.update(
        search=search,
        form=search,
        searched=searched,
        found=found,
        page=board_page(referendum, request.GET.get("page")),
        totals=board_totals(referendum),
        trustees=trustee_rows(referendum),
        complete=board_is_complete(referendum),
        verify_command=VERIFY_COMMAND,
    )
    return render(request, "referendums/public/board.html", context, status=400 if search.errors else 200)


@require_GET
def board_json(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    referendum = _public_board(pk)
    response = StreamingHttpResponse(
        (chunk.encode("ascii") for chunk in board_chunks(referendum)), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="referendum-{referendum.pk}-board.json"'
    if board_is_complete(referendum):
        patch_cache_control(response, public=True, max_age=3600)
    else:
        patch_cache_control(response, no_cache=True)
    return response


@require_GET
def result(request: HttpRequest, pk: int) -> HttpResponse:
    referendum = public_referendum(pk)
    if referendum.stage != Stage.PUBLISHED:
        raise Http404
    context = _base_context(referendum)
    overall, districts = turnout_rows(referendum)
    context.update(
        results=result_rows(referendum),
        turnout=overall,
        districts=districts,
        totals=board_totals(referendum),
        board_digest=board_digest(referendum),
        verify_command=VERIFY_COMMAND,
    )
    return render(request, "referendums/public/result.html", context)

"""Authorization matrix rows for cluedesk.clues (see tests/authz.py)."""

from __future__ import annotations

import io
import secrets

from PIL import Image

from tests.authz import ANY_STAFF, Row


def _clue(w, inside):
    return w.clue_in if inside else w.clue_out


def _report(w):
    from cluedesk.intake.models import Report

    return Report.objects.filter(clue=w.clue_in).first()


def _add_report(w):
    from cluedesk.intake.models import Report

    Report.objects.create(tracking_hash=secrets.token_hex(32), clue=w.clue_in, channel="web", text="matrix report")


def _add_evidence(w):
    from cluedesk.clues.models import Evidence
    from cluedesk.clues.services import evidence_path
    from cluedesk.vault.sealing import encrypt_stream

    for clue in (w.clue_in, w.clue_out):
        ev = Evidence.objects.create(clue=clue, file_id=f"matrix-{clue.pk}", name="photo.jpg", size=3, digest="0" * 64,
                                     uploaded_by=w.staff["verifier"])
        path = evidence_path(ev.file_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            encrypt_stream(iter([b"abc"]), out)


def _add_attachment(w):
    """A reporter's picture on each clue's report (the file sealed as intake stores it)."""
    from cluedesk.intake.attachments import path_for
    from cluedesk.intake.models import Attachment, Report
    from cluedesk.vault.sealing import encrypt_stream

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, format="PNG")
    png = buffer.getvalue()
    for clue in (w.clue_in, w.clue_out):
        report = Report.objects.create(tracking_hash=secrets.token_hex(32), clue=clue, channel="web", text="photo")
        a = Attachment.objects.create(report=report, public_id=f"matrix-file-{clue.pk}", mime="image/png",
                                      size=len(png), digest="0" * 64)
        path = path_for(a.public_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            encrypt_stream(iter([png]), out)


ROWS = [
    Row("staff/clues/", roles=ANY_STAFF, ok=(200,)),
    Row("staff/clues/export/<str:fmt>/", roles=ANY_STAFF, url=lambda w, i: "/staff/clues/export/csv/",
        scoped=False, ok=(200,)),
    Row("staff/clues/bulk-assign/", method="POST", roles={"dispatcher"}, scoped=False, ok=(303,),
        data=lambda w: {"clues": [f"{w.clue_in.public_id}:{w.clue_in.version}"], "unit": w.county.pk,
                        "mode": "local"}),
    Row("staff/clues/<str:public_id>/", roles=ANY_STAFF, ok=(200,),
        url=lambda w, i: f"/staff/clues/{_clue(w, i).public_id}/"),
    # one verb of the table stands for all: the view is generic, the roles come from workflow.check
    Row("staff/clues/<str:public_id>/act/<str:verb>/", method="POST", roles={"intake_reviewer"}, ok=(303,),
        url=lambda w, i: f"/staff/clues/{_clue(w, i).public_id}/act/screen_valid/",
        data=lambda w: {"version": w.clue_in.version, "priority": "normal"}),
    Row("staff/clues/<str:public_id>/message/", method="POST", roles={"intake_reviewer", "dispatcher", "verifier"},
        ok=(303,), setup=_add_report,
        url=lambda w, i: f"/staff/clues/{_clue(w, i).public_id}/message/",
        data=lambda w: {"report": _report(w).pk, "body": "Could you tell us the street?"}),
    Row("staff/clues/<str:public_id>/evidence/<str:file_id>/", roles=ANY_STAFF, ok=(200,), setup=_add_evidence,
        url=lambda w, i: f"/staff/clues/{_clue(w, i).public_id}/evidence/matrix-{_clue(w, i).pk}/"),
    Row("staff/clues/<str:public_id>/files/<str:file_id>/", roles=ANY_STAFF, ok=(200,), setup=_add_attachment,
        url=lambda w, i: f"/staff/clues/{_clue(w, i).public_id}/files/matrix-file-{_clue(w, i).pk}/"),
    Row("staff/clues/<str:public_id>/files/<str:file_id>/thumbnail/", roles=ANY_STAFF, ok=(200,),
        setup=_add_attachment,
        url=lambda w, i: f"/staff/clues/{_clue(w, i).public_id}/files/matrix-file-{_clue(w, i).pk}/thumbnail/"),
    Row("staff/clues/<str:public_id>/files/<str:file_id>/cleaned/", roles=ANY_STAFF, ok=(200,),
        setup=_add_attachment,
        url=lambda w, i: f"/staff/clues/{_clue(w, i).public_id}/files/matrix-file-{_clue(w, i).pk}/cleaned/"),
]

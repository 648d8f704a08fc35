"""Staff open what the reporter sent: only people who may see the clue get a byte, every opening
is a ledger event, pictures come as server-made thumbnails, and what a browser might run never
comes inline."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from cluedesk.clues.models import Clue, ImplicatedUnit
from cluedesk.intake import services as intake
from cluedesk.intake.models import Attachment, Report
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, verify
from tests.clues.conftest import login_verified
from tests.intake.conftest import PDF, upload

pytestmark = pytest.mark.django_db


def _png(size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _clue_with_files(world) -> tuple[Clue, Report, bytes]:
    picture = _png()
    report, code = intake.submit_report(text="They beat the shopkeeper; photos attached.", channel="web",
                                        actor=Actor.reporter(),
                                        files=[upload("me-zhang-wei.png", picture), upload("letter.pdf", PDF)])
    clue = world.clue(Clue.State.SCREENED)
    Report.objects.filter(pk=report.pk).update(clue=clue)
    intake.add_reporter_message(code, "One more photo.", [upload("later.png", picture)])
    return clue, report, picture


def _as(world, name: str) -> Client:
    return login_verified(Client(), world.people[name])


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_verifier_opens_the_reporters_photo_from_the_clue_page(world) -> None:
    clue, report, picture = _clue_with_files(world)
    client = _as(world, "dispatcher")
    html = client.get(f"/staff/clues/{clue.public_id}/").content.decode()
    files = list(Attachment.objects.filter(report=report).order_by("pk"))
    assert len(files) == 3
    for a in files:
        assert f"/staff/clues/{clue.public_id}/files/{a.public_id}/" in html
    png, pdf, later = files
    assert f"/files/{png.public_id}/thumbnail/" in html and f"/files/{later.public_id}/thumbnail/" in html
    assert f"/files/{pdf.public_id}/thumbnail/" not in html
    assert "me-zhang-wei" not in html  # the sealed original name stays sealed

    before = Event.objects.count()
    response = client.get(f"/staff/clues/{clue.public_id}/files/{png.public_id}/?view=1")
    assert response.status_code == 200 and _body(response) == picture
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"] and "script-src" not in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]

    download = client.get(f"/staff/clues/{clue.public_id}/files/{pdf.public_id}/?view=1")  # never inline
    assert _body(download) == PDF
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")
    assert f"{clue.public_id}-report{report.pk}-" in download["Content-Disposition"]

    thumb = client.get(f"/staff/clues/{clue.public_id}/files/{png.public_id}/thumbnail/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert max(small.size) <= 320
    assert client.get(f"/staff/clues/{clue.public_id}/files/{pdf.public_id}/thumbnail/").status_code == 404

    events = list(Event.objects.filter(seq__gt=0).order_by("seq"))[before:]
    assert [(e.verb, e.data["file"], e.data["how"]) for e in events] == [
        ("clue.file_opened", png.public_id, "inline"), ("clue.file_opened", pdf.public_id, "download"),
        ("clue.file_opened", png.public_id, "thumbnail")]
    assert all(e.actor_kind == "staff" and e.actor_id == str(world.dispatcher.pk)
               and e.subject_id == clue.public_id for e in events)
    assert verify().ok


@pytest.mark.parametrize("who", ["verifier_c2", "dispatcher_c2"])
def test_staff_of_another_division_get_no_byte(world, who) -> None:
    clue, report, _picture = _clue_with_files(world)
    png = Attachment.objects.filter(report=report).first()
    before = Event.objects.count()
    client = _as(world, who)
    for url in (f"/staff/clues/{clue.public_id}/files/{png.public_id}/",
                f"/staff/clues/{clue.public_id}/files/{png.public_id}/?view=1",
                f"/staff/clues/{clue.public_id}/files/{png.public_id}/thumbnail/"):
        response = client.get(url)
        assert response.status_code == 404
        assert b"IHDR" not in _body(response)
    assert Event.objects.count() == before


def test_an_implicated_unit_gets_no_byte(world) -> None:
    clue, report, _picture = _clue_with_files(world)
    ImplicatedUnit.objects.create(clue=clue, unit=world.units["K1"])
    png = Attachment.objects.filter(report=report).first()
    response = _as(world, "dispatcher").get(f"/staff/clues/{clue.public_id}/files/{png.public_id}/")
    assert response.status_code == 404 and b"IHDR" not in _body(response)
    assert not Event.objects.filter(verb="clue.file_opened").exists()


def test_anonymous_and_other_clues_files_get_no_byte(world) -> None:
    clue, report, _picture = _clue_with_files(world)
    png = Attachment.objects.filter(report=report).first()
    response = Client().get(f"/staff/clues/{clue.public_id}/files/{png.public_id}/")
    assert response.status_code == 302 and b"IHDR" not in response.content
    other = world.clue(Clue.State.SCREENED)  # visible, but the file is not one of its reports'
    response = _as(world, "dispatcher").get(f"/staff/clues/{other.public_id}/files/{png.public_id}/")
    assert response.status_code == 404 and b"IHDR" not in _body(response)
    assert not Event.objects.filter(verb="clue.file_opened").exists()


def test_a_disguised_or_huge_picture_gives_no_thumbnail(world, monkeypatch) -> None:
    from cluedesk.clues import files

    clue, report, _picture = _clue_with_files(world)
    png = Attachment.objects.filter(report=report).first()
    monkeypatch.setattr(files, "THUMBNAIL_MAX_PIXELS", 1000)
    assert _as(world, "dispatcher").get(f"/staff/clues/{clue.public_id}/files/{png.public_id}/thumbnail/"
                                        ).status_code == 404


def _jpeg_with_gps_and_author() -> bytes:
    img = Image.new("RGB", (64, 48), (30, 90, 30))
    exif = Image.Exif()
    exif[0x013B] = "Zhang Wei"  # Artist
    exif[0x8825] = {1: "N", 2: (28.0, 12.0, 0.0), 3: "E", 4: (113.0, 1.0, 0.0)}  # GPS
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_photo_with_gps_and_author_is_flagged_and_a_cleaned_copy_carries_neither(world) -> None:
    photo = _jpeg_with_gps_and_author()
    report, _code = intake.submit_report(text="Photo of the boss's car.", channel="web", actor=Actor.reporter(),
                                         files=[upload("car.jpg", photo), upload("plain.png", _png())])
    clue = world.clue(Clue.State.SCREENED)
    Report.objects.filter(pk=report.pk).update(clue=clue)
    jpeg, png = Attachment.objects.filter(report=report).order_by("pk")
    client = _as(world, "dispatcher")
    html = client.get(f"/staff/clues/{clue.public_id}/").content.decode()
    assert html.count("Carries data that can identify the reporter") == 1
    assert "GPS position" in html and "author" in html and "Zhang Wei" not in html
    assert f"/files/{jpeg.public_id}/cleaned/" in html and f"/files/{png.public_id}/cleaned/" not in html

    response = client.get(f"/staff/clues/{clue.public_id}/files/{jpeg.public_id}/cleaned/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    with Image.open(io.BytesIO(response.content)) as cleaned:
        exif = cleaned.getexif()
        assert not exif.get_ifd(0x8825) and 0x013B not in exif and cleaned.size == (64, 48)
    assert _body(client.get(f"/staff/clues/{clue.public_id}/files/{jpeg.public_id}/")) == photo  # original kept
    hows = list(Event.objects.filter(verb="clue.file_opened", data__file=jpeg.public_id)
                .order_by("seq").values_list("data__how", flat=True))
    assert hows[-2:] == ["cleaned", "download"]
    assert _as(world, "verifier_c2").get(f"/staff/clues/{clue.public_id}/files/{jpeg.public_id}/cleaned/"
                                         ).status_code == 404

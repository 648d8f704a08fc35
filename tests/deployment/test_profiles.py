"""Deployment profiles: the stored choice, overrides checked field by field, the ledger, the
command, and what the profile asks of intake."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from cluedesk.deployment import profiles, services
from cluedesk.deployment.models import Deployment
from cluedesk.intake import services as intake
from cluedesk.ledger.models import Event
from cluedesk.ledger.services import Actor, verify
from cluedesk.platform.registry import registry
from cluedesk.records.policy import check_profile

pytestmark = pytest.mark.django_db
SYS = Actor.system("test")


def test_the_default_profile_applies_until_one_is_chosen():
    assert Deployment.objects.count() == 0
    p = profiles.current()
    assert p.key == "national_anti_gang" and (p.acknowledge_days, p.feedback_days) == (15, 75)
    assert profiles.retention_days("criminal_case") is None and profiles.retention_days("bogus") == 1825


def test_choosing_a_profile_is_stored_cached_and_ledgered_with_before_and_after():
    profiles.current()  # cached now
    services.set_profile("eu_external", {"acknowledge_days": "5"}, actor=SYS)
    p = profiles.current()
    assert (p.key, p.acknowledge_days, p.feedback_days_extended) == ("eu_external", 5, 183)
    ev = Event.objects.get(verb="compliance.profile_set")
    assert ev.data["before"] == {"profile": "national_anti_gang", "overrides": {}}
    assert ev.data["after"] == {"profile": "eu_external", "overrides": {"acknowledge_days": 5}}
    services.set_profile("eu_external", {"acknowledge_days": "5"}, actor=SYS)  # no change: no event
    assert Event.objects.filter(verb="compliance.profile_set").count() == 1
    assert verify().ok


def test_overrides_for_retention_apply_per_outcome_and_keep_the_rest():
    services.set_profile("eu_internal", {"retention_days.no_action": "200", "retention_days.criminal_case": ""},
                         actor=SYS)
    assert profiles.retention_days("no_action") == 200
    assert profiles.retention_days("criminal_case") is None
    assert profiles.retention_days("discipline") == 1095


def test_keep_adds_to_the_stored_overrides():
    services.set_profile("eu_internal", {"acknowledge_days": "5"}, actor=SYS)
    services.set_profile("eu_internal", {"remind_before_days": "1"}, actor=SYS, replace_overrides=False)
    p = profiles.current()
    assert (p.acknowledge_days, p.remind_before_days) == (5, 1)


@pytest.mark.parametrize("raw,field,words", [
    ({"acknowledge_days": "20", "feedback_days": "10"}, "feedback_days", "before or on the day"),
    ({"acknowledge_days": "-3"}, "acknowledge_days", "cannot be negative"),
    ({"feedback_days": "5000"}, "feedback_days", "At most 365 days"),
    ({"acknowledge_days": "0"}, "acknowledge_days", "0 days cannot be met"),
    ({"acknowledge_days": "seven"}, "acknowledge_days", "whole number"),
    ({"feedback_days_extended": "60"}, "feedback_days_extended", "must be longer"),
    ({"remind_before_days": "20"}, "remind_before_days", "before the clock starts"),
    ({"colour": "red"}, "colour", "not a setting a profile has"),
    ({"retention_days.forever": "3"}, "retention_days.forever", "Unknown outcome"),
    ({"retention_days.no_action": "0"}, "retention_days.no_action", "shorter than the minimum"),
    ({"retention_days.no_action": "30"}, "retention_days.no_action", "shorter than the minimum of 180 days"),
    ({"anonymous_allowed": "maybe"}, "anonymous_allowed", "yes or no"),
    ({"outcome_wording": "poetry"}, "outcome_wording", "Unknown wording set"),
    ({"form_fields": "text,shoe_size"}, "form_fields", "Unknown form fields"),
])
def test_impossible_settings_are_refused_with_a_message_and_nothing_is_written(raw, field, words):
    with pytest.raises(profiles.ProfileError) as exc:
        services.set_profile("eu_external", raw, actor=SYS)
    assert field in exc.value.errors and words in " ".join(str(m) for m in exc.value.errors[field])
    assert Deployment.objects.count() == 0 and not Event.objects.exists()
    assert profiles.current().key == "national_anti_gang"


def test_the_apps_that_own_part_of_the_profile_check_it_through_the_registry():
    """deployment knows no app above it: records registers its retention rule, deployment asks every
    registered validator, override by override, and files each message under its field."""
    validators = registry["profile_validators"]
    assert check_profile in validators  # RecordsConfig.ready()
    saved = list(validators)

    def no_odd_days(profile):
        if any(d is not None and d % 2 for d in profile.retention_days.values()):
            raise ValueError("odd days are refused")

    try:
        validators.clear()
        assert profiles.parse_overrides({"retention_days.no_action": "30"})  # nobody objects
        validators.append(no_odd_days)
        with pytest.raises(profiles.ProfileError) as exc:
            profiles.parse_overrides({"retention_days.no_action": "201", "retention_days.discipline": "400",
                                      "retention_days.transferred": "365"})
        assert exc.value.errors == {"retention_days.no_action": ["odd days are refused"],
                                    "retention_days.transferred": ["odd days are refused"]}
    finally:
        validators[:] = saved


def test_refusals_speak_chinese_to_a_chinese_reader():
    with translation.override("zh-hans"), pytest.raises(profiles.ProfileError) as exc:
        services.set_profile("eu_external", {"acknowledge_days": "20", "feedback_days": "10"}, actor=SYS)
    text = " ".join(str(m) for m in exc.value.errors["feedback_days"])
    assert "反馈" in text, text


def test_an_unknown_profile_is_refused():
    with pytest.raises(profiles.ProfileError) as exc:
        services.set_profile("martian", {}, actor=SYS)
    assert "profile" in exc.value.errors


def test_the_command_sets_and_shows_and_refuses_bad_input(capsys):
    call_command("profile", "set", "eu_internal", "--set", "acknowledge_days=6")
    out = capsys.readouterr().out
    assert "acknowledge_days" in out and " 6" in out and profiles.current().key == "eu_internal"
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("profile", "set", "eu_internal", "--set", "feedback_days=-1")
    with pytest.raises(CommandError):
        call_command("profile", "set", "eu_internal", "--set", "nonsense")
    assert profiles.current().acknowledge_days == 6
    call_command("profile", "list")
    assert "eu_external" in capsys.readouterr().out


def test_without_anonymous_reports_the_form_and_api_require_contact(client):
    services.set_profile("eu_internal", {"anonymous_allowed": "no"}, actor=SYS)
    with pytest.raises(intake.InvalidReport) as exc:
        intake.validate_fields(text="有人收保护费")
    assert "contact" in exc.value.errors
    intake.validate_fields(text="有人收保护费", contact="13800000000")
    resp = client.post("/report/", {"text": "有人收保护费"})
    assert resp.status_code == 400 and "does not accept anonymous reports" in resp.content.decode()


def test_with_anonymous_reports_nothing_more_is_asked():
    assert intake.validate_fields(text="有人收保护费")["text"] == "有人收保护费"


def test_outcome_wording_follows_the_profile():
    assert "criminal case" in profiles.outcome_wording("criminal_case")
    services.set_profile("eu_internal", {}, actor=SYS)
    assert "prosecuting" in profiles.outcome_wording("criminal_case")

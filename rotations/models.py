"""Engineers, partner teams and services, the sprint calendar, rotations and their checklist."""

import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from oncall_site.models import token_digest
from rotations import sprints as calendar
from rotations.proposals import Candidate


def team_zone() -> ZoneInfo:
    return ZoneInfo(settings.ONCALL_TIMEZONE)


def team_today(now: datetime | None = None) -> date:
    return calendar.local_date(now or timezone.now(), team_zone())


class Engineer(models.Model):
    name = models.CharField(max_length=120, unique=True)
    email = models.EmailField(blank=True)
    github_login = models.CharField(
        "GitHub login",
        max_length=39,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$",
                "A GitHub login has letters, digits and single hyphens, up to 39 characters.",
            )
        ],
    )
    pagerduty_user_id = models.CharField(
        "PagerDuty user id",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^P[A-Z0-9]{5,}$", "PagerDuty user ids look like PXPGF42.")],
    )
    active = models.BooleanField(default=True, help_text="Inactive engineers are never proposed.")
    unavailable_from = models.DateField(
        null=True,
        blank=True,
        help_text="First day away (leave, training). Leave empty if available.",
    )
    unavailable_to = models.DateField(null=True, blank=True, help_text="Last day away, inclusive.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engineer",
        help_text="The login this engineer uses, so the site knows who is on call.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unavailable_from__isnull=True)
                | Q(unavailable_to__isnull=True)
                | Q(unavailable_to__gte=F("unavailable_from")),
                name="engineer_unavailable_range_ordered",
                violation_error_message="The last day away must be on or after the first day away.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def as_candidate(self) -> Candidate:
        return Candidate(
            id=self.pk,
            name=self.name,
            active=self.active,
            unavailable_from=self.unavailable_from,
            unavailable_to=self.unavailable_to,
        )

    def is_unavailable_between(self, start: date, end: date) -> bool:
        return self.as_candidate().is_unavailable(start, end)

    def unavailability_text(self) -> str:
        if not (self.unavailable_from or self.unavailable_to):
            return ""
        start = f"{self.unavailable_from:%b %-d, %Y}" if self.unavailable_from else "until"
        end = f"{self.unavailable_to:%b %-d, %Y}" if self.unavailable_to else "further notice"
        return f"{start} – {end}" if self.unavailable_from else f"until {end}"


class PartnerTeam(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    is_platform = models.BooleanField(
        "platform team",
        default=False,
        help_text="The team that runs the platform itself (its services always go out in a release).",
    )
    slack_channel = models.CharField(max_length=80, blank=True, help_text="e.g. #cc-team")
    contact = models.CharField(
        max_length=200, blank=True, help_text="Who to ask during an incident."
    )
    notes = models.TextField(blank=True)
    group = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partner_teams",
        help_text="Its members answer for this team (e.g. what goes out in a release).",
    )

    class Meta:
        ordering = ["-is_platform", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_platform"],
                condition=Q(is_platform=True),
                name="only_one_platform_team",
                violation_error_message="Only one team can be the platform team.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    name = models.SlugField(
        max_length=80, unique=True, help_text="Container image name, e.g. svc-bgs-api."
    )
    team = models.ForeignKey(PartnerTeam, on_delete=models.PROTECT, related_name="services")
    description = models.CharField(max_length=200, blank=True)
    pagerduty_service_id = models.CharField(
        "PagerDuty service id",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^P[A-Z0-9]{5,}$", "PagerDuty service ids look like PIJ90N7.")],
        help_text="Incidents raised on this PagerDuty service count against this team.",
    )
    active = models.BooleanField(default=True)
    # Datadog health queries: how the team's app performs during an incident.
    latency_query = models.CharField(
        "Datadog latency query",
        max_length=500,
        blank=True,
        help_text="A Datadog metric query, e.g. p95:trace.http.request.duration{service:cc-app}",
    )
    latency_unit = models.CharField(
        max_length=20, blank=True, help_text="The unit of the latency query's values, e.g. s or ms."
    )
    latency_threshold = models.FloatField(
        null=True,
        blank=True,
        help_text="Latency above this (in its unit) is degraded. Empty: twice last week's p95.",
    )
    error_rate_query = models.CharField(
        "Datadog error rate query",
        max_length=500,
        blank=True,
        help_text=(
            "A Datadog metric query, e.g. sum:trace.http.request.errors{service:cc-app}.as_count()"
            " / sum:trace.http.request.hits{service:cc-app}.as_count() * 100"
        ),
    )
    error_rate_unit = models.CharField(
        max_length=20, blank=True, help_text="The unit of the error rate's values, e.g. %."
    )
    error_rate_threshold = models.FloatField(
        null=True,
        blank=True,
        help_text="An error rate above this (in its unit) is degraded. Empty: twice last week's p95.",
    )

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pagerduty_service_id"],
                condition=~Q(pagerduty_service_id=""),
                name="unique_pagerduty_service_id",
                violation_error_message="Another service already has this PagerDuty service id.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors = {}
        for measure in ("latency", "error_rate"):
            if getattr(self, f"{measure}_query") and not getattr(self, f"{measure}_unit"):
                errors[f"{measure}_unit"] = "Give the unit of the query's values."
        if errors:
            raise ValidationError(errors)

    @property
    def health_queries(self) -> dict[str, str]:
        """Measure -> its Datadog query, for the measures this service has one for."""
        queries = {"latency": self.latency_query, "error_rate": self.error_rate_query}
        return {measure: query for measure, query in queries.items() if query.strip()}


class SprintCadence(models.Model):
    """How sprints are laid out: sprint `anchor_number` starts on `anchor_start`.

    One row. To change the length from some sprint on, set the anchor to that sprint.
    """

    anchor_number = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="A sprint whose start you know."
    )
    anchor_start = models.DateField(help_text="The first day of that sprint (local midnight).")
    length_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[
            MinValueValidator(1, "A sprint lasts at least 1 day."),
            MaxValueValidator(366, "A sprint lasts at most 366 days."),
        ],
    )
    sprints_ahead = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="How many future sprints to keep generated.",
    )
    release_time = models.TimeField(
        default=time(10, 0),
        help_text="When each sprint's release starts by default, on the team's clock "
        "(the captain can move one release).",
    )

    class Meta:
        verbose_name_plural = "sprint cadence"

    def __str__(self) -> str:
        return (
            f"{self.length_days}-day sprints, sprint {self.anchor_number} from {self.anchor_start}"
        )

    def dates(self, number: int) -> calendar.SprintDates:
        return calendar.sprint_dates(
            anchor_start=self.anchor_start,
            anchor_number=self.anchor_number,
            length_days=self.length_days,
            number=number,
        )

    def number_on(self, day: date) -> int:
        return calendar.sprint_number_on(
            day=day,
            anchor_start=self.anchor_start,
            anchor_number=self.anchor_number,
            length_days=self.length_days,
        )

    def clean(self) -> None:
        if SprintCadence.objects.exclude(pk=self.pk).exists():
            raise ValidationError("There is already a sprint cadence; edit that one instead.")
        if self.length_days is None or self.anchor_start is None or not self.length_days >= 1:
            return
        # Stored sprints from the anchor on must fit: nothing stored is silently rewritten.
        for sprint in Sprint.objects.filter(number__gte=self.anchor_number).order_by("number"):
            expected = self.dates(sprint.number)
            if (sprint.start_date, sprint.end_date) != (expected.start, expected.end):
                raise ValidationError(
                    f"Sprint {sprint.number} is stored as {sprint.start_date:%Y-%m-%d} – "
                    f"{sprint.last_day:%Y-%m-%d}, which this cadence would move to "
                    f"{expected.start:%Y-%m-%d} – {expected.last_day:%Y-%m-%d}. Anchor the "
                    f"cadence on a sprint after it, or delete it first."
                )


class SprintQuerySet(models.QuerySet):
    def containing(self, day: date) -> "SprintQuerySet":
        return self.filter(start_date__lte=day, end_date__gt=day)


class Sprint(models.Model):
    number = models.PositiveIntegerField(unique=True)
    start_date = models.DateField(unique=True, help_text="First day; starts at local midnight.")
    end_date = models.DateField(
        unique=True,
        help_text="The next sprint's first day (this sprint ends at its local midnight).",
    )
    goal = models.CharField(max_length=200, blank=True)

    objects = SprintQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="sprint_ends_after_start",
                violation_error_message="A sprint must end after it starts.",
            )
        ]

    def __str__(self) -> str:
        return f"Sprint {self.number} ({self.start_date:%b %-d} – {self.last_day:%b %-d, %Y})"

    @property
    def last_day(self) -> date:
        return self.end_date - timedelta(days=1)

    @property
    def length_days(self) -> int:
        return (self.end_date - self.start_date).days

    @property
    def starts_at(self) -> datetime:
        return calendar.local_midnight(self.start_date, team_zone())

    @property
    def ends_at(self) -> datetime:
        return calendar.local_midnight(self.end_date, team_zone())

    def window(self) -> tuple[datetime, datetime]:
        return self.starts_at, self.ends_at

    def clean(self) -> None:
        if self.start_date is None or self.end_date is None or self.number is None:
            return
        if self.end_date <= self.start_date:
            raise ValidationError({"end_date": "A sprint must end after it starts."})
        others = Sprint.objects.exclude(pk=self.pk)
        overlap = others.filter(start_date__lt=self.end_date, end_date__gt=self.start_date).first()
        if overlap:
            raise ValidationError(
                f"These dates overlap {overlap} (sprints run back to back and never overlap)."
            )
        before = others.filter(number=self.number - 1).first()
        if before and before.end_date != self.start_date:
            raise ValidationError(
                {
                    "start_date": f"Sprint {before.number} ends on {before.end_date:%Y-%m-%d}, "
                    f"so sprint {self.number} must start that day (no gaps between sprints)."
                }
            )
        after = others.filter(number=self.number + 1).first()
        if after and after.start_date != self.end_date:
            raise ValidationError(
                {
                    "end_date": f"Sprint {after.number} starts on {after.start_date:%Y-%m-%d}, "
                    f"so sprint {self.number} must end that day (no gaps between sprints)."
                }
            )
        out_of_order = others.filter(
            Q(number__lt=self.number, start_date__gt=self.start_date)
            | Q(number__gt=self.number, start_date__lt=self.start_date)
        ).first()
        if out_of_order:
            raise ValidationError(
                f"Sprint numbers must follow the dates; {out_of_order} is out of order."
            )


class CheckItem(models.TextChoices):
    MONITOR_ALERTS = "monitor_alerts", "Monitor Datadog alerts and the alerts channel"
    RESPOND_OUTAGES = "respond_outages", "Respond to outages and incident reports"
    PERFORM_RELEASE = "perform_release", "Perform the sprint's scheduled release"
    ADHOC_DEPLOYS = "adhoc_deploys", "Handle ad-hoc deploy requests"
    SECREL_FAILURES = "secrel_failures", "Resolve SecRel failures"
    DEPENDABOT_PRS = "dependabot_prs", "Review Dependabot PRs"
    TICKET_INCIDENTS = "ticket_incidents", "Ticket every incident"
    WRITE_HANDOFF = "write_handoff", "Write the handoff (with the sprint's MTTR)"


class Rotation(models.Model):
    sprint = models.OneToOneField(Sprint, on_delete=models.PROTECT, related_name="rotation")
    primary = models.ForeignKey(
        Engineer, on_delete=models.PROTECT, related_name="primary_rotations"
    )
    secondary = models.ForeignKey(
        Engineer, on_delete=models.PROTECT, related_name="secondary_rotations"
    )
    confirmed = models.BooleanField(default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(
        blank=True, help_text="Swaps, cover arrangements, anything the pair should know."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sprint__number"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(primary=F("secondary")),
                name="rotation_primary_is_not_secondary",
                violation_error_message="The primary and the secondary must be different engineers.",
            )
        ]

    def __str__(self) -> str:
        return f"Sprint {self.sprint.number}: {self.primary} / {self.secondary}"

    def save(self, *args, **kwargs) -> None:
        if self.confirmed and self.confirmed_at is None:
            self.confirmed_at = timezone.now()
        if not self.confirmed:
            self.confirmed_at = None
            self.confirmed_by = None
        creating = self._state.adding
        super().save(*args, **kwargs)
        if creating:
            ChecklistEntry.objects.bulk_create(
                [ChecklistEntry(rotation=self, item=item) for item in CheckItem.values],
                ignore_conflicts=True,
            )

    def clean(self) -> None:
        if not (self.sprint_id and self.primary_id and self.secondary_id):
            return
        errors: dict[str, str] = {}
        sprint = self.sprint
        # Only future and current duty is checked: history stays as it happened.
        if sprint.end_date > team_today():
            for role in ("primary", "secondary"):
                engineer: Engineer = getattr(self, role)
                if not engineer.active:
                    errors[role] = f"{engineer} is inactive; pick an active engineer."
                elif engineer.is_unavailable_between(sprint.start_date, sprint.end_date):
                    errors[role] = (
                        f"{engineer} is unavailable {engineer.unavailability_text()}, "
                        f"which overlaps sprint {sprint.number}."
                    )
        if errors:
            raise ValidationError(errors)


class ChecklistEntry(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="checklist")
    item = models.CharField(max_length=32, choices=CheckItem.choices)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "checklist item"
        verbose_name_plural = "on-call checklist"
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "item"], name="one_checklist_entry_per_item"
            )
        ]

    def __str__(self) -> str:
        return self.get_item_display()

    def save(self, *args, **kwargs) -> None:
        if not self.done:
            self.done_by = None
            self.done_at = None
        elif self.done_at is None:
            self.done_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def order(self) -> int:
        return CheckItem.values.index(self.item)


class CalendarFeedQuerySet(models.QuerySet):
    def serving(self, token: str) -> "CalendarFeedQuerySet":
        """The feed this secret address names, while its user is active."""
        return self.filter(digest=token_digest(token), user__is_active=True)


class CalendarFeed(models.Model):
    """A per-user secret address for subscribing to the rotation from a calendar app.

    As API tokens are (`oncall_site.models.ApiToken`): only the SHA-256 of the secret is
    stored, and the address is shown once, when it is made or reset. A deactivated user's
    feed stops serving.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    prefix = models.CharField(
        max_length=16, editable=False, help_text="The secret's first characters, to recognize it."
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CalendarFeedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    def set_new_secret(self) -> str:
        """Give the feed a fresh secret (the old address stops working once saved) and
        return it; the caller shows it once."""
        secret = secrets.token_urlsafe(32)
        self.prefix = secret[:6]
        self.digest = token_digest(secret)
        return secret


class PagerDutyOnCall(models.Model):
    """Who PagerDuty pages right now (escalation levels 1 and 2), as last synced."""

    schedule_id = models.CharField(max_length=20, blank=True)
    escalation_level = models.PositiveSmallIntegerField()
    user_id = models.CharField(max_length=20)
    user_name = models.CharField(max_length=200)
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["escalation_level", "user_name"]
        verbose_name = "PagerDuty on-call"

    def __str__(self) -> str:
        return f"Level {self.escalation_level}: {self.user_name}"

"""Security tips: versioned, translated, with rotating variants, approved by a non-author."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from backoffice.core.models import BaseModel
from backoffice.customers.models import Customer


class TipTopic(models.TextChoices):
    PASSWORD = "password", _("Password")
    PHISHING = "phishing", _("Phishing")
    PUBLIC_WIFI = "public_wifi", _("Public Wi-Fi")
    ONE_TIME_CODE = "one_time_code", _("One-time codes")
    LARGE_PAYMENT = "large_payment", _("Large payment")
    NEW_PAYEE = "new_payee", _("New payee")
    DEVICE = "device", _("Device")
    SOCIAL_ENGINEERING = "social_engineering", _("Social engineering")


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class TipStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class ContentLanguage(models.TextChoices):
    EN = "en", _("English")
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    ZH_HANT = "zh-hant", _("Traditional Chinese")


class SecurityTip(BaseModel):
    """A piece of security education. Customers only ever see its published version, the
    last one a content editor or manager other than its author approved."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    topic = models.CharField(_("topic"), max_length=32, choices=TipTopic.choices)
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.INFO
    )
    status = FSMField(_("status"), default=TipStatus.DRAFT, choices=TipStatus.choices)
    published_version = models.ForeignKey(
        "TipVersion",
        verbose_name=_("published version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("security tip")
        verbose_name_plural = _("security tips")
        ordering = ["slug"]
        permissions = [("approve_securitytip", _("Can approve a security tip"))]

    def __str__(self) -> str:
        return self.slug

    @transition(
        field=status, source=[TipStatus.DRAFT, TipStatus.APPROVED], target=TipStatus.APPROVED
    )
    def approve(self, version: "TipVersion") -> None:
        """Publish `version`; the service has checked the approver is not its author."""
        self.published_version = version

    @transition(
        field=status, source=[TipStatus.DRAFT, TipStatus.APPROVED], target=TipStatus.RETIRED
    )
    def retire(self) -> None:
        """Stop using the tip in new campaigns and deliveries; what was sent stays."""


class TipVersion(BaseModel):
    """One wording of a tip (all its variants and languages), frozen once approved."""

    tip = models.ForeignKey(
        SecurityTip, verbose_name=_("tip"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version number"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tip version")
        verbose_name_plural = _("tip versions")
        ordering = ["tip", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tip", "number"], name="tipversion_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.tip.slug} v{self.number}"


class TipText(BaseModel):
    """The title and body of one variant of a version in one language."""

    version = models.ForeignKey(
        TipVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="texts"
    )
    variant = models.PositiveSmallIntegerField(
        _("variant"), default=0, help_text=_("Variants rotate so repeated tips read differently.")
    )
    language = models.CharField(_("language"), max_length=8, choices=ContentLanguage.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tip text")
        verbose_name_plural = _("tip texts")
        ordering = ["version", "variant", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "variant", "language"], name="tiptext_unique_variant_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} #{self.variant} {self.language}"


class QuizQuestion(BaseModel):
    """A multiple-choice question attached to a tip; texts keyed by language code."""

    tip = models.ForeignKey(
        SecurityTip, verbose_name=_("tip"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    prompt = models.JSONField(
        _("prompt"),
        help_text=_('By language, e.g. {"en": "...", "zh-hans": "...", "zh-hant": "..."}.'),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ["tip", "position", "id"]

    def __str__(self) -> str:
        return f"{self.tip.slug} Q{self.position}"


class QuizChoice(BaseModel):
    question = models.ForeignKey(
        QuizQuestion, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.JSONField(_("text"), help_text=_("By language, like the prompt."))
    is_correct = models.BooleanField(_("correct answer"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quiz choice")
        verbose_name_plural = _("quiz choices")
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return f"{self.question} ({self.position})"


class QuizAttempt(BaseModel):
    """A customer's answers to a tip's quiz and the score they got."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    tip = models.ForeignKey(
        SecurityTip, verbose_name=_("tip"), on_delete=models.PROTECT, related_name="quiz_attempts"
    )
    answers = models.JSONField(_("answers"), help_text=_("Question id to chosen choice id."))
    score = models.PositiveSmallIntegerField(_("score"))
    max_score = models.PositiveSmallIntegerField(_("maximum score"))

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.customer} {self.tip.slug} {self.score}/{self.max_score}"

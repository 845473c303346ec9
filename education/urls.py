from django.urls import path

from . import apis

urlpatterns = [
    path("education/inbox/", apis.InboxApi.as_view(), name="education-inbox"),
    path(
        "education/deliveries/<int:delivery_id>/events/",
        apis.DeliveryEventApi.as_view(),
        name="education-delivery-events",
    ),
    path(
        "education/warnings/evaluate/",
        apis.WarningEvaluateApi.as_view(),
        name="education-warnings-evaluate",
    ),
    path(
        "education/warnings/<uuid:decision_id>/outcome/",
        apis.WarningOutcomeApi.as_view(),
        name="education-warning-outcome",
    ),
    path(
        "education/warning-rules/", apis.WarningRulesApi.as_view(), name="education-warning-rules"
    ),
    path("education/tips/<slug:slug>/quiz/", apis.QuizApi.as_view(), name="education-quiz"),
    path(
        "education/tips/<slug:slug>/quiz/attempts/",
        apis.QuizAttemptApi.as_view(),
        name="education-quiz-attempts",
    ),
    path("education/preferences/", apis.PreferencesApi.as_view(), name="education-preferences"),
]

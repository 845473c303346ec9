from django.apps import AppConfig


class BenchBaselineConfig(AppConfig):
    name = "backoffice.benchbaseline"
    label = "benchbaseline"
    verbose_name = "Benchmark baseline"

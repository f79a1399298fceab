from django.apps import AppConfig


class OncallSiteConfig(AppConfig):
    name = "oncall_site"
    verbose_name = "On-call site"

"""Django's admin app with our admin site as its default ``admin.site`` (cluedesk/web/admin_site.py).

A module of its own: the site (and django-otp's forms) is imported only when the app registry is
ready, as Django's ``AdminConfig.default_site`` is a dotted path read in ``ready()``.
"""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "cluedesk.web.admin_site.StaffAdminSite"

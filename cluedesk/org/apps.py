from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "cluedesk.org"
    label = "org"

    def ready(self) -> None:
        from django.contrib import admin
        from django_otp.admin import OTPAdminAuthenticationForm

        # The Django admin is for the superuser only, and only past a second factor too.
        def superuser_only(request) -> bool:  # type: ignore[no-untyped-def]
            user = request.user
            return bool(user.is_active and user.is_superuser and user.is_verified())

        admin.site.has_permission = superuser_only  # type: ignore[method-assign]
        admin.site.login_form = OTPAdminAuthenticationForm

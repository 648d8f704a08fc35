"""One django-ninja API assembling each app's router (OpenAPI at /api/docs)."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger

from cluedesk.intake.api import RateLimited
from cluedesk.intake.api import router as intake_router

# Swagger UI from django-ninja's own static files ("ninja" in INSTALLED_APPS selects them over its
# CDN template): no inline script, nothing from another host; validatorUrl None stops Swagger UI
# from sending the schema to validator.swagger.io for its badge.
api = NinjaAPI(title="cluedesk API", version="1", urls_namespace="api", docs_url="/docs",
               docs=Swagger(settings={"validatorUrl": None}))
api.add_router("/v1/", intake_router)


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """429 says when to come back (RFC 9110 §10.2.3), as the public pages do."""
    response = api.create_response(request, {"detail": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response

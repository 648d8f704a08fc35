"""One django-ninja API assembling each app's router (OpenAPI at /api/docs)."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from cluedesk.intake.api import RateLimited
from cluedesk.intake.api import router as intake_router

api = NinjaAPI(title="cluedesk API", version="1", urls_namespace="api", docs_url="/docs")
api.add_router("/v1/", intake_router)


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """429 says when to come back (RFC 9110 §10.2.3), as the public pages do."""
    response = api.create_response(request, {"detail": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response

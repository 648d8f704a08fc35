"""One django-ninja API assembling each app's router (OpenAPI at /api/docs)."""

from ninja import NinjaAPI

from cluedesk.intake.api import router as intake_router

api = NinjaAPI(title="cluedesk API", version="1", urls_namespace="api", docs_url="/docs")
api.add_router("/v1/", intake_router)

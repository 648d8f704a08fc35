from django.urls import path

from .views import cases, fugitives, umbrella

app_name = "cases"

urlpatterns = [
    path("", cases.case_list, name="case_list"),
    path("export/<str:fmt>/", cases.case_export, name="case_export"),
    path("new/", cases.case_new, name="case_new"),
    path("<int:pk>/", cases.case_detail, name="case_detail"),
    path("<int:pk>/act/<str:verb>/", cases.case_act, name="case_act"),
    path("umbrella/", umbrella.umbrella_list, name="umbrella_list"),
    path("umbrella/export/<str:fmt>/", umbrella.umbrella_export, name="umbrella_export"),
    path("umbrella/new/", umbrella.umbrella_new, name="umbrella_new"),
    path("umbrella/<int:pk>/", umbrella.umbrella_detail, name="umbrella_detail"),
    path("umbrella/<int:pk>/act/<str:verb>/", umbrella.umbrella_act, name="umbrella_act"),
    path("fugitives/", fugitives.fugitive_list, name="fugitive_list"),
    path("fugitives/export/<str:fmt>/", fugitives.fugitive_export, name="fugitive_export"),
    path("fugitives/new/", fugitives.fugitive_new, name="fugitive_new"),
    path("fugitives/<int:pk>/", fugitives.fugitive_detail, name="fugitive_detail"),
    path("fugitives/<int:pk>/status/", fugitives.fugitive_status, name="fugitive_status"),
]

from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("export/<str:fmt>/", views.case_export, name="case_export"),
    path("new/", views.case_new, name="case_new"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/act/<str:verb>/", views.case_act, name="case_act"),
    path("umbrella/", views.umbrella_list, name="umbrella_list"),
    path("umbrella/export/<str:fmt>/", views.umbrella_export, name="umbrella_export"),
    path("umbrella/new/", views.umbrella_new, name="umbrella_new"),
    path("umbrella/<int:pk>/", views.umbrella_detail, name="umbrella_detail"),
    path("umbrella/<int:pk>/act/<str:verb>/", views.umbrella_act, name="umbrella_act"),
    path("fugitives/", views.fugitive_list, name="fugitive_list"),
    path("fugitives/export/<str:fmt>/", views.fugitive_export, name="fugitive_export"),
    path("fugitives/new/", views.fugitive_new, name="fugitive_new"),
    path("fugitives/<int:pk>/", views.fugitive_detail, name="fugitive_detail"),
    path("fugitives/<int:pk>/status/", views.fugitive_status, name="fugitive_status"),
]

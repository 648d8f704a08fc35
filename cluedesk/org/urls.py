from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.code_view, name="login_code"),
    path("login/enrol/", views.enrol_view, name="login_enrol"),
    path("sudo/", views.sudo_view, name="sudo"),
    path("logout/", views.logout_view, name="logout"),
    path("divisions/search/", views.division_search, name="division_search"),
    path("units/", views.unit_list, name="units"),
    path("units/<int:unit_id>/", views.unit_members, name="unit_members"),
    path("units/<int:unit_id>/members/add/", views.member_add, name="member_add"),
    path("units/<int:unit_id>/members/<int:user_id>/roles/", views.member_roles, name="member_roles"),
    path("units/<int:unit_id>/members/<int:user_id>/remove/", views.member_remove, name="member_remove"),
]

from django.urls import path

from . import views

app_name = "rectify"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("items/", views.items_list, name="items"),
    path("items/new/", views.item_new, name="item_new"),
    path("items/export.<str:fmt>", views.items_export, name="items_export"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("items/<int:item_id>/start/", views.item_start, name="item_start"),
    path("items/<int:item_id>/submit/", views.item_submit, name="item_submit"),
    path("items/<int:item_id>/verify/", views.item_verify, name="item_verify"),
    path("items/<int:item_id>/reopen/", views.item_reopen, name="item_reopen"),
    path("items/<int:item_id>/evidence/<int:evidence_id>/", views.evidence_file, name="evidence_file"),
    path("letters/", views.letters_list, name="letters"),
    path("letters/new/", views.letter_new, name="letter_new"),
    path("letters/export.<str:fmt>", views.letters_export, name="letters_export"),
    path("letters/<int:letter_id>/", views.letter_detail, name="letter"),
    path("letters/<int:letter_id>/answer/", views.letter_answer, name="letter_answer"),
    path("industries/", views.industries, name="industries"),
    path("industries/authorities/", views.authority_register, name="authority_register"),
    path("industries/transfers/", views.transfer_new, name="transfer_new"),
    path("industries/<str:code>/", views.industry_detail, name="industry"),
    path("tasks/", views.tasks_list, name="tasks"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/export.<str:fmt>", views.tasks_export, name="tasks_export"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/milestones/", views.task_milestone, name="task_milestone"),
    path("tasks/<int:task_id>/milestones/<int:milestone_id>/done/", views.task_milestone_done,
         name="task_milestone_done"),
    path("tasks/<int:task_id>/indicators/", views.task_indicator, name="task_indicator"),
]

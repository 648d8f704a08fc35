from django.urls import path

from .views import industries, items, key_tasks, letters, overview

app_name = "rectify"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("items/", items.items_list, name="items"),
    path("items/new/", items.item_new, name="item_new"),
    path("items/export.<str:fmt>", items.items_export, name="items_export"),
    path("items/<int:item_id>/", items.item_detail, name="item"),
    path("items/<int:item_id>/start/", items.item_start, name="item_start"),
    path("items/<int:item_id>/submit/", items.item_submit, name="item_submit"),
    path("items/<int:item_id>/verify/", items.item_verify, name="item_verify"),
    path("items/<int:item_id>/reopen/", items.item_reopen, name="item_reopen"),
    path("items/<int:item_id>/evidence/<int:evidence_id>/", items.evidence_file, name="evidence_file"),
    path("letters/", letters.letters_list, name="letters"),
    path("letters/new/", letters.letter_new, name="letter_new"),
    path("letters/export.<str:fmt>", letters.letters_export, name="letters_export"),
    path("letters/<int:letter_id>/", letters.letter_detail, name="letter"),
    path("letters/<int:letter_id>/answer/", letters.letter_answer, name="letter_answer"),
    path("industries/", industries.industries, name="industries"),
    path("industries/authorities/", industries.authority_register, name="authority_register"),
    path("industries/transfers/", industries.transfer_new, name="transfer_new"),
    path("industries/<str:code>/", industries.industry_detail, name="industry"),
    path("tasks/", key_tasks.tasks_list, name="tasks"),
    path("tasks/new/", key_tasks.task_new, name="task_new"),
    path("tasks/export.<str:fmt>", key_tasks.tasks_export, name="tasks_export"),
    path("tasks/<int:task_id>/", key_tasks.task_detail, name="task"),
    path("tasks/<int:task_id>/milestones/", key_tasks.task_milestone, name="task_milestone"),
    path("tasks/<int:task_id>/milestones/<int:milestone_id>/done/", key_tasks.task_milestone_done,
         name="task_milestone_done"),
    path("tasks/<int:task_id>/indicators/", key_tasks.task_indicator, name="task_indicator"),
]

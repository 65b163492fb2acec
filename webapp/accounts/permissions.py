"""The staff roles: three groups of Django permissions. Staff without a group may look at the training
dashboard but change nothing, and may not read the stored predictions (the comments end users checked):
that takes checker.view_prediction, Django's own view permission, which the admin's prediction list
honours too. Superusers may do everything. The permissions are declared on their models' Meta
(checker.Prediction, checker.ModelVersion, training.TrainingJob); this is the one list of who gets which."""

from django.apps import apps as installed_apps
from django.contrib.auth.management import create_permissions

GROUPS = {
    "Reviewers": [
        "checker.view_prediction",
        "checker.review_prediction",
        "checker.export_prediction",
        "checker.delete_prediction",
    ],
    # change_trainingjob: a run's name and note (Django's own change permission)
    "Trainers": [
        "training.launch_trainingjob",
        "training.cancel_trainingjob",
        "training.retry_trainingjob",
        "training.change_trainingjob",
    ],
    # view_modelversion: the admin's model list, whose action also activates a model
    "Model owners": ["checker.promote_modelversion", "checker.view_modelversion"],
}


def group_of(perm):
    """The group that grants `perm` ("app_label.codename"), for the message of a 403."""
    return next((name for name, perms in GROUPS.items() if perm in perms), None)


def grant(apps, name, perm):
    """Give the existing group `name` the permission `perm` too (a migration's upgrade of a group)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    label, _, codename = perm.partition(".")
    found = Permission.objects.filter(content_type__app_label=label, codename=codename).first()
    group = Group.objects.filter(name=name).first()
    if group is not None and found is not None:
        group.permissions.add(found)


def create_groups(apps=installed_apps, **kwargs):
    """Create the groups that are missing, with their permissions; a group that exists is left as the
    admin made it. Run by the data migration and after every migrate and flush (post_migrate: a test database's
    flush empties the groups; it sends no `apps`)."""
    labels = {perm.partition(".")[0] for perms in GROUPS.values() for perm in perms}
    for label in labels:  # Django creates permissions after migrate; the groups need them now
        config = apps.get_app_config(label)
        models_module = getattr(config, "models_module", None)  # a migration state's app has none
        config.models_module = models_module or True
        create_permissions(config, verbosity=0, apps=apps)
        config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GROUPS.items():
        found = [
            Permission.objects.filter(content_type__app_label=label, codename=codename).first()
            for label, _, codename in (perm.partition(".") for perm in perms)
        ]
        if None in found or Group.objects.filter(name=name).exists():
            continue  # a database migrated back before the permissions, or a group the admin already has
        Group.objects.create(name=name).permissions.set(found)

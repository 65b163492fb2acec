"""The Celery tasks the web app sends, by name, and the one way it sends them.

worker/tasks.py names its task definitions with these constants and settings routes them from
TASKS, so a task's name is written once. Messages carry ids only (JSON); their results are not
tracked, since the database row is the truth.
"""

from django.conf import settings

from webapp.celery import app

TRAIN_JOB = "worker.tasks.train_job"  # a training job's attempt (webapp.training.attempts)
SCORE_MODEL = "worker.tasks.score_model"  # a model version's scores on the gate's sample (webapp.checker.scoring)
FIND_WORDS = "worker.tasks.find_words"  # a model version's words that push to toxic (webapp.checker.toxic_words)
FORGET_OLD_TEXTS = "worker.tasks.forget_old_texts"  # the daily retention of stored texts (webapp.checker.retention)
CHECK_ALERTS = "worker.tasks.check_alerts"  # the monitoring alerts of the active version (webapp.monitoring.alerts)
# All on the training queue, which the training workers consume.
TASKS = (TRAIN_JOB, SCORE_MODEL, FIND_WORDS, FORGET_OLD_TEXTS, CHECK_ALERTS)

# Sending a message gives up after about a second when the broker is down, rather than the 20 s of
# Celery's default retries: the caller answers promptly (a job's launch, a model's scoring).
SEND_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def send(task, *args, task_id=None):
    """Send `task` (one of TASKS) with `args` to the training queue; the broker's error is raised
    when it cannot be reached within SEND_RETRY_POLICY."""
    app.send_task(
        task,
        args=list(args),
        task_id=task_id,
        ignore_result=True,
        queue=settings.TOXILAB_TRAINING_QUEUE,
        retry_policy=SEND_RETRY_POLICY,
    )

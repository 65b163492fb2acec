"""End users' "Is this wrong?" on a verdict: a flag that puts the prediction before the reviewers.

No account is needed, so a flag must prove that its sender was shown the verdict: each verdict comes with
a token, the prediction's id signed with the site's secret (django.core.signing), and only that token
flags that prediction. Flags are counted on the prediction (`flag_count`, `first_flagged_at`); the
review page filters on them. A token counts once (FlagUse): sent again, it is answered as before and
counted no more. The views rate-limit flags per client address (webapp.ratelimit, bucket
"flag"), apart from checks.
"""

import hashlib
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from webapp.checker.models import FlagUse, Prediction

SALT = "toxilab.checker.flag"
MAX_AGE = timedelta(days=7)  # a verdict older than this is checked again rather than flagged


class FlagRefused(ValueError):
    """The token does not allow flagging (forged, expired, or for another prediction)."""


class FlagNotFound(LookupError):
    """The token is genuine but its prediction is gone."""


def token_for(prediction):
    """The token that lets whoever was shown `prediction` flag it."""
    return signing.dumps(prediction.pk, salt=SALT)


def verify(token, prediction_id=None):
    """The id of the prediction that `token` was given with (it must be `prediction_id` if given), or
    FlagRefused: the proof that its sender was shown that verdict (flags, and the page's "Why?")."""
    try:
        pk = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise FlagRefused("token: this verdict is too old; check the comment again") from None
    except signing.BadSignature:
        raise FlagRefused("token: not a token of a verdict from this site") from None
    if not isinstance(pk, int) or (prediction_id is not None and pk != prediction_id):
        raise FlagRefused(f"token: not the token of prediction {prediction_id}")
    return pk


def flag(token, prediction_id=None):
    """Count one flag on the prediction that `token` names (which must be `prediction_id` if given), unless
    this token was counted before; returns its id."""
    pk = verify(token, prediction_id)
    with transaction.atomic():
        if not Prediction.objects.select_for_update().filter(pk=pk).exists():
            raise FlagNotFound(f"no prediction with id {pk}")
        digest = hashlib.sha256(token.encode()).hexdigest()
        _, new = FlagUse.objects.get_or_create(digest=digest, defaults={"prediction_id": pk})
        if new:
            Prediction.objects.filter(pk=pk).update(
                flag_count=F("flag_count") + 1,
                first_flagged_at=Coalesce(F("first_flagged_at"), Value(timezone.now())),
            )
    return pk

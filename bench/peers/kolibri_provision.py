"""Run inside Kolibri (`kolibri manage shell -c "exec(open(this).read())"`): the device
provisioned with one facility, its admin and LEARNERS learners (password LEARNER_PASSWORD),
for bench/peers.py. Idempotent."""

import os

from kolibri.core.auth.models import Facility, FacilityUser
from kolibri.core.device.utils import provision_device

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "8"))
PASSWORD = os.environ["BENCH_LEARNER_PASSWORD"]

facility = Facility.objects.first()
if facility is None:
    facility = Facility.objects.create(name="Bench School")
    facility.dataset.learner_can_login_with_no_password = False
    facility.dataset.save()
    provision_device(default_facility=facility)
for n in range(LEARNERS):
    username = f"learner{n}"
    if not FacilityUser.objects.filter(username=username, facility=facility).exists():
        FacilityUser.objects.create_user(username, password=PASSWORD, facility=facility)
print(f"FACILITY {facility.id}")

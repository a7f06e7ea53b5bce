"""The password hasher: Argon2id, Django's recommended algorithm, with the cost OWASP's
Password Storage Cheat Sheet recommends (19 MiB of memory, 2 passes, 1 lane).

Django's own Argon2 defaults (100 MiB, 2 passes, 8 lanes) took ~340 ms per check on our
2-core server, with 8 lanes competing for 2 cores: over the 200 ms a login may cost, and a
class of 40 signing in together would still queue for seconds. One lane at 19 MiB takes
~40 ms (docs/decisions.md, "Argon2 for passwords, at OWASP's cost"). The algorithm name stays
`argon2`, so hashes made with other parameters still verify and are rehashed with these at
their owner's next login (Django's `must_update`).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class SchoolArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

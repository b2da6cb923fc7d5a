"""`prelude=sandbox`: `sb`, a local sandbox started on a free loopback port (stopped at exit)."""

import atexit

from aviv_caas_auth.sandbox import Sandbox

sb = Sandbox.start()
atexit.register(sb.stop)

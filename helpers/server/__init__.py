"""The local slow HTTP server: app (routes, delays, errors), site (the generated pages),
process (SlowServer, in a child process), and `python -m helpers.server` (__main__)."""

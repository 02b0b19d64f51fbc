"""Test and benchmark tooling: fakes of the platforms that the real libraries talk to.

Used by the test suite and by ``quizbot bench``; never imported by the running bot. Both fakes
serve with ``local.LocalServer`` (127.0.0.1, a free port) and answer JSON with
``local.json_response``.
"""

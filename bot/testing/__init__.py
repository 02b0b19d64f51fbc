"""Test and benchmark tooling: fakes of the platforms that the real libraries talk to.

Used by the test suite and by ``quizbot bench``; never imported by the running bot.
"""

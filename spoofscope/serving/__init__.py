"""The scoring service: a REST API over the :class:`~spoofscope.inference.detector.Detector`, an
audit database of every request, and a web page that shows where a recording sounds synthetic.

FastAPI, SQLAlchemy and alembic are the ``serve`` extra; modules of this package import them at
their top, so nothing outside the package imports it except ``spoofscope serve``.
"""

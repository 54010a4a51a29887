"""Adapters around the pipeline: the ASGI app, the uvicorn server, the in-process transport and mock, and the command line."""

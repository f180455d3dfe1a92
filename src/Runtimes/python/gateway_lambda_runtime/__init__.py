"""Lambda's Runtime API client for Python on the standard library only.

It reproduces what AWS's awslambdaric does as seen from outside (paths, handler loading, the context object,
logging, JSON rules, error bodies), because awslambdaric needs a C++ extension that cannot be built here.
"""

"""Training framework for trus-cine-seg: teacher, temporally distilled student, evaluation, ONNX export.

Implements the method of DTC-TRUS as described in ../shared/method.md (own code). Runs with
Debian's python3-torch and python3-opencv through /usr/bin/python3.
"""
